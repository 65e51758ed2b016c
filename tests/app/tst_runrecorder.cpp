// Training recorded into a workspace as it goes: a run end to end, a cancelled run
// resumed into the same record, and `momok train --workspace` killed with SIGKILL
// mid-epoch, then found interrupted, finished by `--resume` and described by `momok runs`.
#include "CliRunner.h"
#include "SyntheticGraph.h"
#include "runtime/ComputeEnvironment.h"
#include "storage/RunRecorder.h"
#include "storage/Workspace.h"
#include "train/Trainer.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

using namespace momok;

namespace {

RunSpec smallRun(const QString &dataset, const QString &runDir, int epochs)
{
    RunSpec spec;
    spec.datasetDir = dataset;
    spec.runDir = runDir;
    spec.randomFeatures = true;
    ModelConfig &c = spec.config;
    c.dim = 16;
    c.relationDim = 8;
    c.maxFeatureWidth = 16;
    c.batchSize = 32;
    c.epochs = epochs;
    c.learningRate = 3e-2;
    c.evalEvery = 1;
    c.patience = 100;
    c.seed = 5;
    return spec;
}

// Counts what reaches the wrapped observer, and can ask for a cancel after an epoch.
class CountingObserver : public TrainingObserver
{
public:
    int epochs = 0, evaluations = 0, messages = 0;
    Feedback *flag = nullptr;
    int cancelAfterEpoch = -1;
    void epochFinished(const EpochRecord &r) override
    {
        ++epochs;
        if (flag && r.epoch == cancelAfterEpoch)
            flag->cancel();
    }
    void evaluationFinished(const EvaluationReport &, bool) override { ++evaluations; }
    void message(const QString &) override { ++messages; }
};

QList<int> epochNumbers(const QVector<EpochRecord> &epochs)
{
    QList<int> out;
    for (const EpochRecord &e : epochs)
        out << e.epoch;
    return out;
}

QStringList evaluationKeys(const QVector<EvaluationRecord> &evaluations)
{
    QStringList out;
    for (const EvaluationRecord &e : evaluations)
        out << QStringLiteral("%1@%2").arg(splitName(e.split)).arg(e.epoch);
    return out;
}

} // namespace

class TestRunRecorder : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_dataset;

private Q_SLOTS:
    void initTestCase()
    {
        configureComputeEnvironment(2);
        m_dataset = m_dir.filePath("graph");
        testing::writeCommunityGraph(m_dataset);
    }

    void recordsARunEndToEnd()
    {
        const QString wsPath = m_dir.filePath("e2e/workspace.momok");
        const RunSpec spec = smallRun(m_dataset, m_dir.filePath("e2e/runs/first"), 3);
        Trainer trainer;
        QString error;
        QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
        CountingObserver inner;
        RunRecorder recorder(wsPath, &inner);
        QVERIFY2(recorder.begin(trainer, false, QStringLiteral("first run"), &error), qPrintable(error));
        QVERIFY(recorder.runId() > 0);
        const Outcome outcome = trainer.run(&recorder, nullptr, &error);
        recorder.finish(trainer, outcome, error);
        QCOMPARE(outcome, Outcome::Finished);
        QCOMPARE(recorder.writeFailures(), 0);
        // Everything still reaches the wrapped observer.
        QCOMPARE(inner.epochs, 3);
        QCOMPARE(inner.evaluations, 4); // 3 validations + the test

        auto ws = Workspace::open(wsPath, &error);
        QVERIFY2(ws, qPrintable(error));
        QVERIFY2(ws->checkIntegrity(&error), qPrintable(error));
        const std::optional<RunRecord> run = ws->run(recorder.runId());
        QVERIFY(run);
        QCOMPARE(run->name, QStringLiteral("first run"));
        QCOMPARE(run->status, RunStatus::Finished);
        QVERIFY(run->finishedAt.isValid());
        const QString runDir = QFileInfo(spec.runDir).canonicalFilePath();
        QCOMPARE(run->config.value("run_dir").toString(), runDir);
        QCOMPARE(run->config.value("dataset").toString(), QFileInfo(m_dataset).canonicalFilePath());
        QCOMPARE(ModelConfig::fromJson(run->config.value("config").toObject()).toJson(), spec.config.toJson());
        QCOMPARE(run->checkpointPath, QDir(runDir).filePath("last.pt"));
        QCOMPARE(run->bestCheckpointPath, QDir(runDir).filePath("best.pt"));
        QVERIFY(QFile::exists(run->checkpointPath) && QFile::exists(run->bestCheckpointPath));
        QCOMPARE(run->finalMetrics.value("mrr").toDouble(), trainer.testReport().headline().mrr);

        const std::optional<DatasetRecord> dataset = ws->dataset(run->datasetId);
        QVERIFY(dataset);
        QCOMPARE(dataset->path, QFileInfo(m_dataset).canonicalFilePath());
        QCOMPARE(dataset->contentHash, Workspace::contentHash(m_dataset));

        // Epochs with the trainer's own figures.
        const QVector<EpochRecord> epochs = ws->epochs(run->id);
        const QVector<EpochRecord> history = trainer.history();
        QCOMPARE(epochNumbers(epochs), (QList<int>{1, 2, 3}));
        for (int i = 0; i < epochs.size(); ++i) {
            QCOMPARE(epochs[i].mainLoss, history[i].mainLoss);
            QCOMPARE(epochs[i].miEstimate, history[i].miEstimate);
        }
        // Every evaluation, the final test one with its per-relation metrics and gates.
        const QVector<EvaluationRecord> evaluations = ws->evaluations(run->id);
        QCOMPARE(evaluationKeys(evaluations),
                 (QStringList{"valid@1", "valid@2", "valid@3",
                              QStringLiteral("test@%1").arg(trainer.testReport().epoch)}));
        const std::optional<EvaluationReport> test = ws->evaluationReport(evaluations.last().id, &error);
        QVERIFY2(test, qPrintable(error));
        QCOMPARE(test->headline().mrr, trainer.testReport().headline().mrr);
        QCOMPARE(test->relations.size(), 2);
        QCOMPARE(test->gates.experts, spec.config.experts);
        QCOMPARE(test->gates.meanWeight.size(), 2 * 3 * spec.config.experts);

        // A second run on the unchanged dataset reuses its record (path + content hash).
        Trainer second;
        QVERIFY2(second.start(smallRun(m_dataset, m_dir.filePath("e2e/runs/second"), 1), nullptr, &error), qPrintable(error));
        ws.reset();
        RunRecorder secondRecorder(wsPath);
        QVERIFY2(secondRecorder.begin(second, false, QString(), &error), qPrintable(error));
        QCOMPARE(secondRecorder.datasetId(), run->datasetId);
        secondRecorder.finish(second, second.run(&secondRecorder, nullptr, &error), error);
        ws = Workspace::open(wsPath, &error);
        QCOMPARE(ws->datasets().size(), 1);
        QCOMPARE(ws->runs().size(), 2);
        QCOMPARE(ws->runs().first().name, QStringLiteral("second")); // the folder's name by default
    }

    void resumeUpdatesTheSameRun()
    {
        const QString wsPath = m_dir.filePath("resume/workspace.momok");
        const RunSpec spec = smallRun(m_dataset, m_dir.filePath("resume/run"), 4);
        QString error;
        qint64 runId = -1;
        {
            // Cancelled during epoch 2's validation: epoch 2 is recorded, but the
            // checkpoint is still epoch 1's, so the resumed run redoes epoch 2.
            Trainer trainer;
            QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
            Feedback cancel;
            CountingObserver inner;
            inner.flag = &cancel;
            inner.cancelAfterEpoch = 2;
            RunRecorder recorder(wsPath, &inner);
            QVERIFY2(recorder.begin(trainer, false, QString(), &error), qPrintable(error));
            runId = recorder.runId();
            const Outcome outcome = trainer.run(&recorder, &cancel, &error);
            recorder.finish(trainer, outcome, error);
            QCOMPARE(outcome, Outcome::Cancelled);
            auto ws = Workspace::open(wsPath, &error);
            QVERIFY2(ws, qPrintable(error));
            QCOMPARE(ws->run(runId)->status, RunStatus::Cancelled);
            QCOMPARE(epochNumbers(ws->epochs(runId)), (QList<int>{1, 2}));
            QCOMPARE(evaluationKeys(ws->evaluations(runId)), (QStringList{"valid@1"}));
        }
        Trainer trainer;
        QVERIFY2(trainer.resume(spec.runDir, nullptr, &error), qPrintable(error));
        QCOMPARE(trainer.completedEpochs(), 1);
        RunRecorder recorder(wsPath);
        QVERIFY2(recorder.begin(trainer, true, QString(), &error), qPrintable(error));
        QCOMPARE(recorder.runId(), runId);
        {
            auto ws = Workspace::open(wsPath, &error);
            QCOMPARE(ws->run(runId)->status, RunStatus::Running);
            QCOMPARE(epochNumbers(ws->epochs(runId)), (QList<int>{1})); // epoch 2 is done again
        }
        const Outcome outcome = trainer.run(&recorder, nullptr, &error);
        recorder.finish(trainer, outcome, error);
        QCOMPARE(outcome, Outcome::Finished);

        auto ws = Workspace::open(wsPath, &error);
        QVERIFY2(ws, qPrintable(error));
        QCOMPARE(ws->runs().size(), 1);
        const RunRecord run = *ws->run(runId);
        QCOMPARE(run.status, RunStatus::Finished);
        QCOMPARE(epochNumbers(ws->epochs(runId)), (QList<int>{1, 2, 3, 4}));
        QCOMPARE(evaluationKeys(ws->evaluations(runId)),
                 (QStringList{"valid@1", "valid@2", "valid@3", "valid@4",
                              QStringLiteral("test@%1").arg(trainer.testReport().epoch)}));
        QVERIFY(run.finalMetrics.contains("mrr"));
    }

    void resumeOfAnUnrecordedRunBringsItsHistory()
    {
        const RunSpec spec = smallRun(m_dataset, m_dir.filePath("unrecorded/run"), 3);
        QString error;
        {
            Trainer trainer;
            QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
            Feedback cancel;
            CountingObserver inner;
            inner.flag = &cancel;
            inner.cancelAfterEpoch = 3; // cancelled in epoch 3's validation: 2 epochs saved
            QCOMPARE(trainer.run(&inner, &cancel, &error), Outcome::Cancelled);
        }
        Trainer trainer;
        QVERIFY2(trainer.resume(spec.runDir, nullptr, &error), qPrintable(error));
        const int done = trainer.completedEpochs();
        QCOMPARE(done, 2);
        const QString wsPath = m_dir.filePath("unrecorded/workspace.momok");
        RunRecorder recorder(wsPath);
        QVERIFY2(recorder.begin(trainer, true, QString(), &error), qPrintable(error));
        recorder.finish(trainer, trainer.run(&recorder, nullptr, &error), error);
        auto ws = Workspace::open(wsPath, &error);
        QVERIFY2(ws, qPrintable(error));
        QCOMPARE(epochNumbers(ws->epochs(recorder.runId())), (QList<int>{1, 2, 3}));
        QCOMPARE(ws->run(recorder.runId())->status, RunStatus::Finished);
    }

    // The run's record vanishes under the trainer (another process deleted it):
    // every write now fails, which is reported once, and training still finishes.
    void writeFailuresAreReportedNotFatal()
    {
        const QString wsPath = m_dir.filePath("failing/workspace.momok");
        Trainer trainer;
        QString error;
        QVERIFY2(trainer.start(smallRun(m_dataset, m_dir.filePath("failing/run"), 2), nullptr, &error), qPrintable(error));
        CountingObserver inner;
        RunRecorder recorder(wsPath, &inner);
        QVERIFY2(recorder.begin(trainer, false, QString(), &error), qPrintable(error));
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("intruder"));
            raw.setDatabaseName(wsPath);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            QVERIFY(q.exec(QStringLiteral("PRAGMA foreign_keys = ON")));
            QVERIFY(q.exec(QStringLiteral("DELETE FROM runs WHERE id = %1").arg(recorder.runId())));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("intruder"));
        const Outcome outcome = trainer.run(&recorder, nullptr, &error);
        recorder.finish(trainer, outcome, error);
        QCOMPARE(outcome, Outcome::Finished);
        QCOMPARE(inner.epochs, 2);
        QVERIFY(recorder.writeFailures() >= 2);
        QVERIFY(inner.messages >= 1);
        QVERIFY(inner.messages < recorder.writeFailures()); // the same failure is not repeated every time
        auto ws = Workspace::open(wsPath, &error);
        QVERIFY2(ws, qPrintable(error));
        QVERIFY2(ws->checkIntegrity(&error), qPrintable(error));
        QVERIFY(ws->runs().isEmpty());
    }

    void unusableWorkspaceIsRefusedBeforeTraining()
    {
        const QString notAWorkspace = m_dir.filePath("garbage.momok");
        QFile f(notAWorkspace);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        Trainer trainer;
        QString error;
        QVERIFY2(trainer.start(smallRun(m_dataset, m_dir.filePath("garbage-run"), 1), nullptr, &error), qPrintable(error));
        RunRecorder recorder(notAWorkspace);
        QVERIFY(!recorder.begin(trainer, false, QString(), &error));
        QVERIFY2(error.contains(notAWorkspace) || error.contains("garbage"), qPrintable(error));
        QCOMPARE(recorder.runId(), -1);
    }

    // The CLI child is killed (SIGKILL) while it trains epoch 2; the workspace stays
    // consistent, marks the run interrupted, and `--resume` finishes the same run.
    void killedTrainerIsInterruptedAndResumable()
    {
        const QString wsPath = m_dir.filePath("crash/workspace.momok");
        const QString runDir = m_dir.filePath("crash/run");
        const QString countries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        // Batches of 8 (160 an epoch instead of the preset's 10) so that an epoch takes well over the
        // 300 ms waited below, on however quick a machine: with the preset's, the last two epochs and
        // the test could end within them, and the kill come too late.
        child.start(QStringLiteral(MOMOK_CLI),
                    {"train", "--dataset", countries, "--preset", "quick-demo", "--epochs", "3", "--eval-every", "1",
                     "--batch-size", "8", "--threads", "2", "--out", runDir, "--workspace", wsPath});
        QVERIFY(child.waitForStarted());
        QString seen;
        QElapsedTimer timeout;
        timeout.start();
        // Wait for epoch 1's validation: epoch 2 is being trained from then on.
        while (!seen.contains("valid @ epoch 1") && timeout.elapsed() < 120000) {
            QVERIFY2(child.state() == QProcess::Running || child.bytesAvailable() > 0,
                     qPrintable(seen + child.readAllStandardError()));
            child.waitForReadyRead(500);
            seen += QString::fromUtf8(child.readAllStandardOutput());
        }
        QVERIFY2(seen.contains("valid @ epoch 1"), qPrintable(seen));
        QVERIFY2(seen.contains("recording run 1"), qPrintable(seen));
        QTest::qWait(300);
        QCOMPARE(child.state(), QProcess::Running);
        child.kill();
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        seen += QString::fromUtf8(child.readAllStandardOutput());
        QVERIFY2(!seen.contains("epoch    3"), qPrintable(seen)); // really killed before the end

        QString error;
        {
            auto ws = Workspace::open(wsPath, &error);
            QVERIFY2(ws, qPrintable(error));
            QString details;
            QVERIFY2(ws->checkIntegrity(&details), qPrintable(details));
            QCOMPARE(ws->interruptedOnOpen(), 1);
            const RunRecord run = *ws->run(1);
            QCOMPARE(run.status, RunStatus::Interrupted);
            const QList<int> epochs = epochNumbers(ws->epochs(1));
            QVERIFY2(epochs == (QList<int>{1}) || epochs == (QList<int>{1, 2}), qPrintable(seen));
            QCOMPARE(evaluationKeys(ws->evaluations(1)).first(), QStringLiteral("valid@1"));
        }

        const testing::CliResult resumed = testing::runCli(
            {"train", "--resume", runDir, "--workspace", wsPath, "--threads", "2", "--quiet"});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.out + resumed.err));
        QVERIFY2(resumed.out.contains("recording run 1"), qPrintable(resumed.out));
        auto ws = Workspace::open(wsPath, &error);
        QVERIFY2(ws, qPrintable(error));
        QVERIFY2(ws->checkIntegrity(&error), qPrintable(error));
        QCOMPARE(ws->runs().size(), 1);
        const RunRecord run = *ws->run(1);
        QCOMPARE(run.status, RunStatus::Finished);
        QCOMPARE(epochNumbers(ws->epochs(1)), (QList<int>{1, 2, 3}));
        const QStringList evaluations = evaluationKeys(ws->evaluations(1));
        QCOMPARE(evaluations.mid(0, 3), (QStringList{"valid@1", "valid@2", "valid@3"}));
        QCOMPARE(evaluations.size(), 4);
        QVERIFY(evaluations.last().startsWith("test@"));
        QVERIFY(run.finalMetrics.contains("mrr"));

        // `momok runs` describes what the run used: countries has images and texts, and no
        // feature files, so both were extracted.
        const testing::CliResult listed = testing::runCli({"runs", "--workspace", wsPath});
        QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
        QVERIFY2(listed.out.contains("CONFIGURATION"), qPrintable(listed.out));
        QVERIFY2(listed.out.contains("S I T joint · K=3 · d=64 · 3 epochs · image and text extracted ("),
                 qPrintable(listed.out));
        const testing::CliResult json = testing::runCli({"runs", "--workspace", wsPath, "--json"});
        QVERIFY2(json.exitCode == 0, qPrintable(json.err));
        const QJsonObject description =
            QJsonDocument::fromJson(json.out.toUtf8()).array().first().toObject().value("description").toObject();
        for (const char *modality : {"image_features", "text_features"}) {
            const QJsonObject source = description.value(modality).toObject();
            QCOMPARE(source.value("kind").toString(), QStringLiteral("extracted"));
            QVERIFY2(!source.value("method").toString().isEmpty(), modality);
        }
        QCOMPARE(description.value("decoders").toArray(), QJsonArray({"S", "I", "T", "joint"}));
        QVERIFY(description.value("summary").toString().contains("image and text extracted"));
    }

    // `--resume --epochs N` trains a finished run on to N epochs, in its folder and in its
    // workspace record; settings that would make it another run are refused, not ignored.
    void finishedRunTrainsLongerOnlyWhereAllowed()
    {
        const QString wsPath = m_dir.filePath("longer/workspace.momok");
        const QString runDir = m_dir.filePath("longer/run");
        const QString countries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
        const testing::CliResult first = testing::runCli(
            {"train", "--dataset", countries, "--preset", "quick-demo", "--epochs", "2", "--eval-every", "1",
             "--threads", "1", "--out", runDir, "--workspace", wsPath, "--quiet"});
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        auto readJson = [](const QString &path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()) : QJsonDocument();
        };
        const QString record = QDir(runDir).filePath("run.json");
        const QJsonDocument before = readJson(record);
        QCOMPARE(before.object().value("config").toObject().value("epochs").toInt(), 2);

        const testing::CliResult other = testing::runCli(
            {"train", "--resume", runDir, "--dim", "8", "--dataset", countries, "--no-exid"});
        QCOMPARE(other.exitCode, 2);
        QVERIFY2(other.err.contains("--dim, --no-exid, --dataset cannot change (only --epochs, --patience, --threads can)"),
                 qPrintable(other.err));
        const testing::CliResult shorter = testing::runCli({"train", "--resume", runDir, "--epochs", "1"});
        QCOMPARE(shorter.exitCode, 1);
        QVERIFY2(shorter.err.contains("has completed 2 epochs already: it cannot end at epoch 1"),
                 qPrintable(shorter.err));
        QCOMPARE(readJson(record), before); // neither touched the run's record

        const testing::CliResult longer = testing::runCli(
            {"train", "--resume", runDir, "--epochs", "4", "--workspace", wsPath, "--threads", "1"});
        QVERIFY2(longer.exitCode == 0, qPrintable(longer.err));
        QVERIFY2(longer.out.contains("after epoch 2 of 4"), qPrintable(longer.out));
        QVERIFY2(longer.out.contains("valid @ epoch 4:"), qPrintable(longer.out));
        QVERIFY(!longer.out.contains("valid @ epoch 2:")); // nothing redone
        const QJsonObject after = readJson(record).object();
        QCOMPARE(after.value("config").toObject().value("epochs").toInt(), 4);
        // All its epochs done, a new patience alone would train nothing: refused, record kept.
        const testing::CliResult nothing = testing::runCli({"train", "--resume", runDir, "--patience", "9"});
        QCOMPARE(nothing.exitCode, 1);
        QVERIFY2(nothing.err.contains("has completed its 4 epochs: give more epochs to train it on"),
                 qPrintable(nothing.err));
        QCOMPARE(readJson(record).object(), after);
        const int tested = readJson(QDir(runDir).filePath("report-test.json")).object().value("epoch").toInt();
        QVERIFY2(tested >= 1 && tested <= 4, qPrintable(QString::number(tested))); // the selected epoch

        QString error;
        auto ws = Workspace::open(wsPath, &error);
        QVERIFY2(ws, qPrintable(error));
        QCOMPARE(ws->runs().size(), 1);
        const RunRecord run = *ws->run(1);
        QCOMPARE(run.status, RunStatus::Finished);
        QCOMPARE(run.config.value("config").toObject().value("epochs").toInt(), 4);
        QCOMPARE(epochNumbers(ws->epochs(1)), (QList<int>{1, 2, 3, 4}));
        const QStringList evaluations = evaluationKeys(ws->evaluations(1));
        QCOMPARE(evaluations.mid(0, 4), (QStringList{"valid@1", "valid@2", "valid@3", "valid@4"}));
        QCOMPARE(evaluations.size(), 5); // one test evaluation: the first run's was replaced
        QVERIFY(evaluations.last().startsWith("test@"));
    }
};

QTEST_GUILESS_MAIN(TestRunRecorder)
#include "tst_runrecorder.moc"
