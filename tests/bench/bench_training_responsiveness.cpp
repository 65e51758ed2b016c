// Benchmark (not a test): how responsive the UI thread stays while a real training
// runs on the worker thread. A precise 5 ms timer on the UI thread records how late
// each tick fires (the event loop's delay) while the Training panel receives the
// progress signals and repaints its plots. Prints the median, 99th percentile and
// worst delay, and how often the plots were repainted; the budget is 100 ms.
//
//   bench_training_responsiveness [--dataset DIR] [--epochs N] [--threads N]
#include "runtime/ComputeEnvironment.h"
#include "training/TrainingPanel.h"
#include "training/TrainingWorker.h"
#include "workspace/WorkspaceService.h"

#include <optional>

#include "common/QCustomPlotInclude.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace momok;

int main(int argc, char **argv)
{
    prepareProcessEnvironment(argv);
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOptions({{"dataset", "dataset folder (default: the bundled countries graph)", "DIR",
                        QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries")},
                       {"epochs", "epochs of the quick-demo preset to train", "N", "6"},
                       {"threads", "compute threads (0: physical cores)", "N", "0"},
                       {"timeout", "give up after this many seconds", "S", "150"}});
    parser.process(app);
    const ComputeInfo info = configureComputeEnvironment(parser.value("threads").toInt());

    QTemporaryDir tmp;
    ui::TrainingPanel panel;
    panel.resize(1400, 330);
    panel.show();
    // The panel records into the service's workspace, opened (off this thread) before the clock starts.
    ui::WorkspaceService workspace;
    {
        QEventLoop opening;
        QObject::connect(&workspace, &ui::WorkspaceService::workspaceOpened, &opening, &QEventLoop::quit);
        QObject::connect(&workspace, &ui::WorkspaceService::openFailed, &opening, &QEventLoop::quit);
        workspace.open(tmp.filePath("bench.momok"));
        opening.exec();
    }
    if (!workspace.isOpen()) {
        std::fprintf(stderr, "the bench workspace cannot be opened\n");
        return 1;
    }
    panel.setWorkspaceService(&workspace);
    panel.setDataset(parser.value("dataset"), -1);

    int replots = 0;
    for (QCustomPlot *plot : {panel.lossPlot(), panel.miPlot(), panel.metricsPlot()})
        QObject::connect(plot, &QCustomPlot::afterReplot, [&replots] { ++replots; });

    constexpr int kTickMs = 5;
    std::vector<double> delays;
    std::vector<std::pair<double, double>> worst; // (delay, seconds since start): where the worst ones happened
    QElapsedTimer clock;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(kTickMs);
    qint64 last = 0;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        const double delay = std::max(0.0, double(now - last) / 1e6 - kTickMs);
        delays.push_back(delay);
        if (delay > 20)
            worst.push_back({delay, double(now) / 1e9});
        last = now;
    });

    RunSpec spec;
    spec.datasetDir = parser.value("dataset");
    spec.runDir = tmp.filePath("runs/bench");
    ModelConfig::applyPreset(QStringLiteral("quick-demo"), &spec.config);
    spec.config.epochs = parser.value("epochs").toInt();
    spec.config.evalEvery = 1;
    spec.config.patience = 1000;

    double startedAt = 0;
    QObject::connect(&panel, &ui::TrainingPanel::runStarted, [&] { startedAt = clock.nsecsElapsed() / 1e9; });
    std::optional<Outcome> outcome;
    QElapsedTimer wall;
    QObject::connect(&panel, &ui::TrainingPanel::runFinished, &app, [&](qint64, Outcome o) {
        outcome = o;
        app.quit();
    });
    QTimer::singleShot(parser.value("timeout").toInt() * 1000, &panel, &ui::TrainingPanel::cancelTraining);
    QTimer::singleShot(0, [&] {
        wall.start();
        clock.start();
        last = 0;
        tick.start();
        panel.startTraining(spec, QStringLiteral("bench"));
    });
    app.exec();
    tick.stop();

    if (delays.empty()) {
        std::printf("no timer ticks recorded\n");
        return 1;
    }
    std::sort(delays.begin(), delays.end());
    auto quantile = [&](double q) { return delays[std::min(delays.size() - 1, size_t(q * double(delays.size())))]; };
    std::printf("%s\n", qPrintable(shortDescription(info)));
    std::printf("training: %s, %d epochs of quick-demo on %s, %.1f s (%s)\n",
                qPrintable(spec.runDir), spec.config.epochs, qPrintable(parser.value("dataset")), wall.elapsed() / 1000.0,
                outcome ? qPrintable(outcomeName(*outcome)) : "did not end");
    std::printf("event loop delay over %zu ticks of %d ms: median %.2f ms, p99 %.2f ms, worst %.2f ms (budget 100 ms: %s)\n",
                delays.size(), kTickMs, quantile(0.5), quantile(0.99), delays.back(),
                delays.back() < 100.0 ? "within" : "OVER");
    std::printf("plot repaints during training: %d (3 plots); trainer ready after %.2f s\n", replots, startedAt);
    std::sort(worst.rbegin(), worst.rend());
    for (size_t i = 0; i < std::min<size_t>(5, worst.size()); ++i)
        std::printf("  delay %.1f ms at %.2f s\n", worst[i].first, worst[i].second);
    return outcome == Outcome::Finished ? 0 : 1;
}
