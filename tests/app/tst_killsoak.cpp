// Kill at any moment: a training recorded in a workspace is killed (SIGKILL) at 20 moments
// spread over its life and resumed after each, and ends exactly as an uninterrupted run.
//
// The moments are counted events, not wall-clock times: the engine calls crashPoint() at
// each training step and epoch, inside every atomic file write (before it, with part of
// the bytes written, before the rename, after it) and inside every workspace transaction
// (begun, before commit, committed); see core/runtime/CrashPoints.h. An uninterrupted run
// logs its events first, which gives the life's length T; the kill points are T·u for
// sorted uniform draws u from a fixed seed. Each process is told to kill itself at the
// event that brings the run's total (all processes so far, from one shared log) to the
// next kill point, so the same seed gives the same kills.
//
// At the end: the run finished, `PRAGMA integrity_check` is ok, the workspace holds one run
// whose history has every epoch and every validation exactly once, and its test metrics
// (run folder and workspace) equal the uninterrupted run's.
//
// Longer soaks: MOMOK_SOAK_KILLS (default 20), MOMOK_SOAK_EPOCHS (default 8) and
// MOMOK_SOAK_SEED (default 2026) change the run; e.g. (from the build folder)
//   MOMOK_SOAK_KILLS=200 MOMOK_SOAK_EPOCHS=30 QT_QPA_PLATFORM=offscreen tests/tst_killsoak
#include "CliRunner.h"

#include "storage/Workspace.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QtTest>

#include <algorithm>

using namespace momok;

namespace {

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

qint64 lineCount(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().count('\n');
}

QString lastLine(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    return lines.isEmpty() ? QString() : QString::fromUtf8(lines.last());
}

struct Child {
    bool killed = false;
    int exitCode = -1;
    QString output;
};

Child runChild(const QStringList &args, const QString &cacheDir, const QString &log, qint64 killAt)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MOMOK_CACHE_DIR"), cacheDir);
    env.insert(QStringLiteral("MOMOK_CRASH_LOG"), log);
    if (killAt > 0)
        env.insert(QStringLiteral("MOMOK_CRASH_AT_EVENT"), QString::number(killAt));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(MOMOK_CLI), args);
    Child c;
    if (!p.waitForFinished(600000)) {
        c.output = QStringLiteral("did not finish: %1").arg(p.errorString());
        p.kill();
        p.waitForFinished();
        return c;
    }
    c.killed = p.exitStatus() == QProcess::CrashExit;
    c.exitCode = c.killed ? -1 : p.exitCode();
    c.output = QString::fromUtf8(p.readAll());
    return c;
}

// The epochs a run folder's history.json lists, in order.
QList<int> historyEpochs(const QString &runDir)
{
    QFile history(runDir + QStringLiteral("/history.json"));
    QList<int> epochs;
    if (!history.open(QIODevice::ReadOnly))
        return epochs;
    for (const QJsonValue &v : QJsonDocument::fromJson(history.readAll()).array())
        if (v.toObject().value("type").toString() == QLatin1String("epoch"))
            epochs << v.toObject().value("epoch").toInt();
    return epochs;
}

QJsonObject testHeadline(const QString &runDir)
{
    QFile f(runDir + QStringLiteral("/report-test.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class TestKillSoak : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QStringList trainArgs(const QString &runDir, const QString &workspace, int epochs) const
    {
        return {"train", "--dataset", QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"),
                "--preset", "quick-demo", "--epochs", QString::number(epochs), "--eval-every", "1",
                "--threads", "1", "--out", runDir, "--workspace", workspace, "--quiet"};
    }

private Q_SLOTS:
    void killedAtCountedEventsEndsAsUninterrupted()
    {
        QVERIFY(m_dir.isValid());
        // Kept when a check fails, to look at the run folder, the workspace and the event log.
        m_dir.setAutoRemove(false);
        qInfo("soak folder: %s (removed when the soak passes)", qPrintable(m_dir.path()));
        const int kills = envInt("MOMOK_SOAK_KILLS", 20);
        const int epochs = envInt("MOMOK_SOAK_EPOCHS", 8);
        const quint32 seed = quint32(envInt("MOMOK_SOAK_SEED", 2026));
        QElapsedTimer clock;
        clock.start();

        // The uninterrupted run: its metrics, and its life's length in events.
        const QString referenceRun = m_dir.filePath("reference/run");
        const QString referenceLog = m_dir.filePath("reference/events.log");
        QVERIFY(QDir().mkpath(m_dir.filePath("reference")));
        const Child reference = runChild(trainArgs(referenceRun, m_dir.filePath("reference/workspace.momok"), epochs),
                                         m_dir.filePath("reference/cache"), referenceLog, 0);
        QVERIFY2(!reference.killed && reference.exitCode == 0, qPrintable(reference.output));
        const qint64 life = lineCount(referenceLog);
        QVERIFY2(life > kills, qPrintable(QStringLiteral("only %1 events").arg(life)));
        const QJsonObject expected = testHeadline(referenceRun);
        QVERIFY(!expected.isEmpty());

        QRandomGenerator random(seed);
        QList<qint64> killPoints;
        while (killPoints.size() < kills) {
            const qint64 point = 1 + qint64(random.bounded(quint32(life)));
            if (!killPoints.contains(point))
                killPoints << point;
        }
        std::sort(killPoints.begin(), killPoints.end());

        // The soaked run: each process killed at the next point, then resumed.
        const QString run = m_dir.filePath("soak/run");
        const QString workspace = m_dir.filePath("soak/workspace.momok");
        const QString log = m_dir.filePath("soak/events.log");
        const QString cache = m_dir.filePath("soak/cache");
        QVERIFY(QDir().mkpath(m_dir.filePath("soak")));
        QMap<QString, int> killedAt; // event name → kills that landed there
        int processes = 0;
        auto nextArgs = [&] {
            // Killed before run.json was written, the run has not begun: start it again.
            return QFile::exists(run + QStringLiteral("/run.json"))
                ? QStringList{"train", "--resume", run, "--workspace", workspace, "--threads", "1", "--quiet"}
                : trainArgs(run, workspace, epochs);
        };
        for (qint64 point : std::as_const(killPoints)) {
            const qint64 before = lineCount(log);
            QVERIFY(point > before);
            const Child child = runChild(nextArgs(), cache, log, point - before);
            ++processes;
            QVERIFY2(child.killed, qPrintable(QStringLiteral("process %1 was to be killed at event %2 but %3:\n%4")
                                                  .arg(processes).arg(point)
                                                  .arg(child.exitCode == 0 ? QStringLiteral("finished") : QStringLiteral("failed"),
                                                       child.output)));
            QCOMPARE(lineCount(log), point);
            ++killedAt[lastLine(log)];
        }
        const Child last = runChild(nextArgs(), cache, log, 0);
        ++processes;
        QVERIFY2(!last.killed && last.exitCode == 0, qPrintable(last.output));

        // The workspace is intact and holds the run once, every epoch once.
        QString error;
        auto ws = Workspace::open(workspace, &error);
        QVERIFY2(ws, qPrintable(error));
        QVERIFY2(ws->checkIntegrity(&error), qPrintable(error));
        QCOMPARE(ws->runs().size(), 1);
        const RunRecord record = ws->runs().first();
        QCOMPARE(record.status, RunStatus::Finished);
        QList<int> epochNumbers, validations, expectedEpochs;
        for (const EpochRecord &e : ws->epochs(record.id))
            epochNumbers << e.epoch;
        for (const EvaluationRecord &e : ws->evaluations(record.id))
            if (e.split == Split::Valid)
                validations << e.epoch;
        // The uninterrupted run's epochs: 1 … its last (early stopping may end it before --epochs).
        const QList<int> referenceEpochs = historyEpochs(referenceRun);
        QVERIFY(!referenceEpochs.isEmpty() && referenceEpochs.last() <= epochs);
        for (int e = 1; e <= referenceEpochs.last(); ++e)
            expectedEpochs << e;
        QCOMPARE(referenceEpochs, expectedEpochs);
        QCOMPARE(epochNumbers, expectedEpochs);
        std::sort(validations.begin(), validations.end());
        QCOMPARE(validations, expectedEpochs);

        // The run folder's history too: every epoch exactly once.
        QCOMPARE(historyEpochs(run), expectedEpochs);

        // The same model: test metrics equal to the uninterrupted run's, bit for bit.
        const QJsonObject soaked = testHeadline(run);
        QCOMPARE(QJsonDocument(soaked.value("overall").toObject()).toJson(),
                 QJsonDocument(expected.value("overall").toObject()).toJson());
        QCOMPARE(soaked.value("epoch"), expected.value("epoch"));
        const QJsonObject combined = expected.value("overall").toObject().value("combined").toObject()
                                         .value("both").toObject().value("realistic").toObject();
        QVERIFY2(combined.contains("mrr"), qPrintable(QJsonDocument(expected).toJson()));
        for (const char *key : {"mrr", "mr", "hits1", "hits3", "hits10"})
            QCOMPARE(record.finalMetrics.value(key).toDouble(), combined.value(key).toDouble());

        QStringList where;
        for (auto it = killedAt.cbegin(); it != killedAt.cend(); ++it)
            where << QStringLiteral("%1 ×%2").arg(it.key()).arg(it.value());
        m_dir.setAutoRemove(true);
        qInfo("%d kills over a life of %lld events (seed %u, %d of at most %d epochs), %d processes, %.1f s; kills "
              "landed at: %s",
              kills, life, seed, int(expectedEpochs.size()), epochs, processes, double(clock.elapsed()) / 1000, qPrintable(where.join(", ")));
    }
};

// A longer soak outlives Qt Test's 5-minute watchdog: unless QTEST_FUNCTION_TIMEOUT says
// otherwise, it is lifted (ctest's own TIMEOUT still bounds the default run).
int main(int argc, char **argv)
{
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", QByteArray::number(24 * 3600 * 1000));
    QCoreApplication app(argc, argv);
    TestKillSoak test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_killsoak.moc"
