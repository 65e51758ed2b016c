// Runs on datasets with images and texts but no feature files get extracted features;
// --no-extract and older runs keep the modality absent; the CLI commands work end to end.
#include "CliRunner.h"
#include "data/FeatureIo.h"
#include "runtime/ComputeEnvironment.h"
#include "teaching/TeachingGraphGenerator.h"
#include "train/RunContext.h"
#include "train/Trainer.h"

#include <QtTest>

using namespace momok;

class TestRunExtraction : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_dataset;

    RunSpec spec() const
    {
        RunSpec s;
        s.datasetDir = m_dataset;
        s.runDir = m_dir.filePath("run");
        s.config.dim = 16;
        s.config.relationDim = 8;
        s.config.maxFeatureWidth = 32;
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        configureComputeEnvironment(2);
        qputenv("MOMOK_CACHE_DIR", m_dir.filePath("cache").toUtf8());
        m_dataset = m_dir.filePath("teaching");
        TeachingOptions options;
        options.entities = 60;
        QString error;
        QVERIFY2(TeachingGraphGenerator::generate(m_dataset, options, nullptr, &error), qPrintable(error));
    }

    void extractsWhenNoFeatureFileIsGiven()
    {
        QString error;
        int reports = 0;
        Feedback feedback([&](const Progress &) { ++reports; });
        auto context = RunContext::create(spec(), &error, &feedback);
        QVERIFY2(context, qPrintable(error));
        QVERIFY(reports > 0);
        QVERIFY(context->model->modalityPresent(int(Modality::Image)));
        QVERIFY(context->model->modalityPresent(int(Modality::Text)));
        const torch::Tensor imageTable = context->model->entityTables()[int(Modality::Image)];
        QCOMPARE(imageTable.size(0), context->dataset.entityCount());
        QCOMPARE(imageTable.size(1), int64_t(32));
        // 60 objects + 6 colour swatches + 3 pattern samples have images; objects, materials and origins texts.
        QCOMPARE(std::accumulate(context->imagePresent.begin(), context->imagePresent.end(), 0), 69);
        QCOMPARE(std::accumulate(context->textPresent.begin(), context->textPresent.end(), 0), 71);
        QCOMPARE(context->spec.imageSource.kind, FeatureSource::Kind::Extracted);
        QCOMPARE(context->spec.textSource.kind, FeatureSource::Kind::Extracted);
        QVERIFY(context->spec.imageSource.detail.startsWith("lab-hist"));
        QVERIFY(context->spec.textSource.detail.startsWith("tfidf"));
    }

    void noExtractLeavesModalitiesAbsent()
    {
        RunSpec s = spec();
        s.extractFeatures = false;
        QString error;
        auto context = RunContext::create(s, &error);
        QVERIFY2(context, qPrintable(error));
        QVERIFY(!context->model->modalityPresent(int(Modality::Image)));
        QVERIFY(!context->model->modalityPresent(int(Modality::Text)));
        // Runs written before extraction existed have no key: they read back without it.
        QJsonObject json = spec().toJson();
        json.remove("extract_features");
        QVERIFY(!RunSpec::fromJson(json).extractFeatures);
        QVERIFY(RunSpec::fromJson(spec().toJson()).extractFeatures);
    }

    void cancelledExtractionIsReported()
    {
        QDir(m_dir.filePath("cache")).removeRecursively();
        Feedback cancel;
        cancel.cancel();
        QString error;
        auto context = RunContext::create(spec(), &error, &cancel);
        QVERIFY(!context);
        QVERIFY2(error.contains("cancelled"), qPrintable(error));
    }

    // The trainer passes its preparation hooks to the extraction: the app's training
    // panel shows this progress, and its Cancel stops an extraction.
    void trainerReportsAndCancelsPreparation()
    {
        QDir(m_dir.filePath("cache")).removeRecursively();
        int reports = 0;
        Feedback feedback([&](const Progress &p) {
            QVERIFY(p.stage == WorkStage::HashingInputs || p.stage == WorkStage::ExtractingImages
                    || p.stage == WorkStage::ExtractingTexts);
            ++reports;
        });
        Trainer trainer;
        RunSpec s = spec();
        s.runDir = m_dir.filePath("run-hooks");
        QString error;
        QVERIFY2(trainer.start(s, &feedback, &error), qPrintable(error));
        QVERIFY(reports > 0);

        QDir(m_dir.filePath("cache")).removeRecursively();
        Feedback cancel;
        cancel.cancel();
        Trainer cancelled;
        s.runDir = m_dir.filePath("run-hooks-cancelled");
        QVERIFY(!cancelled.start(s, &cancel, &error));
        QVERIFY2(error.contains("cancelled"), qPrintable(error));
    }

    void featuresCommandWritesMatrices()
    {
        const QString out = m_dir.filePath("features");
        const testing::CliResult r = testing::runCli({"features", m_dataset, "--out", out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QString error;
        const torch::Tensor image = FeatureIo::load(QDir(out).filePath("image_features.npy"), &error);
        const torch::Tensor text = FeatureIo::load(QDir(out).filePath("text_features.npy"), &error);
        QVERIFY2(image.defined() && text.defined(), qPrintable(error));
        QCOMPARE(image.size(0), int64_t(60 + 6 + 3 + 6 + 5 + 6));
        QCOMPARE(text.size(1), int64_t(384));
        // Entities without an image are zero rows, which the engine reads as missing.
        QCOMPARE(image.abs().sum(1).gt(0).sum().item<int64_t>(), int64_t(69));
        // A run given these files sees the same presence as one that extracts itself.
        RunSpec s = spec();
        s.imageFeatures = QDir(out).filePath("image_features.npy");
        s.textFeatures = QDir(out).filePath("text_features.npy");
        auto context = RunContext::create(s, &error);
        QVERIFY2(context, qPrintable(error));
        QCOMPARE(std::accumulate(context->imagePresent.begin(), context->imagePresent.end(), 0), 69);
    }

    void makeTeachingCommand()
    {
        testing::CliResult r = testing::runCli({"make-teaching", "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("--noise") && r.out.contains("--entities") && r.out.contains("--seed"));
        const QString out = m_dir.filePath("cli-teaching");
        r = testing::runCli({"make-teaching", out, "--seed", "9", "--entities", "70", "--noise", "0.1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("hasColour") && QFile::exists(QDir(out).filePath("planted_modalities.tsv")));
        r = testing::runCli({"make-teaching", out});
        QCOMPARE(r.exitCode, 1); // not empty any more
        QVERIFY(r.err.contains("not empty"));
        r = testing::runCli({"make-teaching", m_dir.filePath("x"), "--noise", "0.9"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("noise"));
    }
};

QTEST_GUILESS_MAIN(TestRunExtraction)
#include "tst_runextraction.moc"
