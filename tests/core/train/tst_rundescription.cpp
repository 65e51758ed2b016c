// describeRun(): what a run used, from its run.json (both format versions) or a bare
// configuration; the one description the CLI, the Runs tab and the run chooser show.
// Also the vocabulary's keys, the configuration's keyed problems it builds on, and the one rule
// for English counts that every layer's texts use (pluralised).
#include "domain/Plural.h"
#include "domain/Vocabulary.h"
#include "model/ModelConfig.h"
#include "storage/WorkspaceRecords.h"
#include "train/RunDescription.h"
#include "train/RunSpec.h"

#include <QtTest>

using namespace momok;
using Kind = FeatureSource::Kind;

namespace {

RunSpec quickDemoSpec()
{
    RunSpec spec;
    spec.runDir = QStringLiteral("/runs/countries");
    spec.datasetDir = QStringLiteral("/data/countries");
    ModelConfig::applyPreset(QStringLiteral("quick-demo"), &spec.config);
    return spec;
}

const char *kImageSignature = "lab-hist8x12x12+thumb8+hog4x9@128/v3";
const char *kTextSignature = "tfidf-words1-2+chars3-5-signed384/v2";

EvaluationRecord evaluation(qint64 id, Split split, double mrr)
{
    EvaluationRecord e;
    e.id = id;
    e.split = split;
    e.headline.mrr = mrr;
    return e;
}

} // namespace

class TestRunDescription : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void extractedFeaturesNameMethodAndVersion()
    {
        RunSpec spec = quickDemoSpec();
        spec.imageSource = {Kind::Extracted, QString::fromLatin1(kImageSignature)};
        spec.textSource = {Kind::Extracted, QString::fromLatin1(kTextSignature)};
        // Through run.json's text, as the CLI and the workspace read it.
        const RunDescription d = describeRun(RunSpec::fromJson(spec.toJson()).toJson());
        QCOMPARE(d.image.kind, Kind::Extracted);
        QCOMPARE(d.text.detail, QString::fromLatin1(kTextSignature));
        QCOMPARE(decoderKeys(d.decoders), (QStringList{"S", "I", "T", "joint"}));
        QCOMPARE(d.featuresText(), QStringLiteral("image and text extracted (lab-hist v3, tfidf-words v2)"));
        QCOMPARE(d.summary(),
                 QStringLiteral("S I T joint · K=3 · d=64 · 100 epochs · image and text extracted (lab-hist v3, tfidf-words v2)"));
        QVERIFY(d.fullModel);
        const QJsonObject json = d.toJson();
        QCOMPARE(json.value("image_features").toObject().value("kind").toString(), QStringLiteral("extracted"));
        QCOMPARE(json.value("image_features").toObject().value("method").toString(), QStringLiteral("lab-hist v3"));
        QCOMPARE(json.value("image_features").toObject().value("signature").toString(), QString::fromLatin1(kImageSignature));
    }

    void modalityWithoutFeaturesHasNoDecoder()
    {
        RunSpec spec = quickDemoSpec();
        spec.imageSource = {Kind::File, QStringLiteral("/features/img.npy")};
        spec.textSource = {Kind::None, {}};
        const RunDescription d = describeRun(spec.toJson());
        QCOMPARE(decoderKeys(d.decoders), (QStringList{"S", "I", "joint"}));
        QCOMPARE(d.featuresText(), QStringLiteral("image file img.npy, text none"));
    }

    void ablationsAreListedInThePostersOrder()
    {
        RunSpec spec = quickDemoSpec();
        spec.randomFeatures = true;
        spec.imageSource = spec.textSource = {Kind::Random, {}};
        spec.config.exid = false;
        spec.config.gateNoise = false;
        spec.config.fineTuneFeatures = false;
        const RunDescription d = describeRun(spec.toJson());
        QCOMPARE(d.ablations, (QStringList{"w/o noise δ", "w/o ExID", "fixed feature tables"}));
        QVERIFY(!d.fullModel);
        QCOMPARE(d.featuresText(), QStringLiteral("random features"));
    }

    // run.json of format version 1 had no feature sources: the record's own fields decide.
    void formatVersionOneReadsWhatItSays()
    {
        RunSpec spec = quickDemoSpec();
        QJsonObject v1 = spec.toJson();
        v1.remove("format_version");
        v1.remove("feature_sources");
        QCOMPARE(RunSpec::fromJson(v1).formatVersion, 1);

        v1.insert("extract_features", false);
        RunDescription d = describeRun(v1);
        QCOMPARE(d.image.kind, Kind::None);
        QCOMPARE(decoderKeys(d.decoders), (QStringList{"S", "joint"}));
        QCOMPARE(d.featuresText(), QStringLiteral("no image/text features"));

        v1.insert("extract_features", true);
        d = describeRun(v1);
        QCOMPARE(d.image.kind, Kind::Unknown);
        QCOMPARE(decoderKeys(d.decoders), (QStringList{"S", "I", "T", "joint"}));
        QCOMPARE(d.featuresText(), QStringLiteral("image and text extracted where present"));

        v1.insert("image_features", "/f/img.npy");
        d = describeRun(v1);
        QCOMPARE(d.image.kind, Kind::File);
        QCOMPARE(d.featuresText(), QStringLiteral("image file img.npy, text extracted if present"));
    }

    // An edited run.json's seed outside [0, 2^64) (found by fuzzing: converting it was
    // undefined behaviour) keeps the default; an exact one is read exactly.
    void outOfRangeSeedKeepsTheDefault()
    {
        const uint64_t fallback = ModelConfig().seed;
        for (const QJsonValue &bad : {QJsonValue(6.1e111), QJsonValue(-5.0), QJsonValue(1.8446744073709552e19)})
            QCOMPARE(ModelConfig::fromJson(QJsonObject{{"seed", bad}}).seed, fallback);
        QCOMPARE(ModelConfig::fromJson(QJsonObject{{"seed", 12345.0}}).seed, uint64_t(12345));
        QCOMPARE(ModelConfig::fromJson(QJsonObject{{"seed", "18446744073709551615"}}).seed, UINT64_MAX);
    }

    void newerFormatIsRefused()
    {
        QTemporaryDir dir;
        RunSpec spec = quickDemoSpec();
        spec.runDir = dir.path();
        QString error;
        QVERIFY2(spec.save(&error), qPrintable(error));
        RunSpec loaded;
        QVERIFY2(RunSpec::load(dir.path(), &loaded, &error), qPrintable(error));
        QCOMPARE(loaded.formatVersion, RunSpec::kFormatVersion);

        QJsonObject newer = spec.toJson();
        newer.insert("format_version", RunSpec::kFormatVersion + 1);
        QFile file(dir.filePath("run.json"));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(QJsonDocument(newer).toJson());
        file.close();
        QVERIFY(!RunSpec::load(dir.path(), &loaded, &error));
        QVERIFY2(error.contains("newer") && error.contains("run.json"), qPrintable(error));
    }

    void bareConfigurationIsDescribedToo()
    {
        ModelConfig c;
        c.useImage = false;
        const RunDescription d = describeRun(c.toJson());
        QCOMPARE(decoderKeys(d.decoders), (QStringList{"S", "T", "joint"}));
        QCOMPARE(d.dim, 256);
    }

    void vocabularyKeysRoundTrip()
    {
        for (Decoder d : kDecoders)
            QCOMPARE(decoderFromKey(decoderKey(d)), std::optional<Decoder>(d));
        for (Modality m : kModalities) {
            QCOMPARE(modalityFromKey(modalityKey(m)), std::optional<Modality>(m));
            QCOMPARE(modalityOf(decoderOf(m)), std::optional<Modality>(m));
        }
        for (Split s : kSplits)
            QCOMPARE(splitFromName(splitName(s)), std::optional<Split>(s));
        for (RunStatus s : {RunStatus::Running, RunStatus::Finished, RunStatus::Cancelled, RunStatus::Failed,
                            RunStatus::Interrupted})
            QCOMPARE(runStatusFromName(runStatusName(s)), std::optional<RunStatus>(s));
        QVERIFY(!decoderFromKey(u"J"));
        QVERIFY(!modalityOf(Decoder::Joint));
        QCOMPARE(runStatusAfter(Outcome::Cancelled), RunStatus::Cancelled);
        QCOMPARE(runStatusAfter(Outcome::Failed), RunStatus::Failed);
        // Only runs stopped before their end resume; a finished, failed or running one does not.
        QVERIFY(runStoppedEarly(RunStatus::Cancelled) && runStoppedEarly(RunStatus::Interrupted));
        QVERIFY(!runStoppedEarly(RunStatus::Finished) && !runStoppedEarly(RunStatus::Failed)
                && !runStoppedEarly(RunStatus::Running));
    }

    // "(s)" and "(singular|plural)" marks take the count's form; other parentheses stay as written,
    // and so does what is substituted after (a name with "(s)" in it).
    void countsTakeTheirEnglishForm()
    {
        QCOMPARE(pluralised(QStringLiteral("%1 run(s)"), 1).arg(1), QStringLiteral("1 run"));
        QCOMPARE(pluralised(QStringLiteral("%1 run(s)"), 0).arg(0), QStringLiteral("0 runs"));
        QCOMPARE(pluralised(QStringLiteral("%1 run(s)"), 2).arg(2), QStringLiteral("2 runs"));
        QCOMPARE(pluralised(QStringLiteral("%1 run(s)"), -1).arg(-1), QStringLiteral("-1 runs"));
        QCOMPARE(pluralised(QStringLiteral("%1 entit(y is|ies are) left"), 1).arg(1), QStringLiteral("1 entity is left"));
        QCOMPARE(pluralised(QStringLiteral("%1 entit(y is|ies are) left"), 3).arg(3),
                 QStringLiteral("3 entities are left"));
        QCOMPARE(pluralised(QStringLiteral("%1 match(|es)"), 1).arg(1), QStringLiteral("1 match"));
        QCOMPARE(pluralised(QStringLiteral("%1 match(|es)"), 7).arg(7), QStringLiteral("7 matches"));
        // A parenthesis that is not a mark, with a mark inside it and after it.
        QCOMPARE(pluralised(QStringLiteral("%1 triple(s) (kept: --drop-unseen drops (it|them)) (a|b|c) (s"), 1).arg(1),
                 QStringLiteral("1 triple (kept: --drop-unseen drops it) (a|b|c) (s"));
        QCOMPARE(pluralised(QStringLiteral("(Ctrl+click) %1 hit(s)"), 4).arg(4), QStringLiteral("(Ctrl+click) 4 hits"));
        QCOMPARE(pluralised(QStringLiteral("%1"), 2).arg(QStringLiteral("data(s)")), QStringLiteral("data(s)"));
        QCOMPARE(pluralised(QString(), 2), QString());
        // Qt's %n texts: tr() puts the number in and keeps the mark; pluralised() then resolves it.
        QCOMPARE(pluralised(QCoreApplication::translate("Test", "%n relation(s)", nullptr, 1), 1),
                 QStringLiteral("1 relation"));
        QCOMPARE(pluralised(QCoreApplication::translate("Test", "%n relation(s)", nullptr, 12), 12),
                 QStringLiteral("12 relations"));
    }

    // The rule for a run's reported evaluation: the latest test one, else the best validation one.
    void evaluationChoiceRules()
    {
        const QVector<EvaluationRecord> validOnly{evaluation(1, Split::Valid, 30), evaluation(2, Split::Valid, 40),
                                                  evaluation(3, Split::Valid, 35)};
        QCOMPARE(bestEvaluation(validOnly, Split::Valid)->id, 2);
        QCOMPARE(latestEvaluation(validOnly, Split::Valid)->id, 3);
        QVERIFY(!latestEvaluation(validOnly, Split::Test));
        QCOMPARE(reportedEvaluation(validOnly)->id, 2);
        QVector<EvaluationRecord> withTests = validOnly;
        withTests << evaluation(4, Split::Test, 20) << evaluation(5, Split::Valid, 50) << evaluation(6, Split::Test, 25);
        QCOMPARE(reportedEvaluation(withTests)->id, 6);
        QVERIFY(!reportedEvaluation({}));
    }

    // Every rule is keyed by the setting it is about, with the setting's key from toJson().
    void configurationProblemsAreKeyedBySetting()
    {
        ModelConfig c;
        QVERIFY(c.validate().isEmpty());
        c.learningRate = -1;
        c.estimatorLearningRate = 0;
        c.inputDropout = 1.5;
        c.useStructure = c.useImage = c.useText = c.useJoint = false;
        const QVector<ConfigProblem> problems = c.validate();
        QStringList settings;
        for (const ConfigProblem &p : problems) {
            settings << p.setting;
            QVERIFY2(ModelConfig().toJson().contains(p.setting), qPrintable(p.setting));
        }
        QCOMPARE(settings, (QStringList{"input_dropout", "use_structure", "learning_rate", "estimator_learning_rate"}));
        QVERIFY(problems[2].message.contains("-1"));
    }
};

QTEST_GUILESS_MAIN(TestRunDescription)
#include "tst_rundescription.moc"
