#include "StudioApplication.h"

#include "MainWindow.h"
#include "common/Appearance.h"
#include "common/ScriptConsentPrompt.h"
#include "studio/ModelViews.h"
#include "runtime/ComputeEnvironment.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>

namespace momok::ui {

int runStudio(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("MoMoK Studio"));
    // Settings and data then live in ~/.config/MoMoK/ and ~/.local/share/MoMoK/MoMoK Studio/.
    QApplication::setOrganizationName(QStringLiteral("MoMoK"));
    QApplication::setApplicationVersion(currentComputeInfo().appVersion);
    // The desktop entry's id: the shell matches the window to its icon and name.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.momokstudio.MoMoKStudio"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.momokstudio.MoMoKStudio"),
                                                 QIcon(QStringLiteral(":/icons/org.momokstudio.MoMoKStudio.svg"))));

    installPlotTheming();
    installScriptConsentPrompt();
    applyAppearance(savedAppearance(), /*save=*/false);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Multi-modal knowledge graph completion studio"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption datasetOption(QStringLiteral("dataset"), QStringLiteral("Open this dataset folder."), QStringLiteral("DIR"));
    QCommandLineOption quitAfterOption(QStringLiteral("quit-after"),
                                       QStringLiteral("Close the window after MS milliseconds (smoke tests)."), QStringLiteral("MS"));
    parser.addOption(datasetOption);
    parser.addOption(quitAfterOption);
    parser.addPositionalArgument(QStringLiteral("FILE"),
                                 QStringLiteral("A workspace file (.momok) to open, or a dataset folder."), QStringLiteral("[FILE]"));
    parser.process(app);
    QString datasetDir = parser.value(datasetOption), workspaceFile;
    if (const QStringList files = parser.positionalArguments(); !files.isEmpty()) {
        if (QFileInfo(files.first()).isDir())
            datasetDir = files.first();
        else
            workspaceFile = QFileInfo(files.first()).absoluteFilePath();
    }

    const ComputeInfo info = configureComputeEnvironment();
    std::fprintf(stderr, "%s\n", qPrintable(shortDescription(info)));
    const QString warning = performanceWarning(info);
    if (!warning.isEmpty())
        std::fprintf(stderr, "%s\n", qPrintable(warning));

    MainWindow window(info);
    new ModelViews(&window); // owned by the window
    window.show();
    window.startUp(datasetDir, workspaceFile);
    if (parser.isSet(quitAfterOption))
        QTimer::singleShot(parser.value(quitAfterOption).toInt(), &window, &QWidget::close);
    return app.exec();
}

} // namespace momok::ui
