#include "StudioApplication.h"

#include "MainWindow.h"
#include "studio/ModelViews.h"
#include "runtime/ComputeEnvironment.h"

#include <QApplication>
#include <QCommandLineParser>
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

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Multi-modal knowledge graph completion studio"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption datasetOption(QStringLiteral("dataset"), QStringLiteral("Open this dataset folder."), QStringLiteral("DIR"));
    QCommandLineOption quitAfterOption(QStringLiteral("quit-after"),
                                       QStringLiteral("Close the window after MS milliseconds (smoke tests)."), QStringLiteral("MS"));
    parser.addOption(datasetOption);
    parser.addOption(quitAfterOption);
    parser.process(app);

    const ComputeInfo info = configureComputeEnvironment();
    std::fprintf(stderr, "%s\n", qPrintable(shortDescription(info)));
    const QString warning = performanceWarning(info);
    if (!warning.isEmpty())
        std::fprintf(stderr, "%s\n", qPrintable(warning));

    MainWindow window(info);
    new ModelViews(&window); // owned by the window
    window.show();
    window.startUp(parser.value(datasetOption));
    if (parser.isSet(quitAfterOption))
        QTimer::singleShot(parser.value(quitAfterOption).toInt(), &window, &QWidget::close);
    return app.exec();
}

} // namespace momok::ui
