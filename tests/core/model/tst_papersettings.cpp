// The paper's datasets, their settings and results rows: recognition by name and by counts,
// the per-dataset configuration `--preset paper` resolves to, what a run records, and the
// authors' per-dataset feature layout against a transcription of their reshaping.
#include "SyntheticGraph.h"
#include "model/MoMoKModel.h"
#include "model/PaperSettings.h"
#include "train/RunSpec.h"
#include "train/RunContext.h"
#include "train/TrainedRun.h"

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

    // Their reshaping (RelMoE.__init__), transcribed op for op: F.normalize, view, then
    // AvgPool2d(4, stride=4) or AdaptiveAvgPool2d((4, 64)), view(E, -1).
    void referenceLayoutMatchesTheAuthorsReshaping()
    {
        torch::manual_seed(3);
        namespace F = torch::nn::functional;
        auto unit = [](const torch::Tensor &x) { return F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1)); };
        torch::nn::AvgPool2d avg(torch::nn::AvgPool2dOptions(4).stride(4));
        torch::nn::AdaptiveAvgPool2d adaptive(torch::nn::AdaptiveAvgPool2dOptions({4, 64}));
        const int64_t n = 9;
        QString error;
        torch::Tensor out;

        const auto dbImage = torch::rand({n, 4096}), dbText = torch::randn({n, 768});
        QVERIFY(referenceFeatureLayout(PaperDataset::Db15k, Modality::Image, dbImage, &out, &error));
        QVERIFY(torch::allclose(out, avg(unit(dbImage).view({-1, 64, 64})).view({n, -1}), 1e-6, 1e-7));
        QCOMPARE(out.size(1), 256);
        QVERIFY(referenceFeatureLayout(PaperDataset::Db15k, Modality::Text, dbText, &out, &error));
        QVERIFY(torch::allclose(out, adaptive(unit(dbText).view({-1, 12, 64})).view({n, -1}), 1e-6, 1e-7));
        QCOMPARE(out.size(1), 256);

        for (PaperDataset mkg : {PaperDataset::MkgW, PaperDataset::MkgY}) {
            const auto image = torch::randn({n, 383}), text = torch::randn({n, 384});
            QVERIFY(referenceFeatureLayout(mkg, Modality::Image, image, &out, &error));
            QVERIFY(torch::allclose(out, unit(image).view({n, -1}), 1e-6, 1e-7)); // as it is
            QVERIFY(referenceFeatureLayout(mkg, Modality::Text, text, &out, &error));
            QVERIFY(torch::allclose(out, adaptive(unit(text).view({-1, 12, 32})).view({n, -1}), 1e-6, 1e-7));
            QCOMPARE(out.size(1), 256);
        }

        // Widths their code would not take are refused, naming the width it takes.
        QVERIFY(!referenceFeatureLayout(PaperDataset::Db15k, Modality::Image, torch::randn({n, 2048}), &out, &error));
        QVERIFY2(error.contains("DB15K image features 4096 wide, not 2048"), qPrintable(error));
        QVERIFY(!referenceFeatureLayout(PaperDataset::MkgY, Modality::Text, torch::randn({n, 768}), &out, &error));
        QVERIFY2(error.contains("MKG-Y text features 384 wide, not 768"), qPrintable(error));
        QVERIFY(referenceFeatureLayout(PaperDataset::MkgY, Modality::Text, torch::Tensor(), &out, &error));
        QVERIFY(!out.defined());
    }

    // A run with feature_layout "reference" builds its tables that way, on a paper dataset only.
    void runsUseTheLayoutOnPaperDatasetsOnly()
    {
        QTemporaryDir dir;
        auto spec = [&](const QString &folder) {
            RunSpec s;
            s.datasetDir = dir.filePath(folder);
            momok::testing::writeCommunityGraph(s.datasetDir);
            s.randomFeatures = true; // image 256 wide, text 384
            s.config.dim = s.config.relationDim = 8;
            s.config.maxFeatureWidth = 32;
            s.config.featureLayout = QStringLiteral("reference");
            return s;
        };
        QString error;
        auto mkg = TrainedRun::create(spec("MKG-Y"), &error);
        QVERIFY2(mkg, qPrintable(error));
        QCOMPARE(mkg->modalityWidth(Modality::Image), 256); // as it is, not pooled to 32
        QCOMPARE(mkg->modalityWidth(Modality::Text), 256);  // 12×32 → 4×64

        QVERIFY(!TrainedRun::create(spec("DB15K"), &error));
        QVERIFY2(error.contains("the image features: feature layout 'reference'") && error.contains("4096 wide, not 256"),
                 qPrintable(error));
        QVERIFY(!TrainedRun::create(spec("other"), &error));
        QVERIFY2(error.contains("is none of the paper's datasets"), qPrintable(error));

        // Texts to extract on DB15K: the built-in features are 384 wide, the layout takes 768.
        // Refused before any extraction starts (no progress at all).
        RunSpec texts = spec("DB15K-texts/DB15K");
        texts.randomFeatures = false;
        {
            QFile f(QDir(texts.datasetDir).filePath("entity_text.tsv"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("m0_0\tthe first member of group zero\n");
        }
        int progressReports = 0;
        Feedback feedback([&](const Progress &) { ++progressReports; }, 0);
        QVERIFY(!RunContext::create(texts, &error, &feedback));
        QVERIFY2(error.contains("would be extracted by the built-in text features (384 wide)")
                     && error.contains("768 wide, not 384"),
                 qPrintable(error));
        QCOMPARE(progressReports, 0);

        RunSpec engine = spec("engine-layout");
        engine.config.featureLayout = QStringLiteral("engine");
        auto pooled = TrainedRun::create(engine, &error);
        QVERIFY2(pooled, qPrintable(error));
        QCOMPARE(pooled->modalityWidth(Modality::Text), 32);

        ModelConfig bad;
        bad.featureLayout = QStringLiteral("authors");
        QVERIFY(!bad.validate().isEmpty());
        QCOMPARE(bad.validate().first().setting, QStringLiteral("feature_layout"));
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
