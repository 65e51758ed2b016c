// `momok info DIR [--json]`: what a dataset holds and everything wrong with it, as a
// user sees it (text), as scripts read it (JSON), and its exit status.
#include "CliRunner.h"
#include "DatasetFixtures.h"

#include "data/FeatureIo.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace momok::fixtures;
using momok::testing::CliResult;
using momok::testing::runCli;

namespace {

QJsonObject jsonOf(const CliResult &r)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON (%s): %s", qPrintable(error.errorString()), qPrintable(r.out));
    return doc.object();
}

} // namespace

class TestCliInfo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void countriesText()
    {
        const CliResult r = runCli({"info", countriesDir()});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QVERIFY2(r.out.contains("format:      named triples\n"), qPrintable(r.out));
        QVERIFY(r.out.contains("entities:    353\n"));
        QVERIFY(r.out.contains("relations:   7\n"));
        QVERIFY(r.out.contains("train     1187       353          7\n"));
        QVERIFY(r.out.contains("valid      145"));
        QVERIFY(r.out.contains("test       145"));
        QVERIFY(r.out.contains("image      236 of 353 entities (236 files, 236 thumbnails)\n"));
        QVERIFY(r.out.contains("text       353 of 353 entities\n"));
        QVERIFY(r.out.contains("type       353 of 353 entities\n"));
        QVERIFY(r.out.contains("problems:    0 errors, 0 warnings\n"));
        QVERIFY(r.out.contains("status:      usable\n"));
    }

    void countriesJson()
    {
        const CliResult r = runCli({"info", countriesDir(), "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = jsonOf(r);
        QCOMPARE(o.value("usable").toBool(), true);
        QCOMPARE(o.value("format").toString(), QStringLiteral("named"));
        QCOMPARE(o.value("entities").toInt(), 353);
        QCOMPARE(o.value("relations").toInt(), 7);
        const QJsonObject splits = o.value("splits").toObject();
        QCOMPARE(splits.value("train").toObject().value("triples").toInt(), 1187);
        QCOMPARE(splits.value("valid").toObject().value("triples").toInt(), 145);
        QCOMPARE(splits.value("test").toObject().value("triples").toInt(), 145);
        QCOMPARE(splits.value("train").toObject().value("entities").toInt(), 353);
        const QJsonObject modalities = o.value("modalities").toObject();
        QCOMPARE(modalities.value("image").toObject().value("entities").toInt(), 236);
        QCOMPARE(modalities.value("image").toObject().value("thumbnails").toInt(), 236);
        QCOMPARE(modalities.value("text").toObject().value("entities").toInt(), 353);
        QVERIFY(modalities.value("features").toObject().isEmpty());
        QCOMPARE(o.value("problems").toArray().size(), 0);
        QCOMPARE(o.value("errors").toInt(), 0);
    }

    void featureFilesAndFormat()
    {
        QTemporaryDir tmp;
        writeOpenKe(tmp.path());
        torch::Tensor image = torch::ones({5, 8});
        image[3].zero_();
        QString error;
        QVERIFY2(momok::FeatureIo::save(tmp.filePath("image_features.npy"), image, &error), qPrintable(error));
        const CliResult r = runCli({"info", tmp.path(), "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = jsonOf(r);
        QCOMPARE(o.value("format").toString(), QStringLiteral("openke"));
        const QJsonObject image_ = o.value("modalities").toObject().value("features").toObject().value("image").toObject();
        QCOMPARE(image_.value("rows").toInt(), 5);
        QCOMPARE(image_.value("columns").toInt(), 8);
        QCOMPARE(image_.value("entities").toInt(), 4);
        QVERIFY(!o.value("modalities").toObject().value("features").toObject().contains("text"));

        const CliResult text = runCli({"info", tmp.path()});
        QVERIFY2(text.out.contains("format:      OpenKE ids\n"), qPrintable(text.out));
        QVERIFY2(text.out.contains("image features image_features.npy, 5×8, 4 of 5 entities"), qPrintable(text.out));
        QVERIFY(text.out.contains("image      none\n"));
    }

    void unusableDataset()
    {
        QTemporaryDir tmp;
        writeNamed(tmp.path(), true);
        writeFile(tmp.filePath("train.txt"), "a likes b .\nb likes\nc knows zed .\n");
        const CliResult r = runCli({"info", tmp.path()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("format:      named triples\n"), qPrintable(r.out));
        QVERIFY(r.out.contains("problems:    2 errors, "));
        QVERIFY(r.out.contains("error: train.txt:2: expected 3 columns (HEAD RELATION TAIL [.]), found 2\n"));
        QVERIFY(r.out.contains("error: train.txt:3: unknown entity 'zed' (not in entity2id.txt)\n"));
        QVERIFY(r.out.contains("status:      unusable\n"));
        QVERIFY(!r.out.contains("entities:"));

        const CliResult j = runCli({"info", tmp.path(), "--json"});
        QCOMPARE(j.exitCode, 1);
        const QJsonObject o = jsonOf(j);
        QCOMPARE(o.value("usable").toBool(), false);
        QCOMPARE(o.value("format").toString(), QStringLiteral("named"));
        QVERIFY(!o.contains("entities"));
        QCOMPARE(o.value("errors").toInt(), 2);
        const QJsonArray problems = o.value("problems").toArray();
        QCOMPARE(problems.size(), 2 + o.value("warnings").toInt());
        const QJsonObject first = problems[0].toObject();
        QCOMPARE(first.value("severity").toString(), QStringLiteral("error"));
        QCOMPARE(first.value("file").toString(), QStringLiteral("train.txt"));
        QCOMPARE(first.value("line").toInt(), 2);
        QVERIFY(first.value("reason").toString().startsWith("expected 3 columns"));
    }

    void warningsKeepADatasetUsable()
    {
        const CliResult r = runCli({"info", QStringLiteral(MOMOK_BENCHMARK_DATASETS "/MKG-Y"), "--json", "--repeat", "2"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = jsonOf(r);
        QCOMPARE(o.value("entities").toInt(), 15000);
        QCOMPARE(o.value("relations").toInt(), 28);
        QCOMPARE(o.value("splits").toObject().value("test").toObject().value("triples").toInt(), 2663);
        QCOMPARE(o.value("warnings").toInt(), 2);
        QCOMPARE(o.value("repeats").toInt(), 2);
        QVERIFY(o.value("seconds").toDouble() > 0);

        const CliResult dropped = runCli({"info", QStringLiteral(MOMOK_BENCHMARK_DATASETS "/MKG-Y"), "--drop-unseen"});
        QVERIFY2(dropped.exitCode == 0, qPrintable(dropped.err));
        QVERIFY2(dropped.out.contains("warning: test.txt: dropped 388 triples with an entity"), qPrintable(dropped.out));
    }

    void helpAndUsage()
    {
        const CliResult help = runCli({"info", "--help"});
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.out.contains("momok info"), qPrintable(help.out));
        for (const char *text : {"--json", "--drop-unseen", "--no-image-check", "--repeat", "Exit status", "DIR"})
            QVERIFY2(help.out.contains(text), text);

        const CliResult listed = runCli({"--help"});
        QVERIFY(listed.out.contains("info"));

        QCOMPARE(runCli({"info"}).exitCode, 2);
        QCOMPARE(runCli({"info", countriesDir(), "--repeat", "zero"}).exitCode, 2);
        QCOMPARE(runCli({"info", countriesDir(), "--bogus"}).exitCode, 2);
        const CliResult missing = runCli({"info", "/nonexistent/dataset"});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.out.contains("folder does not exist"));
    }
};

QTEST_GUILESS_MAIN(TestCliInfo)
#include "tst_cli_info.moc"
