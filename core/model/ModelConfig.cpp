#include "model/ModelConfig.h"

#include "model/PaperSettings.h"

#include <QJsonValue>

namespace momok {

namespace {

// One table drives toJson and fromJson so the two can never drift apart.
template <typename Visitor>
void visitFields(ModelConfig &c, Visitor &&v)
{
    v("dim", c.dim);
    v("relation_dim", c.relationDim);
    v("max_feature_width", c.maxFeatureWidth);
    v("fine_tune_features", c.fineTuneFeatures);
    v("experts", c.experts);
    v("expert_dropout", c.expertDropout);
    v("input_dropout", c.inputDropout);
    v("hidden_dropout", c.hiddenDropout);
    v("output_dropout", c.outputDropout);
    v("fusion_dropout", c.fusionDropout);
    v("fusion_heads", c.fusionHeads);
    v("use_structure", c.useStructure);
    v("use_image", c.useImage);
    v("use_text", c.useText);
    v("use_joint", c.useJoint);
    v("relation_temperature", c.relationTemperature);
    v("gate_noise", c.gateNoise);
    v("adaptive_fusion", c.adaptiveFusion);
    v("joint_training", c.jointTraining);
    v("exid", c.exid);
    v("decision", c.decision);
    v("feature_layout", c.featureLayout);
    v("learning_rate", c.learningRate);
    v("lr_decay", c.lrDecay);
    v("batch_size", c.batchSize);
    v("epochs", c.epochs);
    v("label_smoothing", c.labelSmoothing);
    v("mu", c.mu);
    v("estimator_learning_rate", c.estimatorLearningRate);
    v("shared_relation_mask", c.sharedRelationMask);
    v("eval_every", c.evalEvery);
    v("patience", c.patience);
    v("eval_batch_size", c.evalBatchSize);
    v("device", c.device);
    v("threads", c.threads);
    v("seed", c.seed);
}

struct ToJson {
    QJsonObject &o;
    void operator()(const char *k, int v) { o.insert(k, v); }
    void operator()(const char *k, double v) { o.insert(k, v); }
    void operator()(const char *k, bool v) { o.insert(k, v); }
    void operator()(const char *k, const QString &v) { o.insert(k, v); }
    void operator()(const char *k, uint64_t v) { o.insert(k, QString::number(v)); }
};

struct FromJson {
    const QJsonObject &o;
    void operator()(const char *k, int &v) { if (o.contains(k)) v = o.value(k).toInt(v); }
    void operator()(const char *k, double &v) { if (o.contains(k)) v = o.value(k).toDouble(v); }
    void operator()(const char *k, bool &v) { if (o.contains(k)) v = o.value(k).toBool(v); }
    void operator()(const char *k, QString &v) { if (o.contains(k)) v = o.value(k).toString(v); }
    void operator()(const char *k, uint64_t &v)
    {
        if (!o.contains(k))
            return;
        const QJsonValue j = o.value(k);
        if (j.isString()) {
            v = j.toString().toULongLong();
            return;
        }
        // Converting a double outside [0, 2^64) (or NaN) is undefined: such a value keeps the default.
        const double d = j.toDouble(-1);
        if (d >= 0 && d < 18446744073709551616.0)
            v = uint64_t(d);
    }
};

} // namespace

QVector<Decoder> ModelConfig::activeDecoders() const
{
    QVector<Decoder> decoders;
    if (useStructure) decoders << Decoder::Structure;
    if (useImage) decoders << Decoder::Image;
    if (useText) decoders << Decoder::Text;
    if (useJoint && jointTraining) decoders << Decoder::Joint;
    return decoders;
}

QStringList ModelConfig::activeDecoderKeys() const { return decoderKeys(activeDecoders()); }

bool ModelConfig::isFullModel() const
{
    return useStructure && useImage && useText && useJoint && relationTemperature && gateNoise && adaptiveFusion
        && jointTraining && exid;
}

QVector<ConfigProblem> ModelConfig::validate() const
{
    QVector<ConfigProblem> problems;
    auto require = [&problems](bool ok, const char *setting, const QString &message) {
        if (!ok)
            problems.append({QLatin1String(setting), message});
    };
    require(dim >= 2 && dim <= 2048, "dim", QStringLiteral("dim must be between 2 and 2048 (is %1)").arg(dim));
    require(relationDim >= 2 && relationDim <= 2048, "relation_dim",
            QStringLiteral("relation dim must be between 2 and 2048 (is %1)").arg(relationDim));
    require(maxFeatureWidth >= 2, "max_feature_width",
            QStringLiteral("max feature width must be at least 2 (is %1)").arg(maxFeatureWidth));
    require(experts >= 1 && experts <= 64, "experts", QStringLiteral("experts must be between 1 and 64 (is %1)").arg(experts));
    require(!exid || experts >= 2, "experts", QStringLiteral("ExID needs at least 2 experts (or turn ExID off)"));
    for (auto [setting, name, p] : {std::tuple{"expert_dropout", "expert dropout", expertDropout},
                                    {"input_dropout", "input dropout", inputDropout},
                                    {"hidden_dropout", "hidden dropout", hiddenDropout},
                                    {"output_dropout", "output dropout", outputDropout},
                                    {"fusion_dropout", "fusion dropout", fusionDropout}})
        require(p >= 0 && p < 1, setting, QStringLiteral("%1 must be in [0, 1) (is %2)").arg(QLatin1String(name)).arg(p));
    require(fusionHeads >= 1, "fusion_heads", QStringLiteral("fusion heads must be at least 1 (is %1)").arg(fusionHeads));
    require(!activeDecoders().isEmpty(), "use_structure",
            QStringLiteral("at least one decoder (S, I, T or joint) must be active"));
    require(decision == QLatin1String("mean"), "decision",
            QStringLiteral("decision rule '%1' is unknown (use 'mean')").arg(decision));
    require(featureLayout == QLatin1String("engine") || featureLayout == QLatin1String("reference"), "feature_layout",
            QStringLiteral("feature layout '%1' is unknown (use 'engine' or 'reference')").arg(featureLayout));
    require(learningRate > 0, "learning_rate", QStringLiteral("learning rate must be positive (is %1)").arg(learningRate));
    require(lrDecay > 0 && lrDecay <= 1, "lr_decay", QStringLiteral("lr decay must be in (0, 1] (is %1)").arg(lrDecay));
    require(batchSize >= 1, "batch_size", QStringLiteral("batch size must be positive (is %1)").arg(batchSize));
    require(epochs >= 1, "epochs", QStringLiteral("epochs must be at least 1 (is %1)").arg(epochs));
    require(labelSmoothing >= 0 && labelSmoothing < 1, "label_smoothing",
            QStringLiteral("label smoothing must be in [0, 1) (is %1)").arg(labelSmoothing));
    require(mu >= 0, "mu", QStringLiteral("mu must not be negative (is %1)").arg(mu));
    require(estimatorLearningRate > 0, "estimator_learning_rate",
            QStringLiteral("estimator learning rate must be positive (is %1)").arg(estimatorLearningRate));
    require(evalEvery >= 1, "eval_every", QStringLiteral("eval every must be at least 1 epoch (is %1)").arg(evalEvery));
    require(patience >= 1, "patience", QStringLiteral("patience must be at least 1 evaluation (is %1)").arg(patience));
    require(evalBatchSize >= 1, "eval_batch_size",
            QStringLiteral("eval batch size must be positive (is %1)").arg(evalBatchSize));
    require(device == QLatin1String("cpu") || device.startsWith(QLatin1String("cuda")), "device",
            QStringLiteral("device must be cpu or cuda[:N] (is '%1')").arg(device));
    require(threads >= 0, "threads", QStringLiteral("threads must not be negative (is %1)").arg(threads));
    return problems;
}

QStringList ModelConfig::messages(const QVector<ConfigProblem> &problems)
{
    QStringList out;
    for (const ConfigProblem &p : problems)
        out << p.message;
    return out;
}

QJsonObject ModelConfig::toJson() const
{
    QJsonObject o;
    visitFields(const_cast<ModelConfig &>(*this), ToJson{o});
    return o;
}

ModelConfig ModelConfig::fromJson(const QJsonObject &o, QStringList *unknown)
{
    ModelConfig c;
    visitFields(c, FromJson{o});
    if (unknown) {
        const QJsonObject known = c.toJson();
        for (auto it = o.begin(); it != o.end(); ++it)
            if (!known.contains(it.key()))
                *unknown << it.key();
    }
    return c;
}

QStringList ModelConfig::presetNames()
{
    return {QStringLiteral("quick-demo"), QStringLiteral("teaching"), QStringLiteral("paper"), QStringLiteral("bench")};
}

bool ModelConfig::applyPreset(const QString &name, ModelConfig *c)
{
    if (name == "quick-demo") {
        // Small and quick: trains the bundled countries graph in well under a minute on 2 cores.
        c->dim = 64; c->relationDim = 32; c->maxFeatureWidth = 64;
        c->batchSize = 128; c->epochs = 100; c->learningRate = 3e-2;
        c->inputDropout = c->hiddenDropout = c->outputDropout = 0.2; // small graph, few epochs
        c->evalEvery = 20; c->patience = 3;
        return true;
    }
    if (name == "teaching") {
        // The quick demo for teaching graphs: the image and text tables stay the extracted
        // features, so each decoder can only use what its modality shows and the per-modality
        // analysis recovers the planted table (fine-tuned tables memorise the graph instead).
        applyPreset(QStringLiteral("quick-demo"), c);
        c->maxFeatureWidth = 128; // keeps colour and texture apart, at a quarter of 256's cost
        c->fineTuneFeatures = false;
        return true;
    }
    if (name == "paper") {
        // Without a dataset: the authors' schedule on the reference's defaults. Commands that
        // know the dataset use paperConfig() for the paper's MKG-W, MKG-Y or DB15K setting.
        *c = paperConfigWithoutDataset();
        return true;
    }
    if (name == "bench") {
        // The speed benchmark's setting (DESIGN issue: dim = r_dim = 64, batch 1024, K = 3).
        c->dim = 64; c->relationDim = 64; c->maxFeatureWidth = 256;
        c->batchSize = 1024; c->experts = 3; c->learningRate = 5e-4; c->mu = 1e-4;
        return true;
    }
    return false;
}

} // namespace momok
