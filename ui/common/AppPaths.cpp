#include "common/AppPaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace momok::ui {

namespace {

bool insideBuildTree()
{
    const QString build = QDir(QStringLiteral(MOMOK_BINARY_DIR)).canonicalPath();
    const QString app = QDir(QCoreApplication::applicationDirPath()).canonicalPath();
    return !build.isEmpty() && (app == build || app.startsWith(build + QLatin1Char('/')));
}

} // namespace

QString bundledDatasetDir(const QString &name)
{
    const QString relative = QStringLiteral("momok-studio/datasets/") + name;
    // The program lives in PREFIX/libexec/momok-studio/ (its launcher in PREFIX/bin/).
    const QString installed = QDir::cleanPath(
        QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../../share/") + relative));
    if (QFileInfo(installed).isDir())
        return installed;
    const QString located = QStandardPaths::locate(QStandardPaths::GenericDataLocation, relative, QStandardPaths::LocateDirectory);
    if (!located.isEmpty())
        return QDir::cleanPath(located);
    if (insideBuildTree())
        return QDir::cleanPath(QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/") + name);
    return installed;
}

QString defaultWorkspacePath()
{
    const QDir data(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    const QString current = data.absoluteFilePath(defaultWorkspaceFileName());
    const QString older = data.absoluteFilePath(QStringLiteral("momok.sqlite"));
    return !QFileInfo::exists(current) && QFileInfo::exists(older) ? older : current;
}

QString defaultWorkspaceFileName() { return QStringLiteral("workspace.momok"); }

QString commandLineProgram()
{
    const QDir here(QCoreApplication::applicationDirPath());
    if (QFileInfo(here.filePath(QStringLiteral("momok"))).isExecutable())
        return here.filePath(QStringLiteral("momok"));
    if (insideBuildTree()) // the test programs live in build/tests
        return QDir::cleanPath(QStringLiteral(MOMOK_BINARY_DIR "/app/momok"));
    return QStringLiteral("momok"); // from PATH
}

} // namespace momok::ui
