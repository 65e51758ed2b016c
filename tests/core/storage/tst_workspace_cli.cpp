// The workspace commands of the `momok` CLI: import, runs (list/show/compare/
// delete) and search, run as a separate process against a temporary workspace.
#include "CliRunner.h"
#include "StorageTestData.h"

#include "storage/Workspace.h"
#include "storage/WorkspaceSchema.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <utility>
#include <unistd.h>

using namespace momok;
using namespace momok::testdata;

namespace {

using testing::CliResult;
using testing::runCli;

QJsonDocument jsonOf(const CliResult &r)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    if (doc.isNull())
        qWarning() << "not JSON:" << error.errorString() << r.out.left(400);
    return doc;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

} // namespace

class TestWorkspaceCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_dataDir, m_ws;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_dataDir = m_tmp.filePath(QStringLiteral("geo"));
        m_ws = m_tmp.filePath(QStringLiteral("ws/geo.momok"));
        QVERIFY(QDir().mkpath(m_dataDir));
        // A tiny dataset in MKG-Y's named-triple layout.
        QVERIFY(writeFile(m_dataDir + "/entity2id.txt",
                          "Japan 0\nTokyo 1\nKyoto 2\nTokyo_Tower 3\nOsaka 4\nFC_Jūrmala 5\nLatvia 6\n"));
        QVERIFY(writeFile(m_dataDir + "/relation2id.txt", "locatedIn 0\ncapitalOf 1\n"));
        QVERIFY(writeFile(m_dataDir + "/train.txt",
                          "Tokyo locatedIn Japan .\nKyoto locatedIn Japan .\nTokyo capitalOf Japan .\n"
                          "Tokyo_Tower locatedIn Tokyo .\nOsaka locatedIn Japan .\nFC_Jūrmala locatedIn Latvia .\n"));
        QVERIFY(writeFile(m_dataDir + "/valid.txt", "Osaka locatedIn Japan .\n"));
        QVERIFY(writeFile(m_dataDir + "/test.txt", "Kyoto locatedIn Japan .\n"));
    }

    void importsOnceAndUpdatesInPlace()
    {
        CliResult r = runCli({"import", m_dataDir, "--workspace", m_ws});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QVERIFY2(r.out.contains("Imported dataset 1 'geo'"), qPrintable(r.out));
        QVERIFY2(r.out.contains("7 entities, 2 relations, 6 / 1 / 1"), qPrintable(r.out));
        QVERIFY(r.out.contains(Workspace::contentHash(m_dataDir)));

        r = runCli({"import", m_dataDir, "--workspace", m_ws, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = jsonOf(r).object();
        QCOMPARE(o.value("dataset_id").toInt(), 1);
        QCOMPARE(o.value("updated_existing").toBool(), true);
        QCOMPARE(o.value("entities").toInt(), 7);

        QString error;
        auto ws = Workspace::open(m_ws, &error);
        QVERIFY2(ws, qPrintable(error));
        QCOMPARE(ws->datasets().size(), 1);
        QCOMPARE(ws->searchEntities(1, "tok", 0).size(), 2);

        r = runCli({"import", m_tmp.filePath("missing"), "--workspace", m_ws});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("no such folder"));
        r = runCli({"import", m_dataDir});
        QCOMPARE(r.exitCode, 2);
    }

    void searchesEntities()
    {
        CliResult r = runCli({"search", "--workspace", m_ws, "tok"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("Tokyo Tower"));
        QVERIFY(r.out.contains("2 hits in "));

        r = runCli({"search", "--workspace", m_ws, "--dataset", "1", "jurm", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonArray hits = jsonOf(r).array();
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits[0].toObject().value("name").toString(), QStringLiteral("FC_Jūrmala"));

        r = runCli({"search", "--workspace", m_ws, "\"*-(", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(jsonOf(r).array().size(), 7); // no words: the first entities by name

        r = runCli({"search", "--workspace", m_ws, "--bench", "--queries", "30", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject bench = jsonOf(r).object();
        QCOMPARE(bench.value("queries").toInt(), 30);
        QCOMPARE(bench.value("entities").toInt(), 7);
        QVERIFY(bench.value("median_ms").toDouble() > 0);
        QVERIFY(bench.value("p95_ms").toDouble() >= bench.value("median_ms").toDouble());

        r = runCli({"search", "--workspace", m_ws, "--dataset", "9", "tok"});
        QCOMPARE(r.exitCode, 1);
    }

    void listsShowsComparesAndDeletesRuns()
    {
        qint64 a = -1, b = -1, live = -1;
        {
            QString error;
            auto ws = Workspace::open(m_ws, &error);
            QVERIFY2(ws, qPrintable(error));
            const QJsonObject configA{{"dim", 256}, {"lr", 0.001}, {"model", QJsonObject{{"experts", 3}, {"dropout", 0.2}}}};
            QJsonObject configB = configA;
            configB.insert("lr", 0.0005);
            configB.insert("model", QJsonObject{{"experts", 5}, {"dropout", 0.2}});
            configB.insert("seed", 7);
            a = ws->beginRun(1, "baseline", configA, &error);
            b = ws->beginRun(1, "more-experts", configB, &error);
            live = ws->beginRun(1, "live", {}, &error); // owned by this (living) process
            for (int e = 1; e <= 3; ++e) {
                QVERIFY(ws->recordEpoch(a, EpochRecord{e, 2.0 / e, 1.5 / e, 0.1, -0.2, 0.001, 4.5}));
                QVERIFY(ws->recordEpoch(b, EpochRecord{e, 1.8 / e, 1.4 / e, 0.1, -0.2, 0.0005, 4.0}));
            }
            QVERIFY(ws->recordEvaluation(a, report(2, 3, 3, "valid", 30.0), &error));
            QVERIFY(ws->recordEvaluation(a, report(2, 3, 3, "test", 29.0), &error));
            QVERIFY(ws->recordEvaluation(b, report(2, 3, 3, "valid", 32.0), &error));
            QVERIFY(ws->setRunStatus(a, RunStatus::Finished, &error));
            QVERIFY(ws->setRunStatus(b, RunStatus::Failed, &error));
        }
        const double validA = report(2, 3, 3, "valid", 30.0).headline().mrr;
        const double testA = report(2, 3, 3, "test", 29.0).headline().mrr;

        CliResult r = runCli({"runs", "--workspace", m_ws});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("BEST VALID MRR"));
        QVERIFY(r.out.contains("baseline") && r.out.contains("more-experts") && r.out.contains("live"));
        QVERIFY(r.out.contains("finished") && r.out.contains("failed") && r.out.contains("running"));
        QVERIFY2(r.out.contains(QString::number(validA, 'f', 2)), qPrintable(r.out));
        QVERIFY(r.out.contains(QString::number(testA, 'f', 2)));

        r = runCli({"runs", "--workspace", m_ws, "list", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonArray list = jsonOf(r).array();
        QCOMPARE(list.size(), 3);
        QCOMPARE(list[2].toObject().value("name").toString(), QStringLiteral("baseline"));
        QCOMPARE(list[2].toObject().value("epochs").toInt(), 3);
        QCOMPARE(list[2].toObject().value("best_valid_mrr").toDouble(), validA);
        QCOMPARE(list[2].toObject().value("test_mrr").toDouble(), testA);
        QCOMPARE(list[0].toObject().value("status").toString(), QStringLiteral("running"));

        r = runCli({"runs", "--workspace", m_ws, "show", QString::number(a)});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("Run " + QString::number(a) + " 'baseline'"));
        QVERIFY(r.out.contains("\"dim\": 256"));
        QVERIFY(r.out.contains("EPOCH") && r.out.contains("VALID MRR"));
        QVERIFY(r.out.contains("0.6667")); // epoch 3's loss
        r = runCli({"runs", "--workspace", m_ws, "show", QString::number(a), "--json"});
        const QJsonObject shown = jsonOf(r).object();
        QCOMPARE(shown.value("epochs").toArray().size(), 3);
        QCOMPARE(shown.value("evaluations").toArray().size(), 2);
        QCOMPARE(shown.value("run").toObject().value("config").toObject().value("dim").toInt(), 256);

        r = runCli({"runs", "--workspace", m_ws, "compare", QString::number(a), QString::number(b), "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject cmp = jsonOf(r).object();
        const QJsonObject diff = cmp.value("config_differences").toObject();
        QCOMPARE(diff.keys(), QStringList({"lr", "model.experts", "seed"}));
        QCOMPARE(diff.value("model.experts").toArray(), QJsonArray({3, 5}));
        QCOMPARE(diff.value("seed").toArray(), QJsonArray({QJsonValue(), 7}));
        QCOMPARE(cmp.value("metrics").toObject().value("test MRR").toArray()[0].toDouble(), testA);
        QVERIFY(cmp.value("metrics").toObject().value("test MRR").toArray()[1].isNull());
        r = runCli({"runs", "--workspace", m_ws, "compare", QString::number(a), QString::number(b)});
        QVERIFY(r.out.contains("model.experts"));
        QVERIFY(!r.out.contains("dropout")); // equal keys are not shown
        QVERIFY(r.out.contains("(unset)"));

        r = runCli({"runs", "--workspace", m_ws, "delete", QString::number(live)});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("still running"), qPrintable(r.err));
        r = runCli({"runs", "--workspace", m_ws, "delete", QString::number(b)});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("Deleted run"));
        r = runCli({"runs", "--workspace", m_ws, "show", QString::number(b)});
        QCOMPARE(r.exitCode, 1);
        r = runCli({"runs", "--workspace", m_ws, "frobnicate"});
        QCOMPARE(r.exitCode, 2);
        r = runCli({"runs", "--workspace", m_ws, "show", "x"});
        QCOMPARE(r.exitCode, 2);
    }

    void refusesNewerWorkspace()
    {
        const QString path = m_tmp.filePath(QStringLiteral("future.momok"));
        {
            RawDb raw(path);
            QCOMPARE(raw.exec(QStringLiteral("PRAGMA application_id = %1").arg(WorkspaceSchema::kApplicationId)), QString());
            QCOMPARE(raw.exec(QStringLiteral("PRAGMA user_version = %1").arg(WorkspaceSchema::currentVersion() + 1)),
                     QString());
        }
        const CliResult r = runCli({"runs", "--workspace", path});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("newer"), qPrintable(r.err));
    }

    // A read-only workspace, or one in a folder that cannot be written, is refused with that
    // reason and left byte for byte as it was (no -wal or -shm file appears). Permissions do
    // not stop root, so when the tests run as root the CLI runs as the user nobody (setpriv).
    void readOnlyWorkspacesAreRefusedUntouched()
    {
        const bool root = ::geteuid() == 0;
        const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
        QVERIFY2(!root || !setpriv.isEmpty(), "util-linux's setpriv is needed to test permissions as root");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                      | QFileDevice::ReadOther | QFileDevice::ExeOther));
        // The user nobody may not be able to reach the build tree (a checkout in a folder of
        // mode 0700, as `mktemp -d` makes), so as root the CLI runs from a copy in this test's
        // folder, which nobody can reach: the launcher and the program it starts, in the
        // build tree's layout (app/ and libexec/momok-studio/ side by side).
        const QFileDevice::Permissions readable = QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther;
        const QFileDevice::Permissions folder = readable | QFileDevice::ExeOwner | QFileDevice::ExeGroup | QFileDevice::ExeOther;
        QString cli = QStringLiteral(MOMOK_CLI);
        if (root) {
            const QFileDevice::Permissions runnable = folder | QFileDevice::WriteOwner;
            const QString program = QFileInfo(cli).absolutePath() + "/../libexec/momok-studio/" + QFileInfo(cli).fileName();
            const QString copy = dir.filePath("cli/app/") + QFileInfo(cli).fileName();
            const QString programCopy = dir.filePath("cli/libexec/momok-studio/") + QFileInfo(cli).fileName();
            for (const auto &[from, to] : {std::pair{cli, copy}, std::pair{program, programCopy}}) {
                QVERIFY2(QDir().mkpath(QFileInfo(to).absolutePath()) && QFile::copy(from, to)
                             && QFile::setPermissions(to, runnable),
                         qPrintable("cannot copy " + from + " to " + to));
                QVERIFY(QFile::setPermissions(QFileInfo(to).absolutePath(), runnable));
            }
            QVERIFY(QFile::setPermissions(dir.filePath("cli"), runnable));
            QVERIFY(QFile::setPermissions(dir.filePath("cli/libexec"), runnable));
            cli = copy;
        }
        auto asUser = [&](const QStringList &args) {
            if (!root)
                return runCli(args);
            QProcess p;
            p.start(setpriv, QStringList{"--reuid=65534", "--regid=65534", "--clear-groups", cli} + args);
            CliResult r;
            if (p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit)
                r.exitCode = p.exitCode();
            r.out = QString::fromUtf8(p.readAllStandardOutput());
            r.err = QString::fromUtf8(p.readAllStandardError());
            return r;
        };
        if (root) {
            const CliResult r = asUser({"--version"});
            QVERIFY2(r.exitCode == 0, qPrintable("the user nobody cannot run " + cli + " (is the temporary folder, "
                                                 + dir.path() + ", reachable by others?): " + r.err));
        }
        auto giveToUser = [&](const QString &path) { return !root || ::chown(QFile::encodeName(path).constData(), 65534, 65534) == 0; };

        // (1) The file is read-only, its folder writable by the user.
        const QString own = dir.filePath("own");
        QVERIFY(QDir().mkpath(own));
        const QString readOnly = own + "/read-only.momok";
        QVERIFY(QFile::copy(m_ws, readOnly));
        QVERIFY(giveToUser(own) && giveToUser(readOnly));
        QVERIFY(QFile::setPermissions(readOnly, readable));
        // (2) The file is the user's to write, its folder is not.
        const QString locked = dir.filePath("locked");
        QVERIFY(QDir().mkpath(locked));
        const QString inLocked = locked + "/workspace.momok";
        QVERIFY(QFile::copy(m_ws, inLocked));
        QVERIFY(giveToUser(inLocked));
        QVERIFY(QFile::setPermissions(inLocked, readable | QFileDevice::WriteOwner));
        QVERIFY(QFile::setPermissions(locked, root ? folder | QFileDevice::WriteOwner : folder));

        // The dataset to import, where the user can read it.
        const QString dataset = dir.filePath("geo");
        QVERIFY(QDir().mkpath(dataset));
        for (const QFileInfo &f : QDir(m_dataDir).entryInfoList(QDir::Files))
            QVERIFY(QFile::copy(f.absoluteFilePath(), dataset + "/" + f.fileName()));

        const struct { QString path; const char *reason; } cases[] = {
            {readOnly, "the file is read-only"},
            {inLocked, "its folder is not writable"},
        };
        for (const auto &c : cases) {
            QFile file(c.path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray before = file.readAll();
            file.close();
            for (const QStringList &command : {QStringList{"runs", "--workspace", c.path},
                                               QStringList{"import", dataset, "--workspace", c.path}}) {
                const CliResult r = asUser(command);
                QVERIFY2(r.exitCode == 1 && r.err.contains(c.path) && r.err.contains(QLatin1String(c.reason)),
                         qPrintable(QStringLiteral("%1: exit %2\n%3").arg(command.join(' ')).arg(r.exitCode).arg(r.err)));
            }
            QVERIFY(file.open(QIODevice::ReadOnly));
            QCOMPARE(file.readAll(), before);
            QVERIFY(!QFile::exists(c.path + "-wal") && !QFile::exists(c.path + "-shm"));
        }
        QFile::setPermissions(locked, folder | QFileDevice::WriteOwner); // so that the folder can be removed
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceCli)
#include "tst_workspace_cli.moc"
