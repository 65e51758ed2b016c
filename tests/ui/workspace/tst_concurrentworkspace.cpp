// Two app instances and a CLI training on one workspace at once: no corruption, no lost
// run, no lost write.
//
// Each app instance is this executable started again with --app-instance: a separate
// process with the app's own workspace owner (WorkspaceService, UI-thread connection) and
// the app's training path (TrainingWorker on a worker thread, recording through its own
// connection), which after every epoch re-reads all runs, as the Runs view does, and
// writes its run's notes from the UI thread. The third writer is `momok train
// --workspace`. All three train the countries quick demo at once, sharing one feature
// cache, so their transactions, heartbeats and checkpoints interleave.
#include "training/TrainingWorker.h"
#include "workspace/WorkspaceService.h"

#include "model/ModelConfig.h"
#include "storage/Workspace.h"

#include <QApplication>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cstdio>

using namespace momok;

namespace {

const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
constexpr int kEpochs = 6;

QString notesAfter(const QString &name, int epoch)
{
    return QStringLiteral("%1 saw epoch %2").arg(name).arg(epoch);
}

// The app instance: exit code 0 when its run finished and every write and read succeeded.
int appInstance(int argc, char **argv, const QString &workspacePath, const QString &runDir, const QString &name)
{
    QApplication app(argc, argv);
    ui::WorkspaceService service;
    QSignalSpy opened(&service, &ui::WorkspaceService::workspaceOpened);
    QSignalSpy openFailed(&service, &ui::WorkspaceService::openFailed);
    service.open(workspacePath);
    if (!opened.wait(120000)) {
        std::fprintf(stderr, "%s: workspace not opened: %s\n", qPrintable(name),
                     openFailed.isEmpty() ? "timeout" : qPrintable(openFailed.first().value(1).toString()));
        return 2;
    }

    ui::TrainingJob job;
    job.spec.datasetDir = kCountries;
    job.spec.runDir = runDir;
    ModelConfig::applyPreset(QStringLiteral("quick-demo"), &job.spec.config);
    job.spec.config.epochs = kEpochs;
    job.spec.config.evalEvery = 1;
    job.spec.config.threads = 1;
    job.workspacePath = workspacePath;
    job.runName = name;

    QThread thread;
    auto *worker = new ui::TrainingWorker(job);
    worker->moveToThread(&thread);
    QObject::connect(&thread, &QThread::started, worker, &ui::TrainingWorker::run);
    QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    qint64 ownRun = -1;
    int failures = 0;
    Outcome outcome = Outcome::Failed;
    QObject::connect(worker, &ui::TrainingWorker::started, &app, [&](qint64 runId) {
        ownRun = runId;
        service.checkRuns();
    });
    QObject::connect(worker, &ui::TrainingWorker::epochFinished, &app, [&](const EpochRecord &record) {
        // What the Runs view does on a change, then a user's edit, both on the UI connection.
        service.checkRuns();
        Workspace *ws = service.workspace();
        for (const RunRecord &run : ws->runs())
            (void)ws->epochs(run.id);
        QString error;
        if (ownRun < 0 || !ws->setNotes(ownRun, notesAfter(name, record.epoch), &error)) {
            ++failures;
            std::fprintf(stderr, "%s: notes not written: %s\n", qPrintable(name), qPrintable(error));
        }
    });
    QObject::connect(worker, &ui::TrainingWorker::finished, &app,
                     [&](qint64, Outcome result, const QString &error) {
                         outcome = result;
                         if (!error.isEmpty())
                             std::fprintf(stderr, "%s: %s\n", qPrintable(name), qPrintable(error));
                         thread.quit();
                         app.quit();
                     });
    thread.start();
    app.exec();
    thread.wait();
    service.checkRuns();
    std::printf("%s: run %lld %s, %d failed writes\n", qPrintable(name), ownRun, qPrintable(outcomeName(outcome)), failures);
    return outcome == Outcome::Finished && failures == 0 ? 0 : 1;
}

} // namespace

class TestConcurrentWorkspace : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void twoAppsAndTheCliShareOneWorkspace()
    {
        QVERIFY(m_dir.isValid());
        const QString workspace = m_dir.filePath("shared.momok");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MOMOK_CACHE_DIR"), m_dir.filePath("cache"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));

        QList<QProcess *> writers;
        auto start = [&](const QString &program, const QStringList &args) {
            auto *p = new QProcess(this);
            p->setProcessEnvironment(env);
            p->start(program, args);
            writers << p;
        };
        const QString self = QCoreApplication::applicationFilePath();
        start(self, {"--app-instance", workspace, m_dir.filePath("runs/app-a"), "app-a"});
        start(self, {"--app-instance", workspace, m_dir.filePath("runs/app-b"), "app-b"});
        start(QStringLiteral(MOMOK_CLI),
              {"train", "--dataset", kCountries, "--preset", "quick-demo", "--epochs", QString::number(kEpochs),
               "--eval-every", "1", "--threads", "1", "--out", m_dir.filePath("runs/cli"), "--workspace", workspace,
               "--name", "cli", "--quiet"});
        for (QProcess *p : std::as_const(writers)) {
            QVERIFY2(p->waitForFinished(600000), qPrintable(p->program()));
            const QString out = QString::fromUtf8(p->readAllStandardOutput());
            QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
                     qPrintable(p->arguments().join(' ') + "\n" + out + QString::fromUtf8(p->readAllStandardError())));
            qInfo("%s", qPrintable(out.trimmed().section('\n', -1)));
        }

        QString error;
        auto ws = Workspace::open(workspace, &error);
        QVERIFY2(ws, qPrintable(error));
        QVERIFY2(ws->checkIntegrity(&error), qPrintable(error));
        const QVector<RunRecord> runs = ws->runs();
        QCOMPARE(runs.size(), 3);
        QStringList names;
        for (const RunRecord &run : runs) {
            names << run.name;
            QCOMPARE(run.status, RunStatus::Finished);
            QList<int> epochs, validations, expected;
            for (const EpochRecord &e : ws->epochs(run.id))
                epochs << e.epoch;
            for (const EvaluationRecord &e : ws->evaluations(run.id))
                if (e.split == Split::Valid)
                    validations << e.epoch;
            for (int e = 1; e <= kEpochs; ++e)
                expected << e;
            QCOMPARE(epochs, expected);
            QCOMPARE(validations, expected);
            QVERIFY(run.finalMetrics.contains("mrr"));
            if (run.name.startsWith("app-"))
                QCOMPARE(run.notes, notesAfter(run.name, kEpochs)); // the last edit, not lost
        }
        names.sort();
        QCOMPARE(names, (QStringList{"app-a", "app-b", "cli"}));
        QCOMPARE(ws->datasets().size(), 1); // imported once, not once per writer
    }
};

int main(int argc, char **argv)
{
    if (argc == 5 && qstrcmp(argv[1], "--app-instance") == 0)
        return appInstance(argc, argv, QString::fromLocal8Bit(argv[2]), QString::fromLocal8Bit(argv[3]),
                           QString::fromLocal8Bit(argv[4]));
    QApplication app(argc, argv);
    TestConcurrentWorkspace test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_concurrentworkspace.moc"
