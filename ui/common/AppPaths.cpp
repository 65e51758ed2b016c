#include "common/AppPaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace momok::ui {

QString bundledDatasetDir(const QString &name)
{
    const QString installed =
        QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/momok-studio/datasets/") + name);
    if (QFileInfo(installed).isDir())
        return QDir::cleanPath(installed);
    return QDir::cleanPath(QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/") + name);
}

QString defaultWorkspacePath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).absoluteFilePath(QStringLiteral("momok.sqlite"));
}

} // namespace momok::ui
