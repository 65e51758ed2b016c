#pragma once
// The images of one dataset folder that decoded without a problem, remembered between reads
// so that EntityMetadataReader::checkImages decodes only what is new or changed. A file is
// known by its stamp, as git's index knows a file: device, inode, size, modification and
// status-change times in nanoseconds. Writing a file changes its status-change time, which
// no tool can set back, so a file changed since it was checked is decoded again.
//
// A file changed within the file system's clock tick of its last change keeps its times (the
// kernel stamps files from a coarse clock), so a file is remembered only once both its times
// are kSettleSeconds older than the check ("racy" files, in git's words, are decoded every
// time until they settle). Files with a problem are never remembered: they are reported on
// every read.
//
// The record is a cache: one small text file per dataset folder (named by a hash of its
// canonical path), replaced whole, never needed. Unreadable, malformed or written for another
// check (its signature: the reader's limits, the Qt that decoded), it is ignored; a failure
// to write it only costs the next read its decoding.
#include <QByteArray>
#include <QHash>
#include <QString>

namespace momok {

class ImageCheckRecord
{
public:
    static constexpr qint64 kSettleSeconds = 2;

    // $MOMOK_CACHE_DIR/image-checks if that is set, else <generic cache location>/momok/image-checks.
    static QString defaultDirectory();

    // The record of `datasetDirectory` kept in `recordDirectory`, read now. `checkSignature`
    // names everything the check's verdict depends on besides the file.
    ImageCheckRecord(const QString &recordDirectory, const QString &datasetDirectory, const QByteArray &checkSignature);

    // What a file is known by now: empty when it cannot be stat'ed. `settled`, if given, says
    // whether both its times are kSettleSeconds older than now.
    static QByteArray stampOf(const QString &path, bool *settled = nullptr);

    // True when `path` (inside the dataset folder) was found fine with this very stamp.
    bool passed(const QString &path, const QByteArray &stamp) const;

    // Keeps `path` for the next save(): the record saved holds exactly the files kept, so
    // the caller keeps those that passed too.
    void keep(const QString &path, const QByteArray &stamp);

    // Writes the kept files when they differ from what was read. False with *error when the
    // record could not be written (the earlier one, if any, stays whole).
    bool save(QString *error = nullptr);

private:
    QString relative(const QString &path) const;

    QString m_datasetDirectory, m_filePath;
    QByteArray m_header;
    QHash<QString, QByteArray> m_read, m_kept; // relative path -> stamp
};

} // namespace momok
