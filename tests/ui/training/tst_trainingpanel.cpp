// The Training tab driving real trainings on the bundled countries graph: started
// from the dialog, plotted live and recorded in the workspace; cancelled and
// resumed; stopped by closing the window; and a failure explained to the user.
#include "runtime/ComputeEnvironment.h"
#include "storage/Workspace.h"
#include "teaching/TeachingGraphGenerator.h"
#include "training/TrainOnDialog.h"
#include "training/TrainingDialog.h"
#include "training/TrainingPanel.h"
#include "training/TrainingWorker.h"
#include "workspace/WorkspaceService.h"

#include "common/QCustomPlotInclude.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QRegularExpression>
#include <QtTest>

#include <memory>

using namespace momok;
using namespace momok::ui;

namespace {

const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
constexpr int kTrainingTimeoutMs = 240000;

RunSpec quickDemo(const QString &runDir, int epochs)
{
    RunSpec spec;
    spec.datasetDir = kCountries;
    spec.runDir = runDir;
    ModelConfig::applyPreset(QStringLiteral("quick-demo"), &spec.config);
    spec.config.epochs = epochs;
    spec.config.evalEvery = 1;
    return spec;
}

QList<int> epochNumbers(const QVector<EpochRecord> &epochs)
{
    QList<int> out;
    for (const EpochRecord &e : epochs)
        out << e.epoch;
    return out;
}

// Answers the next question box with the button whose text is `button`.
void answerQuestionBox(const QString &button)
{
    QTimer::singleShot(200, [button] {
        for (QWidget *w : QApplication::topLevelWidgets()) {
            auto *box = qobject_cast<QMessageBox *>(w);
            if (!box || !box->isVisible())
                continue;
            for (QAbstractButton *b : box->buttons())
                if (QString(b->text()).remove('&') == QString(button).remove('&')) {
                    b->click();
                    return;
                }
        }
        answerQuestionBox(button); // not shown yet
    });
}

// Accepts the next "Train on" dialog as it opens, noting the epochs and patience it proposed.
void acceptTrainOnDialog(std::shared_ptr<QPair<int, int>> proposed)
{
    QTimer::singleShot(200, [proposed] {
        for (QWidget *w : QApplication::topLevelWidgets()) {
            auto *dialog = qobject_cast<TrainOnDialog *>(w);
            if (!dialog || !dialog->isVisible())
                continue;
            *proposed = {dialog->findChild<QSpinBox *>("trainOnEpochs")->value(),
                         dialog->findChild<QSpinBox *>("trainOnPatience")->value()};
            dialog->findChild<QPushButton *>("trainOnButton")->click();
            return;
        }
        acceptTrainOnDialog(proposed); // not shown yet
    });
}

// A shown panel on a workspace and dataset, with spies on its run signals.
struct PanelUnderTest {
    TrainingPanel panel;
    QSignalSpy started{&panel, &TrainingPanel::runStarted};
    QSignalSpy finished{&panel, &TrainingPanel::runFinished};

    PanelUnderTest(WorkspaceService *workspace, const QString &dataset)
    {
        panel.show();
        panel.setWorkspaceService(workspace);
        panel.setDataset(dataset, -1);
    }
};

} // namespace

class TestTrainingPanel : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_workspace;
    WorkspaceService m_service; // the panels' workspace, opened once

    std::unique_ptr<Workspace> workspace()
    {
        QString error;
        auto ws = Workspace::open(m_workspace, &error);
        if (!ws)
            qWarning("%s", qPrintable(error));
        return ws;
    }

    // Accepts the panel's training offer, cancels the run once started, and checks the recorded
    // run carries the preset's name and configuration.
    void acceptOfferAndCancel(PanelUnderTest &t, const QString &preset, RunRecord *run)
    {
        answerQuestionBox(QStringLiteral("&Yes"));
        QVERIFY(t.panel.offerQuickDemo());
        QVERIFY(t.panel.isTraining());
        QTRY_COMPARE_WITH_TIMEOUT(t.started.count(), 1, kTrainingTimeoutMs);
        t.panel.cancelTraining();
        QTRY_COMPARE_WITH_TIMEOUT(t.finished.count(), 1, kTrainingTimeoutMs);
        *run = *workspace()->run(t.started.first().at(0).toLongLong());
        QVERIFY2(run->name.endsWith('-' + preset), qPrintable(run->name));
        ModelConfig expected;
        ModelConfig::applyPreset(preset, &expected);
        QCOMPARE(ModelConfig::fromJson(run->config.value("config").toObject()).toJson(), expected.toJson());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
        QCoreApplication::setOrganizationName(QStringLiteral("MoMoK Studio Tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_trainingpanel"));
        configureComputeEnvironment(2);
        m_workspace = m_dir.filePath("workspace.momok");
        QSignalSpy opened(&m_service, &WorkspaceService::workspaceOpened);
        m_service.open(m_workspace);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 10000);
    }

    void trainsFromTheDialogWithLivePlots()
    {
        TrainingPanel panel;
        panel.resize(1400, 330);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setWorkspaceService(&m_service);
        panel.setDataset(kCountries, -1);
        QSignalSpy started(&panel, &TrainingPanel::runStarted);
        QSignalSpy finished(&panel, &TrainingPanel::runFinished);

        QTest::mouseClick(panel.findChild<QPushButton *>("trainButton"), Qt::LeftButton);
        auto *dialog = panel.findChild<TrainingDialog *>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QVERIFY(dialog->selectPreset(QStringLiteral("Quick demo")));
        qobject_cast<QSpinBox *>(dialog->field("epochs"))->setValue(2);
        qobject_cast<QSpinBox *>(dialog->field("eval_every"))->setValue(1);
        const QString runDir = dialog->runSpec().runDir;
        QVERIFY2(runDir.startsWith(m_dir.filePath("runs/countries-")), qPrintable(runDir));
        // Enabled: a click on a disabled Train would wait for a run that never starts.
        QVERIFY2(dialog->findChild<QPushButton *>("trainButton")->isEnabled(),
                 qPrintable(dialog->findChild<QLabel *>("problemsLabel")->text()));
        // The details and the line other views show name the same epoch, whenever the line changes.
        QStringList epochMismatches;
        int epochLines = 0;
        const QRegularExpression lineEpoch(QStringLiteral("^epoch (\\d+) of 2")), detailsEpoch(QStringLiteral("^Epoch (\\d+) of 2"));
        connect(&panel, &TrainingPanel::activityChanged, this, [&](const QString &, const QString &line) {
            const QRegularExpressionMatch inLine = lineEpoch.match(line);
            if (!inLine.hasMatch())
                return;
            ++epochLines;
            const QString details = panel.findChild<QLabel *>("trainingDetails")->text();
            const QRegularExpressionMatch inDetails = detailsEpoch.match(details);
            if (!inDetails.hasMatch() || inDetails.captured(1) != inLine.captured(1))
                epochMismatches << line + QStringLiteral(" | ") + details;
        });
        QTest::mouseClick(dialog->findChild<QPushButton *>("trainButton"), Qt::LeftButton);
        QVERIFY(panel.isTraining());
        QVERIFY(!panel.findChild<QPushButton *>("trainButton")->isEnabled());
        QVERIFY(panel.findChild<QPushButton *>("cancelButton")->isEnabled());

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTrainingTimeoutMs);
        QCOMPARE(started.count(), 1);
        QVERIFY(epochLines >= 2); // epoch 1 and epoch 2 at least
        QVERIFY2(epochMismatches.isEmpty(), qPrintable(epochMismatches.join('\n')));
        const qint64 runId = finished.first().at(0).toLongLong();
        QCOMPARE(finished.first().at(1).value<Outcome>(), Outcome::Finished);
        QCOMPARE(started.first().at(0).toLongLong(), runId);
        QVERIFY(!panel.isTraining());

        // The plots got a point per epoch and per validation.
        QCOMPARE(panel.lossPlot()->graph(0)->dataCount(), 2);
        QCOMPARE(panel.miPlot()->graph(0)->dataCount(), 2);
        QCOMPARE(panel.metricsPlot()->graph(0)->dataCount(), 2); // MRR
        QCOMPARE(panel.metricsPlot()->graph(3)->dataCount(), 2); // Hits@10
        const QString status = panel.findChild<QLabel *>("trainingStatus")->text();
        QVERIFY2(status.contains("Finished run") && status.contains("test MRR"), qPrintable(status));
        QCOMPARE(panel.findChild<QProgressBar *>("trainingProgress")->text(), QStringLiteral("2 of 2 epochs"));
        QVERIFY(!panel.findChild<QLabel *>("trainingError")->isVisible());
        // The feature preparation's progress line does not outlive the preparation.
        const QString message = panel.findChild<QLabel *>("trainingMessage")->text();
        QVERIFY2(!message.contains("feature cache") && !message.contains("Extracting"), qPrintable(message));

        auto ws = workspace();
        QVERIFY(ws);
        const std::optional<RunRecord> run = ws->run(runId);
        QVERIFY(run);
        QCOMPARE(run->status, RunStatus::Finished);
        QCOMPARE(run->name, QFileInfo(runDir).fileName());
        QCOMPARE(epochNumbers(ws->epochs(runId)), (QList<int>{1, 2}));
        const QVector<EvaluationRecord> evaluations = ws->evaluations(runId);
        QCOMPARE(evaluations.size(), 3);
        QCOMPARE(evaluations[0].split, Split::Valid);
        QCOMPARE(evaluations[2].split, Split::Test);
        // The plotted MRR is the recorded one.
        QCOMPARE(panel.metricsPlot()->graph(0)->data()->at(1)->value, evaluations[1].headline.mrr);
        // Each decoder's validation MRR is plotted and named in the legend, during the training
        // and when the stored run is shown again (after a restart, say).
        const auto decoderCurvesShown = [](QCustomPlot *plot, const QString &when) {
            int shown = 0;
            for (int i = 0; i < plot->graphCount(); ++i) {
                QCPGraph *graph = plot->graph(i);
                if (!graph->name().startsWith(QStringLiteral("MRR ")))
                    continue;
                QVERIFY2(graph->visible() && plot->legend->hasItemWithPlottable(graph) && graph->dataCount() == 2,
                         qPrintable(when + QStringLiteral(": ") + graph->name()));
                ++shown;
            }
            QVERIFY2(shown == 4, qPrintable(when + QStringLiteral(": %1 decoder curves").arg(shown))); // S, I, T and joint
        };
        decoderCurvesShown(panel.metricsPlot(), QStringLiteral("after training"));
        {
            TrainingPanel again;
            again.setWorkspaceService(&m_service);
            again.setDataset(kCountries, -1);
            again.showRun(runId);
            decoderCurvesShown(again.metricsPlot(), QStringLiteral("stored run"));
        }

        QDir().mkpath(QStringLiteral("screenshots"));
        QTest::qWait(250);
        QVERIFY(panel.grab().save(QStringLiteral("screenshots/training-panel-finished.png")));
    }

    // The dialog's process count: the panel's worker thread is rank 0 and starts the other
    // rank as a `momok` child process; the run finishes and records its process count.
    void trainsInTwoProcessesFromTheDialog()
    {
        PanelUnderTest t(&m_service, kCountries);
        QTest::mouseClick(t.panel.findChild<QPushButton *>("trainButton"), Qt::LeftButton);
        auto *dialog = t.panel.findChild<TrainingDialog *>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QVERIFY(dialog->selectPreset(QStringLiteral("Quick demo")));
        qobject_cast<QSpinBox *>(dialog->field("epochs"))->setValue(2);
        qobject_cast<QSpinBox *>(dialog->field("eval_every"))->setValue(1);
        auto *processes = dialog->findChild<QSpinBox *>("processesSpin");
        QVERIFY(processes);
        QCOMPARE(processes->value(), 1);
        processes->setValue(2);
        QCOMPARE(dialog->runSpec().processes, 2);
        const QString runDir = dialog->runSpec().runDir;
        QString heading;
        connect(&t.panel, &TrainingPanel::runStarted, this,
                [&] { heading = t.panel.findChild<QLabel *>("trainingStatus")->text(); });
        // Enabled: a click on a disabled Train would wait for a run that never starts.
        QVERIFY2(dialog->findChild<QPushButton *>("trainButton")->isEnabled(),
                 qPrintable(dialog->findChild<QLabel *>("problemsLabel")->text()));
        QTest::mouseClick(dialog->findChild<QPushButton *>("trainButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(t.finished.count(), 1, kTrainingTimeoutMs);
        QVERIFY2(t.finished.first().at(1).value<Outcome>() == Outcome::Finished,
                 qPrintable(t.panel.findChild<QLabel *>("trainingError")->text()));
        QFile record(QDir(runDir).filePath("run.json"));
        QVERIFY(record.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(record.readAll()).object().value("processes").toInt(), 2);
        const std::optional<RunRecord> run = workspace()->run(t.finished.first().at(0).toLongLong());
        QVERIFY(run);
        QCOMPARE(run->status, RunStatus::Finished);
        QCOMPARE(epochNumbers(workspace()->epochs(run->id)), (QList<int>{1, 2}));
        // While it trained, the heading said with what.
        QVERIFY2(heading.contains("2 processes of 1 thread"), qPrintable(heading));
    }

    void cancelledRunResumesToTheEnd()
    {
        TrainingPanel panel;
        panel.resize(1400, 330);
        panel.show();
        panel.setWorkspaceService(&m_service);
        panel.setDataset(kCountries, -1);
        QSignalSpy finished(&panel, &TrainingPanel::runFinished);
        // Cancelled at a fixed point: right after epoch 2's first batch, whatever the machine's speed.
        panel.setCancelPointForTesting(Progress{WorkStage::Training, 1, 0, 2});
        QVERIFY(panel.startTraining(quickDemo(m_dir.filePath("runs/cancel-me"), 3), QStringLiteral("cancel me")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTrainingTimeoutMs);
        QDir().mkpath(QStringLiteral("screenshots"));
        const qint64 runId = finished.first().at(0).toLongLong();
        QVERIFY(runId > 0);
        QCOMPARE(finished.first().at(1).value<Outcome>(), Outcome::Cancelled);
        QCOMPARE(panel.lossPlot()->graph(0)->dataCount(), 1); // epoch 1 done, epoch 2 stopped
        QVERIFY2(panel.findChild<QLabel *>("trainingStatus")->text().contains("Resume"),
                 qPrintable(panel.findChild<QLabel *>("trainingStatus")->text()));
        {
            auto ws = workspace();
            QCOMPARE(ws->run(runId)->status, RunStatus::Cancelled);
        }
        QTest::qWait(250); // let the layout and the plots catch up before the screenshot
        QVERIFY(panel.grab().save(QStringLiteral("screenshots/training-panel-cancelled.png")));
        bool offered = false;
        for (const RunRecord &r : panel.resumableRuns())
            offered = offered || r.id == runId;
        QVERIFY(offered);
        QVERIFY(panel.findChild<QPushButton *>("resumeButton")->isEnabled());

        QVERIFY(panel.resumeRun(runId));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTrainingTimeoutMs);
        QCOMPARE(finished.last().at(0).toLongLong(), runId);
        QCOMPARE(finished.last().at(1).value<Outcome>(), Outcome::Finished);
        QCOMPARE(panel.lossPlot()->graph(0)->dataCount(), 3); // history reloaded, then continued
        QCOMPARE(panel.metricsPlot()->graph(0)->dataCount(), 3);
        auto ws = workspace();
        QCOMPARE(ws->runs().size() >= 1, true);
        QCOMPARE(ws->run(runId)->status, RunStatus::Finished);
        QCOMPARE(epochNumbers(ws->epochs(runId)), (QList<int>{1, 2, 3}));
        bool stillOffered = false;
        for (const RunRecord &r : panel.resumableRuns())
            stillOffered = stillOffered || r.id == runId;
        QVERIFY(!stillOffered);
        QVERIFY(!panel.resumeRun(runId)); // finished: nothing to resume, and the user is told
        QVERIFY(panel.findChild<QLabel *>("trainingError")->text().contains("already finished"));
        bool trainsOn = false; // … and it is offered under "Train on" instead
        for (const RunRecord &r : panel.finishedRuns())
            trainsOn = trainsOn || r.id == runId;
        QVERIFY(trainsOn);
    }

    // A run that stopped early goes on from Resume… › Train on with a larger patience; one
    // that would stop again at once is refused with the reason, its record untouched.
    void finishedRunTrainsOnWithMorePatience()
    {
        PanelUnderTest t(&m_service, kCountries);
        TrainingPanel &panel = t.panel;
        RunSpec spec = quickDemo(m_dir.filePath("runs/train-on"), 200);
        spec.config.patience = 1; // stops at the first validation that does not improve
        QVERIFY(panel.startTraining(spec, QStringLiteral("train on")));
        QTRY_COMPARE_WITH_TIMEOUT(t.finished.count(), 1, kTrainingTimeoutMs);
        QCOMPARE(t.finished.first().at(1).value<Outcome>(), Outcome::Finished);
        const qint64 runId = t.finished.first().at(0).toLongLong();
        const RunRecord stopped = *workspace()->run(runId);
        QCOMPARE(stopped.status, RunStatus::Finished);
        const int done = stopped.epochCount;
        QVERIFY2(done >= 2 && done < 200, qPrintable(QString::number(done))); // stopped early
        bool offered = false;
        for (const RunRecord &r : panel.resumableRuns())
            QVERIFY(r.id != runId);
        for (const RunRecord &r : panel.finishedRuns())
            offered = offered || r.id == runId;
        QVERIFY(offered);

        // The dialog proposes the run's own end and twice the patience.
        {
            TrainOnDialog dialog(stopped);
            QCOMPARE(dialog.findChild<QSpinBox *>("trainOnEpochs")->value(), 200);
            QCOMPARE(dialog.findChild<QSpinBox *>("trainOnEpochs")->minimum(), done + 1);
            QCOMPARE(dialog.findChild<QSpinBox *>("trainOnPatience")->value(), 2);
            QVERIFY(dialog.findChild<QLabel *>("trainOnSummary")->text().contains("stopped early"));
            const ResumeChanges changes = dialog.changes();
            QVERIFY(!changes.epochs && changes.patience == 2);
        }

        // More epochs alone: it would stop again at once, so it is refused and nothing changes.
        const QByteArray record = [&] {
            QFile f(QDir(spec.runDir).filePath("run.json"));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        ResumeChanges epochsOnly;
        epochsOnly.epochs = 300;
        QVERIFY(panel.resumeRun(runId, epochsOnly));
        QTRY_COMPARE_WITH_TIMEOUT(t.finished.count(), 2, kTrainingTimeoutMs);
        QCOMPARE(t.finished.last().at(1).value<Outcome>(), Outcome::Failed);
        auto *error = panel.findChild<QLabel *>("trainingError");
        QVERIFY2(error->text().contains("stopped early") && error->text().contains("give a patience above 1"),
                 qPrintable(error->text()));
        QFile recordFile(QDir(spec.runDir).filePath("run.json"));
        QVERIFY(recordFile.open(QIODevice::ReadOnly));
        QCOMPARE(recordFile.readAll(), record);
        QCOMPARE(workspace()->run(runId)->status, RunStatus::Finished);
        QCOMPARE(workspace()->run(runId)->epochCount, done);

        // Through the dialog, as a user does: the run goes on from the epoch after its last.
        auto proposed = std::make_shared<QPair<int, int>>(0, 0);
        acceptTrainOnDialog(proposed);
        QVERIFY(panel.trainRunOn(runId));
        QCOMPARE(*proposed, (QPair<int, int>(200, 2)));
        QTRY_COMPARE_WITH_TIMEOUT(t.finished.count(), 3, kTrainingTimeoutMs);
        QCOMPARE(t.finished.last().at(0).toLongLong(), runId);
        QCOMPARE(t.finished.last().at(1).value<Outcome>(), Outcome::Finished);
        const RunRecord trained = *workspace()->run(runId);
        QCOMPARE(trained.status, RunStatus::Finished);
        QVERIFY2(trained.epochCount > done, qPrintable(QString::number(trained.epochCount)));
        QCOMPARE(ModelConfig::fromJson(trained.config.value("config").toObject()).patience, 2);
        const QList<int> epochs = epochNumbers(workspace()->epochs(runId));
        QCOMPARE(epochs.size(), trained.epochCount);
        QCOMPARE(epochs.last(), trained.epochCount); // 1, 2, … with none redone
        QCOMPARE(panel.lossPlot()->graph(0)->dataCount(), trained.epochCount);
    }

    // A run that used all its epochs: the dialog proposes half as many again, keeps the
    // patience, and cannot end at or before the epoch already done.
    void trainOnDialogProposesMoreEpochsForACompletedRun()
    {
        RunRecord run;
        run.id = 7;
        run.name = QStringLiteral("done");
        run.status = RunStatus::Finished;
        run.epochCount = 60;
        ModelConfig config;
        config.epochs = 60;
        config.evalEvery = 5;
        config.patience = 2;
        run.config.insert(QStringLiteral("config"), config.toJson());
        TrainOnDialog dialog(run);
        auto *epochs = dialog.findChild<QSpinBox *>("trainOnEpochs");
        auto *patience = dialog.findChild<QSpinBox *>("trainOnPatience");
        QCOMPARE(epochs->value(), 90);
        QCOMPARE(epochs->minimum(), 61);
        QCOMPARE(patience->value(), 2);
        QVERIFY(dialog.findChild<QLabel *>("trainOnSummary")->text().contains("finished all its 60 epochs"));
        ResumeChanges changes = dialog.changes();
        QVERIFY(changes.epochs == 90 && !changes.patience && !changes.threads);
        epochs->setValue(10); // clamped: a run cannot end before the epoch it has reached
        QCOMPARE(epochs->value(), 61);
        patience->setValue(4);
        changes = dialog.changes();
        QVERIFY(changes.epochs == 61 && changes.patience == 4);
    }

    void cancelButtonStopsTheTraining()
    {
        PanelUnderTest t(&m_service, kCountries);
        TrainingPanel &panel = t.panel;
        // Far more epochs than the test's time allows: the click always lands mid-run.
        QVERIFY(panel.startTraining(quickDemo(m_dir.filePath("runs/cancel-button"), 100000)));
        QTRY_COMPARE_WITH_TIMEOUT(t.started.count(), 1, kTrainingTimeoutMs);
        auto *cancel = panel.findChild<QPushButton *>("cancelButton");
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(!cancel->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(t.finished.count(), 1, kTrainingTimeoutMs);
        QCOMPARE(t.finished.first().at(1).value<Outcome>(), Outcome::Cancelled);
    }

    void closingDuringTrainingAsksThenCancelsCleanly()
    {
        PanelUnderTest t(&m_service, kCountries);
        TrainingPanel &panel = t.panel;
        QSignalSpy &started = t.started, &finished = t.finished;
        // Far more epochs than the test runs for: the close always lands mid-run.
        QVERIFY(panel.startTraining(quickDemo(m_dir.filePath("runs/closed"), 100000)));
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kTrainingTimeoutMs);
        const qint64 runId = started.first().at(0).toLongLong();

        answerQuestionBox(QStringLiteral("Keep training"));
        QVERIFY(!panel.confirmAndStopForClose(nullptr));
        QVERIFY(panel.isTraining());

        answerQuestionBox(QStringLiteral("Stop training and close"));
        QVERIFY(panel.confirmAndStopForClose(nullptr));
        QVERIFY(!panel.isTraining());
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(1).value<Outcome>(), Outcome::Cancelled);
        auto ws = workspace();
        QCOMPARE(ws->run(runId)->status, RunStatus::Cancelled); // resumable, not interrupted
    }

    void quickDemoIsOfferedAndStarts()
    {
        PanelUnderTest t(&m_service, kCountries);
        answerQuestionBox(QStringLiteral("&No"));
        QVERIFY(!t.panel.offerQuickDemo());
        QVERIFY(!t.panel.isTraining());

        RunRecord run;
        acceptOfferAndCancel(t, QStringLiteral("quick-demo"), &run);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(run.config.value("run_dir").toString().startsWith(QFileInfo(m_dir.filePath("runs")).canonicalFilePath()));
    }

    // A teaching graph (it carries planted_modalities.tsv) is offered the Teaching demo preset.
    void teachingGraphIsOfferedTheTeachingPreset()
    {
        TeachingOptions options;
        options.entities = TeachingGraphGenerator::kMinEntities;
        const QString dataset = m_dir.filePath("teaching");
        QString error;
        QVERIFY2(TeachingGraphGenerator::generate(dataset, options, nullptr, &error), qPrintable(error));
        PanelUnderTest t(&m_service, dataset);
        RunRecord run;
        acceptOfferAndCancel(t, QStringLiteral("teaching"), &run);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(!ModelConfig::fromJson(run.config.value("config").toObject()).fineTuneFeatures);
    }

    void failureIsExplained()
    {
        TrainingPanel panel;
        panel.show();
        panel.setWorkspaceService(&m_service);
        QSignalSpy finished(&panel, &TrainingPanel::runFinished);
        RunSpec spec = quickDemo(m_dir.filePath("runs/broken"), 1);
        spec.datasetDir = m_dir.filePath("no-such-dataset");
        QVERIFY(panel.startTraining(spec));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTrainingTimeoutMs);
        QCOMPARE(finished.first().at(1).value<Outcome>(), Outcome::Failed);
        auto *error = panel.findChild<QLabel *>("trainingError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains("no-such-dataset") && error->text().contains("Train…"), qPrintable(error->text()));
        QVERIFY(panel.findChild<QPushButton *>("trainButton")->isEnabled());

        // Invalid settings never reach the worker.
        spec.config.epochs = 0;
        QVERIFY(!panel.startTraining(spec));
        QVERIFY(error->text().contains("epochs must be at least 1"));
        QVERIFY(!panel.isTraining());
    }

    void legendsWrapInsteadOfCuttingNames()
    {
        TrainingPanel panel;
        panel.show();
        QCustomPlot *metrics = panel.metricsPlot();
        auto widestRight = [](QCustomPlot *plot) {
            int right = 0;
            for (int i = 0; i < plot->legend->itemCount(); ++i)
                if (QCPAbstractLegendItem *item = plot->legend->item(i)) // null: an empty cell of the grid
                    right = std::max(right, item->outerRect().right());
            return right;
        };
        QVERIFY(metrics->legend->itemCount() >= 4);
        // Wide, then narrow as in a small window, then wide again.
        for (int width : {1400, 640, 1400}) {
            panel.resize(width, 420);
            QApplication::processEvents();
            for (QCustomPlot *plot : {panel.lossPlot(), panel.miPlot(), metrics}) {
                plot->replot(QCustomPlot::rpImmediateRefresh);
                QVERIFY2(widestRight(plot) <= plot->width(),
                         qPrintable(QStringLiteral("%1 at panel width %2: legend reaches x=%3 of %4")
                                        .arg(plot->objectName()).arg(width).arg(widestRight(plot)).arg(plot->width())));
            }
            if (width == 640)
                QVERIFY(metrics->legend->wrap() < 3); // narrower than the three columns of a roomy plot
            else
                QVERIFY(metrics->legend->wrap() >= 3);
        }
    }
};

QTEST_MAIN(TestTrainingPanel)
#include "tst_trainingpanel.moc"
