#include "data/TextLines.h"

#include "data/DatasetProblemLog.h"

#include <QFile>

#include <cstdint>
#include <cstring>

namespace momok {

namespace {

// Qt's validator decodes byte by byte; benchmark files are almost all ASCII, which
// is checked eight bytes at a time. Lines holding other bytes go to Qt's validator.
bool isValidUtf8(QByteArrayView data)
{
    const char *p = data.data();
    const char *const end = p + data.size();
    constexpr uint64_t kHighBits = 0x8080808080808080ULL;
    while (p < end) {
        uint64_t word;
        if (end - p >= 8 && (std::memcpy(&word, p, 8), (word & kHighBits) == 0)) {
            p += 8;
            continue;
        }
        if (!(static_cast<unsigned char>(*p) & 0x80)) {
            ++p;
            continue;
        }
        // Everything before p was ASCII, so p starts a character.
        const char *newline = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
        const char *lineEnd = newline ? newline : end;
        if (!QByteArrayView(p, lineEnd - p).isValidUtf8())
            return false;
        p = lineEnd;
    }
    return true;
}

} // namespace

bool readText(const QDir &dir, const QString &fileName, TextFile *out, DatasetProblemLog &log)
{
    QFile file(dir.filePath(fileName));
    if (!file.open(QIODevice::ReadOnly)) {
        log.error(fileName, 0, QStringLiteral("cannot be read: %1").arg(file.errorString()));
        return false;
    }
    if (file.size() > kMaxTextFileBytes) {
        log.error(fileName, 0, QStringLiteral("a file of %1 MiB, over the limit of %2 MiB for a dataset text file")
                                   .arg(file.size() >> 20).arg(kMaxTextFileBytes >> 20));
        return false;
    }
    out->data = file.readAll();
    if (out->data.startsWith("\xEF\xBB\xBF"))
        out->data.remove(0, 3);
    out->validUtf8 = isValidUtf8(out->data);
    return true;
}

bool checkLineLength(QByteArrayView line, const QString &fileName, int number, DatasetProblemLog &log)
{
    if (line.size() <= kMaxLineBytes)
        return true;
    log.error(fileName, number, QStringLiteral("a line of %1 bytes, over the limit of %2 bytes (1 MiB)")
                                    .arg(line.size()).arg(kMaxLineBytes));
    return false;
}

} // namespace momok
