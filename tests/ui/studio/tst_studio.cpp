// The whole studio as a user meets it: the main window with its Training, Experts,
// Modalities and Runs tabs, on the bundled countries dataset. A training started from
// the Training tab must, when it finishes, populate predictions, experts and
// modalities without further questions, with the engine's own numbers.
#include "MainWindow.h"
#include "analysis/ExpertsView.h"
#include "analysis/ModalitiesView.h"
#include "analysis/RelationMetricsModel.h"
#include "analysis/RunListModel.h"
#include "analysis/RunsView.h"
#include "common/QCustomPlotInclude.h"
#include "predictions/PredictionModel.h"
#include "predictions/PredictionsView.h"
#include "runtime/ComputeEnvironment.h"
#include "storage/Workspace.h"
#include "studio/ModelViews.h"
#include "train/RunDescription.h"
#include "training/TrainingPanel.h"
#include "workspace/WorkspaceService.h"

#include <QComboBox>

#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace momok;
using namespace momok::ui;

namespace {
const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
constexpr int kTrainingTimeoutMs = 300000;
} // namespace

class TestStudio : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_shots;

    RunRecord workspaceRun(qint64 runId)
    {
        QString error;
        auto workspace = Workspace::open(m_dir.filePath("studio.sqlite"), &error);
        const std::optional<RunRecord> run = workspace ? workspace->run(runId) : std::nullopt;
        return run.value_or(RunRecord{});
    }

    void saveShot(QWidget *widget, const QString &name)
    {
        QCoreApplication::processEvents();
        const QPixmap shot = widget->grab();
        QVERIFY(!shot.isNull());
        QVERIFY(shot.save(QDir(m_shots).filePath(name + ".png")));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
        configureComputeEnvironment(2);
        m_shots = QDir::current().absoluteFilePath("screenshots");
        QVERIFY(QDir().mkpath(m_shots));
    }

    void trainingPopulatesEveryView()
    {
        MainWindow window(currentComputeInfo());
        window.resize(1400, 1000);
        auto *views = new ModelViews(&window);
        QCOMPARE(window.bottomTabs()->count(), 5); // Training, Experts, Modalities, Runs, Similar
        window.show();

        QString error;
        QSignalSpy workspaceOpened(&window, &MainWindow::workspaceChanged);
        window.openWorkspace(m_dir.filePath("studio.sqlite"));
        QTRY_COMPARE_WITH_TIMEOUT(workspaceOpened.count(), 1, 10000);
        QSignalSpy opened(&window, &MainWindow::datasetChanged);
        window.openDataset(kCountries);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 60000);
        QCOMPARE(window.currentRunId(), -1);

        // Two epochs of the quick demo, started from the Training tab.
        TrainingPanel *panel = views->trainingPanel();
        RunSpec spec;
        spec.datasetDir = kCountries;
        spec.runDir = m_dir.filePath("runs/quick");
        ModelConfig::applyPreset(QStringLiteral("quick-demo"), &spec.config);
        spec.config.epochs = 2;
        spec.config.evalEvery = 1;
        QSignalSpy finished(panel, &TrainingPanel::runFinished);
        QSignalSpy threads(panel, &TrainingPanel::computeThreadsChanged);
        auto *computeLabel = window.findChild<QLabel *>(QStringLiteral("computeLabel"));
        QVERIFY(computeLabel);
        const QString idleCompute = computeLabel->text();
        QString trainingCompute;
        connect(panel, &TrainingPanel::computeThreadsChanged, this, [&](int count) {
            if (count > 0)
                trainingCompute = computeLabel->text();
        });
        // Every read of a run's report the experts and modalities views start from here on.
        QSignalSpy expertsLoads(views->expertsView(), &ExpertsView::loadStarted);
        QSignalSpy modalitiesLoads(views->modalitiesView(), &ModalitiesView::loadStarted);
        QSignalSpy runAdded(window.workspaceService(), &WorkspaceService::runAdded);
        QSignalSpy runStatusChanged(window.workspaceService(), &WorkspaceService::runStatusChanged);
        // While it trains, the predictions' empty state says so, with where the training stands.
        QSignalSpy activity(panel, &TrainingPanel::activityChanged);
        QStringList predictionsWhileTraining;
        connect(panel, &TrainingPanel::activityChanged, this, [&](const QString &, const QString &progress) {
            if (!progress.isEmpty())
                predictionsWhileTraining << window.predictionsView()->emptyStateText();
        });
        QVERIFY(panel->startTraining(spec, QStringLiteral("quick")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTrainingTimeoutMs);
        QCOMPARE(finished.first().at(1).value<Outcome>(), Outcome::Finished);
        QVERIFY(activity.count() >= 3); // preparing, epoch 1, epoch 2, …, and the end
        for (const QList<QVariant> &line : activity)
            QCOMPARE(line.at(0).toString(), Workspace::folderPath(kCountries));
        QCOMPARE(activity.first().at(1).toString(), QStringLiteral("preparing the data and the model"));
        QVERIFY(activity.last().at(1).toString().isEmpty());
        QVERIFY2(predictionsWhileTraining.filter(QStringLiteral("is training: epoch 2 of 2")).size() >= 1,
                 qPrintable(predictionsWhileTraining.join('\n')));
        for (const QString &text : predictionsWhileTraining)
            QVERIFY2(text.startsWith(QStringLiteral("A model for this dataset is training: ")), qPrintable(text));
        // The automatic choice for so small a graph is one thread for each of the step's two
        // branches (one in all on one core); the status bar says so while it trains, then shows
        // the start-up figure again.
        const int trainingThreads = physicalCoreCount() >= 2 ? 2 : 1;
        QCOMPARE(threads.count(), 2);
        QCOMPARE(threads.at(0).at(0).toInt(), trainingThreads);
        QCOMPARE(threads.at(1).at(0).toInt(), 0);
        QVERIFY2(trainingCompute.contains(QStringLiteral("%1 thread").arg(trainingThreads))
                     && trainingCompute.endsWith(QStringLiteral("(training)")),
                 qPrintable(trainingCompute));
        QCOMPARE(computeLabel->text(), idleCompute);
        const qint64 runId = finished.first().at(0).toLongLong();
        QVERIFY(runId >= 0);
        QVERIFY(panel->lossPlot()->graph(0)->dataCount() > 0);
        QVERIFY(panel->metricsPlot()->graph(0)->dataCount() > 0);
        window.bottomTabs()->setCurrentPage(panel);
        saveShot(&window, QStringLiteral("studio-training"));

        // The finished run became the analyst's run.
        QTRY_COMPARE_WITH_TIMEOUT(window.currentRunId(), runId, 10000);
        // The service heard of the run when it started and when it finished.
        QCOMPARE(runAdded.count(), 1);
        QCOMPARE(runAdded.first().first().toLongLong(), runId);
        QCOMPARE(runStatusChanged.count(), 1);
        QCOMPARE(runStatusChanged.first().at(1).value<RunStatus>(), RunStatus::Finished);
        // The toolbar's run chooser says what the run is, in its entry and its tooltip.
        const int chooserIndex = window.runChooser()->findData(runId);
        QVERIFY(chooserIndex >= 0);
        const QString described = describeRun(workspaceRun(runId).config).summary();
        QVERIFY2(described.contains(QStringLiteral("image and text extracted (")), qPrintable(described));
        QVERIFY2(window.runChooser()->itemText(chooserIndex).contains(described),
                 qPrintable(window.runChooser()->itemText(chooserIndex)));
        QVERIFY(window.runChooser()->itemData(chooserIndex, Qt::ToolTipRole).toString().contains(described));
        QCOMPARE(window.runChooser()->currentIndex(), chooserIndex);
        QVERIFY2(window.runChooser()->toolTip().contains(described), qPrintable(window.runChooser()->toolTip()));

        // Predictions for Japan fill.
        const qint64 japan = window.currentDataset()->entityId(QStringLiteral("Japan"));
        QSignalSpy shown(window.predictionsView(), &PredictionsView::predictionsShown);
        window.showEntity(japan);
        QTRY_VERIFY_WITH_TIMEOUT(window.predictionsView()->model()->rowCount() > 0, 60000);

        // Experts: relations × (3 × K) cells, from the run's test evaluation.
        ExpertsView *experts = views->expertsView();
        QTRY_VERIFY_WITH_TIMEOUT(experts->hasData() && experts->run() == runId, 20000);
        // A finished training makes each of these views read the run once, not once per trigger.
        QTRY_VERIFY_WITH_TIMEOUT(views->modalitiesView()->hasData(), 20000);
        QCOMPARE(expertsLoads.count(), 1);
        QCOMPARE(expertsLoads.first().first().toLongLong(), runId);
        QCOMPARE(modalitiesLoads.count(), 1);
        QCOMPARE(modalitiesLoads.first().first().toLongLong(), runId);
        QCOMPARE(experts->colorMap()->data()->valueSize(), window.currentDataset()->relationCount());
        QCOMPARE(experts->colorMap()->data()->keySize(), 3 * spec.config.experts);
        window.bottomTabs()->setCurrentPage(experts);
        saveShot(&window, QStringLiteral("studio-experts"));

        // Modalities: each decoder's per-relation MRR is the engine's, as recorded.
        auto workspace = Workspace::open(m_dir.filePath("studio.sqlite"), &error);
        QVERIFY2(workspace, qPrintable(error));
        std::optional<EvaluationReport> test;
        for (const EvaluationRecord &e : workspace->evaluations(runId))
            if (e.split == Split::Test)
                test = workspace->evaluationReport(e.id);
        QVERIFY(test.has_value());
        ModalitiesView *modalities = views->modalitiesView();
        QAbstractItemModel *table = modalities->relationTable()->model();
        QTRY_VERIFY_WITH_TIMEOUT(table->rowCount() > 0, 20000);
        int compared = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            const qint64 relation = table->index(row, 0).data(RelationMetricsModel::RelationRole).toLongLong();
            for (const RelationReport &r : test->relations) {
                if (r.relation != relation)
                    continue;
                for (int d = 0; d < kDecoderCount; ++d) {
                    const double shownValue = table->index(row, RelationMetricsModel::FirstDecoderColumn + d)
                                                  .data(RelationMetricsModel::ValueRole).toDouble();
                    const double expected = r.metrics.both[size_t(d)].realistic.mrr;
                    if (std::isnan(shownValue))
                        continue; // a decoder this run does not have
                    QCOMPARE(shownValue, expected);
                    ++compared;
                }
            }
        }
        QVERIFY(compared >= 6 * 3); // the six relations with test triples, at least S, joint and combined
        window.bottomTabs()->setCurrentPage(modalities);
        saveShot(&window, QStringLiteral("studio-modalities"));

        // Runs: the run is listed.
        RunsView *runs = views->runsView();
        QTRY_COMPARE_WITH_TIMEOUT(runs->runModel()->rowCount(), 1, 20000);
        window.bottomTabs()->setCurrentPage(runs);
        saveShot(&window, QStringLiteral("studio-runs"));
    }
};

QTEST_MAIN(TestStudio)
#include "tst_studio.moc"
