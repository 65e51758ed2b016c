#pragma once
// Writing a file whole or not at all.
#include <QByteArray>
#include <QSaveFile>
#include <QString>

namespace momok {

// Streams a file into a temporary file in the same folder, renamed over path only by
// commit() once every byte is on disk: a crash, a kill or a full disk leaves the previous
// file (or none) and never part of the new one. After a failed write, write() writes
// nothing more (a producer that cannot stop, such as LibTorch's archive writer, may keep
// calling it) and commit() reports the failure. On failure commit()'s error reads
// "<path>: cannot write <what>: <the system's reason>[; the disk is full (… free on …)]"
// and the temporary file is removed.
class AtomicFileWriter
{
public:
    AtomicFileWriter(const QString &path, const QString &what);
    AtomicFileWriter(const AtomicFileWriter &) = delete;
    AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

    void write(const char *data, qint64 size);
    bool commit(QString *error);

private:
    void fail(const QString &why);

    QSaveFile m_file;
    QString m_path, m_what, m_failure;
    qint64 m_writes = 0;
};

// The whole of bytes, written as above.
bool writeFileAtomically(const QString &path, const char *data, qint64 size, const QString &what, QString *error);
inline bool writeFileAtomically(const QString &path, const QByteArray &bytes, const QString &what, QString *error)
{
    return writeFileAtomically(path, bytes.constData(), bytes.size(), what, error);
}

} // namespace momok
