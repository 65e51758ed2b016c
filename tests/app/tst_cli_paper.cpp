// `momok train --preset paper … --dry-run`: the paper's setting resolved per dataset (by the
// folder's name, by its entity and relation counts, or by --paper-dataset), printed as
// run.json's configuration, with nothing trained or written.
#include "CliRunner.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using momok::testing::CliResult;
using momok::testing::runCli;

namespace {

// A graph with the given numbers of entities and relations, in MKG-Y's layout.
void writeGraph(const QString &dir, int entities, int relations)
{
    QDir().mkpath(dir);
    QFile e(QDir(dir).filePath("entity2id.txt")), r(QDir(dir).filePath("relation2id.txt"));
    QVERIFY(e.open(QIODevice::WriteOnly) && r.open(QIODevice::WriteOnly));
    for (int i = 0; i < entities; ++i)
        e.write(QStringLiteral("e%1 %1\n").arg(i).toUtf8());
    for (int i = 0; i < relations; ++i)
        r.write(QStringLiteral("r%1 %1\n").arg(i).toUtf8());
    for (const char *split : {"train.txt", "valid.txt", "test.txt"}) {
        QFile f(QDir(dir).filePath(split));
        QVERIFY(f.open(QIODevice::WriteOnly));
        // Every entity and relation occurs in train; valid and test hold a few of its triples.
        const int count = QByteArray(split) == "train.txt" ? std::max(entities, relations) : 10;
        for (int i = 0; i < count; ++i)
            f.write(QStringLiteral("e%1 r%2 e%3 .\n").arg(i % entities).arg(i % relations).arg((i + 1) % entities).toUtf8());
    }
}

QJsonObject dryRun(const QStringList &args, QString *err = nullptr)
{
    const CliResult r = runCli(QStringList{"train", "--dry-run", "--preset", "paper"} + args);
    if (err)
        *err = r.err;
    if (r.exitCode != 0)
        qWarning("exit %d: %s", r.exitCode, qPrintable(r.err));
    return QJsonDocument::fromJson(r.out.toUtf8()).object();
}

} // namespace

class TestCliPaper : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void bundledBenchmarksByTheirNames_data()
    {
        QTest::addColumn<QString>("dataset");
        QTest::addColumn<int>("dim");
        QTest::addColumn<double>("lr");
        QTest::newRow("MKG-Y") << "MKG-Y" << 300 << 5e-4;
        QTest::newRow("DB15K") << "DB15K" << 256 << 5e-4;
    }

    void bundledBenchmarksByTheirNames()
    {
        QFETCH(QString, dataset);
        QFETCH(int, dim);
        QFETCH(double, lr);
        QString err;
        const QJsonObject c = dryRun({"--dataset", QStringLiteral(MOMOK_BENCHMARK_DATASETS "/") + dataset}, &err);
        QCOMPARE(c.value("dim").toInt(), dim);
        QCOMPARE(c.value("relation_dim").toInt(), 256);
        QCOMPARE(c.value("learning_rate").toDouble(), lr);
        QCOMPARE(c.value("estimator_learning_rate").toDouble(), lr);
        QCOMPARE(c.value("epochs").toInt(), 2000);
        QCOMPARE(c.value("eval_every").toInt(), 100);
        QVERIFY2(err.contains(QStringLiteral("paper setting of %1 (by the folder's name)").arg(dataset)), qPrintable(err));
        QVERIFY2(err.contains("nothing trained, nothing written"), qPrintable(err));
    }

    void mkgWByNameAndByCounts()
    {
        const QString named = m_dir.filePath("MKG-W"), counted = m_dir.filePath("my-graph");
        writeGraph(named, 20, 3);
        writeGraph(counted, 15000, 169);
        for (const QString &dir : {named, counted}) {
            QString err;
            const QJsonObject c = dryRun({"--dataset", dir}, &err);
            QCOMPARE(c.value("dim").toInt(), 200);
            QCOMPARE(c.value("learning_rate").toDouble(), 1e-3);
            QVERIFY2(err.contains(dir == named ? "by the folder's name" : "by its entity and relation counts"), qPrintable(err));
        }
        // Options still override the preset, and --paper-dataset chooses the row.
        const QJsonObject c = dryRun({"--dataset", counted, "--paper-dataset", "mkg-y", "--epochs", "40"});
        QCOMPARE(c.value("dim").toInt(), 300);
        QCOMPARE(c.value("epochs").toInt(), 40);
    }

    void otherGraphsGetTheScheduleAndSaySo()
    {
        const QString dir = m_dir.filePath("small");
        writeGraph(dir, 30, 4);
        QString err;
        const QJsonObject c = dryRun({"--dataset", dir}, &err);
        QCOMPARE(c.value("dim").toInt(), 256);
        QCOMPARE(c.value("epochs").toInt(), 2000);
        QVERIFY2(err.contains("none of the paper's datasets"), qPrintable(err));
    }

    void dryRunWritesNothing()
    {
        const QString dir = m_dir.filePath("small2"), out = m_dir.filePath("never");
        writeGraph(dir, 30, 4);
        const CliResult r = runCli({"train", "--dry-run", "--dataset", dir, "--out", out, "--preset", "quick-demo"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(out));
        const QJsonObject c = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(c.value("dim").toInt(), 64); // the quick demo's
        QVERIFY(c.contains("seed") && c.contains("use_joint")); // run.json's config keys
    }

    // A run trained with the paper setting records its row; eval --paper prints the paper's
    // rows beside the run's figures, labelled, and refuses a run on another dataset.
    void evalPrintsThePapersRows()
    {
        const QString graph = m_dir.filePath("MKG-W"), run = m_dir.filePath("paper-run");
        writeGraph(graph, 20, 3);
        CliResult r = runCli({"train", "--preset", "paper", "--dataset", graph, "--out", run, "--epochs", "2",
                              "--eval-every", "1", "--dim", "8", "--relation-dim", "8", "--track-test"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("--preset paper: paper setting of MKG-W (by the folder's name)"), qPrintable(r.out));
        QFile spec(QDir(run).filePath("run.json"));
        QVERIFY(spec.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(spec.readAll()).object().value("paper_row").toString(), QStringLiteral("MKG-W"));

        r = runCli({"eval", run, "--paper"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("Beside the paper on MKG-W"), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("MoMoK, paper +35\\.89 +30\\.38")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("TuckER \\(structure only\\), paper +29\\.59")), qPrintable(r.out));
        QVERIFY(r.out.contains("this run, test (checkpoint chosen on valid)"));
        QVERIFY2(r.out.contains("this run, best test of each metric (2 evals)"), qPrintable(r.out)); // --track-test
        QVERIFY(r.out.contains("best test value over all evaluations"));
        r = runCli({"eval", run, "--paper", "--json"});
        const QJsonObject paper = QJsonDocument::fromJson(r.out.toUtf8()).object().value("paper").toObject();
        QCOMPARE(paper.value("dataset").toString(), QStringLiteral("MKG-W"));
        QCOMPARE(paper.value("momok").toObject().value("mrr").toDouble(), 35.89);
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object().value("tracked_test_best").toObject()
                     .value("evaluations").toInt(), 2);

        const QString other = m_dir.filePath("other"), otherRun = m_dir.filePath("other-run");
        writeGraph(other, 20, 3);
        r = runCli({"train", "--dataset", other, "--out", otherRun, "--epochs", "1", "--dim", "8", "--relation-dim", "8"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = runCli({"eval", otherRun, "--paper"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("is none of the paper's datasets"), qPrintable(r.err));
    }

    void badPaperDatasetNamesTheChoices()
    {
        const QString dir = m_dir.filePath("small3");
        writeGraph(dir, 30, 4);
        CliResult r = runCli({"train", "--dry-run", "--dataset", dir, "--preset", "paper", "--paper-dataset", "FB15K"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("--paper-dataset: 'FB15K' is none of the paper's datasets (MKG-W, MKG-Y, DB15K)"), qPrintable(r.err));
        r = runCli({"train", "--dry-run", "--dataset", dir, "--paper-dataset", "MKG-W"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("--paper-dataset: only with --preset paper"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliPaper)
#include "tst_cli_paper.moc"
