// The `momok` CLI end to end on a small generated graph: train, eval, predict, explain, bench, resume.
#include "CliRunner.h"
#include "SyntheticGraph.h"

#include <QJsonArray>
#include <QtTest>

#include <algorithm>

namespace {

using momok::testing::CliResult;
using momok::testing::runCli;


const QStringList kSmall = {"--dim", "16", "--relation-dim", "8", "--max-feature-width", "16", "--batch-size", "32",
                            "--learning-rate", "0.03", "--input-dropout", "0.2", "--hidden-dropout", "0.2",
                            "--output-dropout", "0.2", "--random-features"};

} // namespace

class TestCliEngine : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_dataset, m_run;

private Q_SLOTS:
    void initTestCase()
    {
        m_dataset = m_dir.filePath("graph");
        m_run = m_dir.filePath("run");
        momok::testing::writeCommunityGraph(m_dataset);
    }

    void trainPrintsEpochsAndTest()
    {
        const CliResult r = runCli(QStringList{"train", "--dataset", m_dataset, "--out", m_run, "--epochs", "40",
                                               "--eval-every", "10"} + kSmall);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("epoch   40  loss"));
        QVERIFY(r.out.contains("valid @ epoch 10: MRR"));
        QVERIFY(r.out.contains("Filtered link prediction on test"));
        QVERIFY(QFile::exists(QDir(m_run).filePath("best.pt")));
        QVERIFY(QFile::exists(QDir(m_run).filePath("last.pt")));
        QVERIFY(!QFile::exists(QDir(m_run).filePath("last.pt.partial")));
    }

    void evalJsonHasTheDocumentedKeys()
    {
        const CliResult r = runCli({"eval", m_run, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        for (const char *key : {"mrr", "mr", "hits1", "hits3", "hits10"})
            QVERIFY2(o.contains(key), key);
        QVERIFY(o.value("mrr").toDouble() > 20.0); // far above chance (about 6 %)
        QVERIFY(o.value("hits10").toDouble() >= o.value("hits1").toDouble());
        const QJsonObject perDecoder = o.value("per_decoder").toObject();
        for (const char *key : {"S", "I", "T", "joint"})
            QVERIFY2(perDecoder.value(key).toObject().contains("mrr"), key);
        const QJsonObject perRelation = o.value("per_relation").toObject();
        QVERIFY(perRelation.contains("memberOf"));
        QVERIFY(perRelation.value("memberOf").toObject().value("per_decoder").toObject().contains("S"));
        QCOMPARE(o.value("rank").toString(), QStringLiteral("realistic"));
        // Tie rules bracket the realistic figure.
        QVERIFY(o.value("optimistic").toObject().value("mrr").toDouble() >= o.value("mrr").toDouble());
        QVERIFY(o.value("pessimistic").toObject().value("mrr").toDouble() <= o.value("mrr").toDouble());
        const CliResult table = runCli({"eval", m_run, "--per-relation", "--split", "valid"});
        QVERIFY(table.out.contains("Per relation"));
        QVERIFY(table.out.contains("sameGroupAs"));
    }

    void predictRanksAndMarksKnownAnswers()
    {
        const CliResult r = runCli({"predict", m_run, "--head", "m1_2", "--relation", "memberOf", "--top", "5", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray rows = o.value("predictions").toArray();
        QCOMPARE(rows.size(), 5);
        QCOMPARE(rows.first().toObject().value("rank").toInt(), 1);
        QVERIFY(rows.first().toObject().value("decoders").toObject().contains("joint"));
        QCOMPARE(o.value("gates").toObject().value("I").toArray().size(), 3);
        const CliResult hidden = runCli({"predict", m_run, "--head", "m1_2", "--relation", "memberOf", "--top", "80",
                                         "--hide-known", "--json"});
        for (const QJsonValue &v : QJsonDocument::fromJson(hidden.out.toUtf8()).object().value("predictions").toArray())
            QVERIFY(v.toObject().value("known").toArray().isEmpty());
        const CliResult text = runCli({"predict", m_run, "--tail", "hub0", "--relation", "memberOf"});
        QVERIFY(text.out.contains("(?, memberOf, hub0)"));
        QVERIFY(text.out.contains("gates for this query"));
        const CliResult bad = runCli({"predict", m_run, "--head", "nobody", "--relation", "memberOf"});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.contains("unknown entity 'nobody'"));
    }

    void explainGivesGatesAndBestRelations()
    {
        const CliResult r = runCli({"explain", m_run, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray gates = o.value("gates").toArray();
        QCOMPARE(gates.size(), 2); // memberOf, sameGroupAs
        for (const QJsonValue &g : gates) {
            double sum = 0;
            for (const QJsonValue &w : g.toObject().value("T").toArray())
                sum += w.toDouble();
            QVERIFY(qAbs(sum - 1.0) < 1e-6);
        }
        QVERIFY(o.value("best_relations").toObject().contains("S"));
        const CliResult text = runCli({"explain", m_run});
        QVERIFY(text.out.contains("Best predicted relations per decoder"));
    }

    void resumeAndErrors()
    {
        const CliResult again = runCli({"train", "--resume", m_run});
        QCOMPARE(again.exitCode, 0); // already finished: re-tests the selected checkpoint
        QVERIFY(again.out.contains("resuming"));
        const CliResult exists = runCli(QStringList{"train", "--dataset", m_dataset, "--out", m_run} + kSmall);
        QCOMPARE(exists.exitCode, 1);
        QVERIFY(exists.err.contains("already holds a run"));
        const CliResult badValue = runCli({"train", "--dataset", m_dataset, "--out", m_dir.filePath("x"), "--experts", "0"});
        QCOMPARE(badValue.exitCode, 1);
        QVERIFY(badValue.err.contains("experts must be between 1 and 64"));
        const CliResult help = runCli({"train", "--help"});
        QVERIFY(help.out.contains("--no-exid"));
        QVERIFY(help.out.contains("mean of the active decoders' sigmoid scores"));
    }

    void benchReportsFigures()
    {
        const CliResult r = runCli({"bench", "--dataset", m_dataset, "--dim", "16", "--relation-dim", "8", "--epochs", "2",
                                    "--batch-size", "64", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        for (const char *key : {"train_epoch_seconds", "eval_seconds", "peak_rss_mb", "sgemm_gflops", "achieved_gflops"})
            QVERIFY2(o.value(key).toDouble() > 0, key);
        // eval_seconds is the median of the three evaluations listed.
        QList<double> evals;
        for (const QJsonValue v : o.value("evals_seconds").toArray())
            evals << v.toDouble();
        QCOMPARE(evals.size(), 3);
        std::sort(evals.begin(), evals.end());
        QCOMPARE(o.value("eval_seconds").toDouble(), evals[1]);
    }
};

QTEST_GUILESS_MAIN(TestCliEngine)
#include "tst_cli_engine.moc"
