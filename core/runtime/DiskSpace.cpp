#include "runtime/DiskSpace.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QStorageInfo>

namespace momok {

QString diskFullNote(const QString &path)
{
    QFileInfo info(path);
    // The nearest existing folder decides the file system.
    QString dir = info.isDir() ? info.absoluteFilePath() : info.absolutePath();
    while (!dir.isEmpty() && !QFileInfo(dir).exists() && dir != QDir::rootPath())
        dir = QFileInfo(dir).absolutePath();
    const QStorageInfo storage(dir);
    if (!storage.isValid() || storage.bytesAvailable() >= kNearlyFullBytes)
        return {};
    return QStringLiteral("; the disk is full (%1 free on %2)")
        .arg(QLocale::c().formattedDataSize(storage.bytesAvailable()), storage.rootPath());
}

} // namespace momok
