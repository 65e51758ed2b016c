#include "data/ImageCheckRecord.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>

#if defined(__linux__)
#include <sys/stat.h>
#include <time.h>
#endif

namespace momok {

namespace {

constexpr char kFormat[] = "momok-image-checks 1";

} // namespace

QString ImageCheckRecord::defaultDirectory()
{
    // Beside the feature cache (FeatureExtractor::defaultCacheDirectory), which the same
    // variable moves.
    const QString overridden = qEnvironmentVariable("MOMOK_CACHE_DIR");
    if (!overridden.isEmpty())
        return QDir(overridden).filePath(QStringLiteral("image-checks"));
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation))
        .filePath(QStringLiteral("momok/image-checks"));
}

ImageCheckRecord::ImageCheckRecord(const QString &recordDirectory, const QString &datasetDirectory,
                                   const QByteArray &checkSignature)
    : m_datasetDirectory(QDir(datasetDirectory).canonicalPath())
{
    if (recordDirectory.isEmpty() || m_datasetDirectory.isEmpty())
        return; // nothing read, nothing written
    const QByteArray name =
        QCryptographicHash::hash(m_datasetDirectory.toUtf8(), QCryptographicHash::Sha256).toHex().left(32);
    m_filePath = QDir(recordDirectory).filePath(QString::fromLatin1(name) + QStringLiteral(".tsv"));
    m_header = QByteArray(kFormat) + ' ' + checkSignature;
    m_header.replace('\n', ' ');

    QFile file(m_filePath);
    if (!file.open(QIODevice::ReadOnly))
        return;
    const QList<QByteArray> lines = file.readAll().split('\n');
    if (lines.isEmpty() || lines.first() != m_header)
        return; // another format or another check: decoded again, then replaced
    QHash<QString, QByteArray> read;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        if (line.isEmpty())
            continue;
        const qsizetype tab = line.indexOf('\t');
        if (tab <= 0 || tab + 1 == line.size())
            return; // malformed: trust none of it
        read.insert(QString::fromUtf8(line.mid(tab + 1)), line.left(tab));
    }
    m_read = std::move(read);
}

QByteArray ImageCheckRecord::stampOf(const QString &path, bool *settled)
{
#if defined(__linux__)
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) {
        if (settled) *settled = false;
        return {};
    }
    auto nanoseconds = [](const struct timespec &t) { return qint64(t.tv_sec) * 1000000000 + t.tv_nsec; };
    const qint64 modified = nanoseconds(st.st_mtim), changed = nanoseconds(st.st_ctim);
    if (settled) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        *settled = nanoseconds(now) - std::max(modified, changed) >= kSettleSeconds * 1000000000;
    }
    return QByteArray::number(quint64(st.st_dev)) + ':' + QByteArray::number(quint64(st.st_ino)) + ':'
           + QByteArray::number(qint64(st.st_size)) + ':' + QByteArray::number(modified) + ':'
           + QByteArray::number(changed);
#else
    const QFileInfo info(path);
    if (!info.exists()) {
        if (settled) *settled = false;
        return {};
    }
    const qint64 modified = info.lastModified().toMSecsSinceEpoch(),
                 changed = info.metadataChangeTime().toMSecsSinceEpoch();
    if (settled)
        *settled = QDateTime::currentMSecsSinceEpoch() - std::max(modified, changed) >= kSettleSeconds * 1000;
    return QByteArray::number(info.size()) + ':' + QByteArray::number(modified) + ':' + QByteArray::number(changed);
#endif
}

QString ImageCheckRecord::relative(const QString &path) const
{
    return QDir(m_datasetDirectory).relativeFilePath(QFileInfo(path).absoluteFilePath());
}

bool ImageCheckRecord::passed(const QString &path, const QByteArray &stamp) const
{
    if (m_read.isEmpty() || stamp.isEmpty())
        return false;
    const auto found = m_read.constFind(relative(path));
    return found != m_read.constEnd() && *found == stamp;
}

void ImageCheckRecord::keep(const QString &path, const QByteArray &stamp)
{
    if (m_filePath.isEmpty() || stamp.isEmpty())
        return;
    const QString name = relative(path);
    if (name.contains(QLatin1Char('\n'))) // one line per file
        return;
    m_kept.insert(name, stamp);
}

bool ImageCheckRecord::save(QString *error)
{
    if (m_filePath.isEmpty() || m_kept == m_read)
        return true;
    if (!QDir().mkpath(QFileInfo(m_filePath).absolutePath())) {
        if (error) *error = QStringLiteral("%1: cannot create the folder").arg(QFileInfo(m_filePath).absolutePath());
        return false;
    }
    QStringList names = m_kept.keys();
    std::sort(names.begin(), names.end());
    QByteArray out = m_header + '\n';
    for (const QString &name : std::as_const(names))
        out += m_kept.value(name) + '\t' + name.toUtf8() + '\n';
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(out) != out.size() || !file.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    m_read = m_kept;
    return true;
}

} // namespace momok
