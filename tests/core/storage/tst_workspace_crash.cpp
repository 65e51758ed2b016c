// A trainer process killed (SIGKILL) while writing to its workspace: the database
// stays intact, the run is found interrupted, and no evaluation is half-written.
//
// The suite starts itself as the writer: `tst_workspace_crash --child-writer
// DBPATH DATASET_ID` is handled in main() before Qt Test runs.
#include "StorageTestData.h"

#include "storage/Workspace.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>

using namespace momok;
using namespace momok::testdata;

namespace {

// MKG-Y's shape: 28 relations, so each evaluation is a sizeable transaction
// (28 × 15 metric rows, 28 × 3 × 4 gate rows, a ~100 kB report).
constexpr int kRelations = 28;
constexpr int kExperts = 4;

// The child: begins a run and records epochs and evaluations as fast as it can,
// announcing each step on stdout, until it is killed.
int childWriter(const QString &path, qint64 datasetId)
{
    QString error;
    auto ws = Workspace::open(path, &error);
    if (!ws) {
        std::printf("FAIL %s\n", qPrintable(error));
        return 3;
    }
    const qint64 runId = ws->beginRun(datasetId, QStringLiteral("doomed"), QJsonObject{{"epochs", 1000000}}, &error);
    if (runId < 0) {
        std::printf("FAIL %s\n", qPrintable(error));
        return 3;
    }
    std::printf("RUN %lld\n", runId);
    std::fflush(stdout);
    for (int epoch = 1;; ++epoch) {
        EpochRecord record{epoch, 1.0 / epoch, 0.9 / epoch, 0.01, -0.5, 0.001, 0.01};
        std::printf("BEGIN %d\n", epoch);
        std::fflush(stdout);
        if (!ws->recordEpoch(runId, record, &error)
            || !ws->recordEvaluation(runId, report(kRelations, kExperts, epoch, QStringLiteral("valid")), &error)) {
            std::printf("FAIL %s\n", qPrintable(error));
            return 3;
        }
        ws->heartbeat(runId);
        std::printf("EVAL %d\n", epoch);
        std::fflush(stdout);
    }
}

QString reportJson(const EvaluationReport &r)
{
    return QString::fromUtf8(QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact));
}

} // namespace

class TestWorkspaceCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedWriterLeavesConsistentWorkspace_data()
    {
        QTest::addColumn<int>("evaluationsBeforeKill");
        QTest::addColumn<int>("extraDelayMs");
        QTest::newRow("early") << 2 << 0;
        QTest::newRow("mid-1") << 6 << 1;
        QTest::newRow("mid-3") << 9 << 3;
        QTest::newRow("mid-7") << 12 << 7;
        QTest::newRow("late") << 20 << 2;
    }

    void killedWriterLeavesConsistentWorkspace()
    {
        QFETCH(int, evaluationsBeforeKill);
        QFETCH(int, extraDelayMs);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString path = tmp.filePath(QStringLiteral("crash.momok"));
        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("data"))));
        qint64 datasetId = -1;
        {
            QString error;
            auto ws = Workspace::open(path, &error);
            QVERIFY2(ws, qPrintable(error));
            QVERIFY2(ws->importDataset(smallDataset(tmp.filePath(QStringLiteral("data"))), QStringLiteral("h"), &datasetId,
                                       &error),
                     qPrintable(error));
        }

        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        child.start(QCoreApplication::applicationFilePath(),
                    {QStringLiteral("--child-writer"), path, QString::number(datasetId)});
        QVERIFY(child.waitForStarted());
        qint64 runId = -1;
        int committed = 0;
        QString lastLine;
        QElapsedTimer timeout;
        timeout.start();
        while (committed < evaluationsBeforeKill && timeout.elapsed() < 60000) {
            if (!child.canReadLine() && !child.waitForReadyRead(1000)) {
                QVERIFY2(child.state() == QProcess::Running, child.readAllStandardError().constData());
                continue;
            }
            while (child.canReadLine()) {
                lastLine = QString::fromUtf8(child.readLine()).trimmed();
                QVERIFY2(!lastLine.startsWith("FAIL"), qPrintable(lastLine));
                if (lastLine.startsWith("RUN "))
                    runId = lastLine.mid(4).toLongLong();
                else if (lastLine.startsWith("EVAL "))
                    ++committed;
            }
        }
        QCOMPARE(committed, evaluationsBeforeKill);
        QVERIFY(runId > 0);
        if (extraDelayMs > 0)
            QThread::msleep(extraDelayMs);
        child.kill(); // SIGKILL: no destructors, no rollback, possibly mid-transaction
        QVERIFY(child.waitForFinished(10000)); // also reaps it, so its pid is gone
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        const QStringList tail = QString::fromUtf8(child.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
        if (!tail.isEmpty())
            lastLine = tail.last().trimmed();
        qInfo("killed after: %s", qPrintable(lastLine));

        QString error;
        auto ws = Workspace::open(path, &error);
        QVERIFY2(ws, qPrintable(error));
        QString details;
        QVERIFY2(ws->checkIntegrity(&details), qPrintable(details));
        QCOMPARE(ws->interruptedOnOpen(), 1);
        const std::optional<RunRecord> run = ws->run(runId);
        QVERIFY(run);
        QCOMPARE(run->status, RunStatus::Interrupted);
        QVERIFY(run->finishedAt.isValid());
        QCOMPARE(ws->markInterruptedRuns(), 0);

        // Everything the child saw committed is there; whatever was in flight is
        // either complete or absent.
        const QVector<EvaluationRecord> evals = ws->evaluations(runId);
        const QVector<EpochRecord> epochs = ws->epochs(runId);
        QVERIFY(evals.size() >= committed);
        QVERIFY(epochs.size() >= evals.size());
        QVERIFY(epochs.size() <= evals.size() + 1);
        for (int i = 0; i < epochs.size(); ++i)
            QCOMPARE(epochs[i].epoch, i + 1);
        RawDb raw(path);
        for (int i = 0; i < evals.size(); ++i) {
            const EvaluationRecord &e = evals[i];
            QCOMPARE(e.epoch, i + 1);
            QCOMPARE(raw.count("relation_metrics", QStringLiteral("evaluation_id = %1").arg(e.id)), kRelations * 15);
            QCOMPARE(raw.count("gate_stats", QStringLiteral("evaluation_id = %1").arg(e.id)), kRelations * 3 * kExperts);
            const std::optional<EvaluationReport> loaded = ws->evaluationReport(e.id, &error);
            QVERIFY2(loaded, qPrintable(error));
            QCOMPARE(reportJson(*loaded), reportJson(report(kRelations, kExperts, e.epoch, QStringLiteral("valid"))));
        }
        // No orphans from a torn transaction.
        QCOMPARE(raw.count("relation_metrics", "evaluation_id NOT IN (SELECT id FROM evaluations)"), 0);
        QCOMPARE(raw.count("gate_stats", "evaluation_id NOT IN (SELECT id FROM evaluations)"), 0);
        QCOMPARE(raw.value("PRAGMA foreign_key_check").isValid(), false);

        // The workspace takes writes again.
        QVERIFY2(ws->recordEvaluation(runId, report(kRelations, kExperts, 999, QStringLiteral("test")), &error),
                 qPrintable(error));
    }
};

int main(int argc, char **argv)
{
    if (argc >= 4 && qstrcmp(argv[1], "--child-writer") == 0) {
        QCoreApplication app(argc, argv);
        return childWriter(QString::fromLocal8Bit(argv[2]), QByteArray(argv[3]).toLongLong());
    }
    QCoreApplication app(argc, argv);
    TestWorkspaceCrash suite;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&suite, argc, argv);
}

#include "tst_workspace_crash.moc"
