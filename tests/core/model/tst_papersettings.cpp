// The paper's datasets, their settings and results rows: recognition by name and by counts,
// the per-dataset configuration `--preset paper` resolves to, and what a run records.
#include "model/PaperSettings.h"
#include "train/RunSpec.h"

#include <QtTest>

using namespace momok;

class TestPaperSettings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void keysRoundTripInAnySpelling()
    {
        for (PaperDataset d : kPaperDatasets)
            QCOMPARE(paperDatasetFromKey(paperDatasetKey(d)), std::optional<PaperDataset>(d));
        QCOMPARE(paperDatasetFromKey("mkg_y"), std::optional<PaperDataset>(PaperDataset::MkgY));
        QCOMPARE(paperDatasetFromKey("db15k"), std::optional<PaperDataset>(PaperDataset::Db15k));
        QVERIFY(!paperDatasetFromKey("FB15K-237"));
        QVERIFY(!paperDatasetFromKey(""));
    }

    void recognisedByNameThenByCounts_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<qint64>("entities");
        QTest::addColumn<qint64>("relations");
        QTest::addColumn<QString>("expected");
        QTest::newRow("MKG-W by name") << "MKG-W" << qint64(10) << qint64(2) << "MKG-W";
        QTest::newRow("name wins over counts") << "mkg-y" << qint64(15000) << qint64(169) << "MKG-Y";
        QTest::newRow("MKG-W by counts") << "my-graph" << qint64(15000) << qint64(169) << "MKG-W";
        QTest::newRow("MKG-Y by counts") << "yago" << qint64(15000) << qint64(28) << "MKG-Y";
        QTest::newRow("DB15K by counts") << "dbpedia" << qint64(12842) << qint64(279) << "DB15K";
        QTest::newRow("15,000 entities alone is not enough") << "other" << qint64(15000) << qint64(30) << "";
        QTest::newRow("countries") << "countries" << qint64(353) << qint64(7) << "";
    }

    void recognisedByNameThenByCounts()
    {
        QFETCH(QString, folder);
        QFETCH(qint64, entities);
        QFETCH(qint64, relations);
        QFETCH(QString, expected);
        const auto found = recognisePaperDataset(folder, entities, relations);
        QCOMPARE(found ? paperDatasetKey(*found) : QString(), expected);
    }

    // The authors' settings (their README and scripts), and the schedule without early stopping.
    void perDatasetSettings_data()
    {
        QTest::addColumn<int>("dataset");
        QTest::addColumn<int>("dim");
        QTest::addColumn<double>("lr");
        QTest::newRow("MKG-W") << int(PaperDataset::MkgW) << 200 << 1e-3;
        QTest::newRow("MKG-Y") << int(PaperDataset::MkgY) << 300 << 5e-4;
        QTest::newRow("DB15K") << int(PaperDataset::Db15k) << 256 << 5e-4;
    }

    void perDatasetSettings()
    {
        QFETCH(int, dataset);
        QFETCH(int, dim);
        QFETCH(double, lr);
        const ModelConfig c = paperConfig(PaperDataset(dataset));
        QCOMPARE(c.dim, dim);
        QCOMPARE(c.relationDim, 256);
        QCOMPARE(c.learningRate, lr);
        QCOMPARE(c.estimatorLearningRate, lr);
        QCOMPARE(c.mu, 1e-4);
        QCOMPARE(c.epochs, 2000);
        QCOMPARE(c.evalEvery, 100);
        QVERIFY(c.patience * c.evalEvery > c.epochs); // never stops early
        QVERIFY(c.isFullModel());
        QVERIFY(c.validate().isEmpty());
    }

    void datasetFreePresetIsTheSchedule()
    {
        ModelConfig c;
        c.dim = 7;
        QVERIFY(ModelConfig::applyPreset("paper", &c));
        QCOMPARE(c.dim, 256);
        QCOMPARE(c.epochs, 2000);
        QCOMPARE(c.evalEvery, 100);
        QVERIFY(c.patience * c.evalEvery > c.epochs);
        QCOMPARE(c.estimatorLearningRate, c.learningRate);
    }

    void paperRowsAreThePapers()
    {
        QCOMPARE(paperMoMoKRow(PaperDataset::MkgY).mrr, 37.91);
        QCOMPARE(paperTuckerRow(PaperDataset::MkgY).mrr, 37.05);
        QCOMPARE(paperTuckerRow(PaperDataset::Db15k).mrr, 33.86);
        QCOMPARE(paperTuckerRow(PaperDataset::MkgW).mrr, 29.59);
        QCOMPARE(paperMoMoKRow(PaperDataset::Db15k).hits10, 54.14);
        QVERIFY(paperMoMoKRow(PaperDataset::MkgW).hits10 < 0); // not given for MKG-W
    }

    void runRecordsItsPaperRow()
    {
        RunSpec spec;
        spec.paperRow = paperDatasetKey(PaperDataset::Db15k);
        QCOMPARE(RunSpec::fromJson(spec.toJson()).paperRow, QStringLiteral("DB15K"));
        QVERIFY(!RunSpec().toJson().contains("paper_row")); // other runs' run.json is unchanged
    }
};

QTEST_GUILESS_MAIN(TestPaperSettings)
#include "tst_papersettings.moc"
