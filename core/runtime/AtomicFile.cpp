#include "runtime/AtomicFile.h"

#include "runtime/CrashPoints.h"
#include "runtime/DiskSpace.h"

#include <QSaveFile>

#include <cerrno>
#include <cstring>

namespace momok {

bool writeFileAtomically(const QString &path, const char *data, qint64 size, const QString &what, QString *error)
{
    auto fail = [&](const QString &why, const QString &diskFull) {
        if (error)
            *error = QStringLiteral("%1: cannot write %2: %3%4").arg(path, what, why, diskFull);
        return false;
    };
    crashPoint("file.before-write");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString(), diskFullNote(path));
    // In two halves, so that a kill can land with half the bytes written.
    const qint64 half = size / 2;
    errno = 0;
    bool written = file.write(data, half) == half;
    if (written) {
        crashPoint("file.half-written");
        written = file.write(data + half, size - half) == size - half;
    }
    if (!written || !file.flush()) {
        // The system's reason ("No space left on device"): a failed flush leaves QSaveFile's
        // own error string unset.
        const QString why = errno ? QString::fromLocal8Bit(std::strerror(errno)) : file.errorString();
        // Asked before the temporary file goes: it still holds the space it took.
        const QString full = diskFullNote(path);
        file.cancelWriting();
        return fail(why, full);
    }
    crashPoint("file.before-rename");
    if (!file.commit())
        return fail(file.errorString(), diskFullNote(path));
    crashPoint("file.renamed");
    return true;
}

} // namespace momok
