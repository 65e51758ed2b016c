#include "model/ModelConfig.h"

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
        v = j.isString() ? j.toString().toULongLong() : uint64_t(j.toDouble());
    }
};

} // namespace

QStringList ModelConfig::activeDecoderKeys() const
{
    QStringList keys;
    if (useStructure) keys << "S";
    if (useImage) keys << "I";
    if (useText) keys << "T";
    if (useJoint && jointTraining) keys << "joint";
    return keys;
}

QStringList ModelConfig::validate() const
{
    QStringList problems;
    if (dim < 2 || dim > 2048) problems << QStringLiteral("dim must be between 2 and 2048 (is %1)").arg(dim);
    if (relationDim < 2 || relationDim > 2048) problems << QStringLiteral("relation dim must be between 2 and 2048 (is %1)").arg(relationDim);
    if (maxFeatureWidth < 2) problems << QStringLiteral("max feature width must be at least 2");
    if (experts < 1 || experts > 64) problems << QStringLiteral("experts must be between 1 and 64 (is %1)").arg(experts);
    if (exid && experts < 2) problems << QStringLiteral("ExID needs at least 2 experts (or turn ExID off)");
    for (auto [name, p] : {std::pair{"expert dropout", expertDropout}, {"input dropout", inputDropout},
                           {"hidden dropout", hiddenDropout}, {"output dropout", outputDropout},
                           {"fusion dropout", fusionDropout}}) {
        if (p < 0 || p >= 1) problems << QStringLiteral("%1 must be in [0, 1) (is %2)").arg(name).arg(p);
    }
    if (fusionHeads < 1) problems << QStringLiteral("fusion heads must be at least 1");
    if (activeDecoderKeys().isEmpty()) problems << QStringLiteral("at least one decoder (S, I, T or joint) must be active");
    if (decision != "mean") problems << QStringLiteral("decision rule '%1' is unknown (use 'mean')").arg(decision);
    if (learningRate <= 0) problems << QStringLiteral("learning rate must be positive");
    if (lrDecay <= 0 || lrDecay > 1) problems << QStringLiteral("lr decay must be in (0, 1]");
    if (batchSize < 1) problems << QStringLiteral("batch size must be positive");
    if (epochs < 1) problems << QStringLiteral("epochs must be at least 1");
    if (labelSmoothing < 0 || labelSmoothing >= 1) problems << QStringLiteral("label smoothing must be in [0, 1)");
    if (mu < 0) problems << QStringLiteral("mu must not be negative");
    if (evalEvery < 1) problems << QStringLiteral("eval every must be at least 1 epoch");
    if (patience < 1) problems << QStringLiteral("patience must be at least 1 evaluation");
    if (evalBatchSize < 1) problems << QStringLiteral("eval batch size must be positive");
    if (!(device == "cpu" || device.startsWith("cuda"))) problems << QStringLiteral("device must be cpu or cuda[:N]");
    if (threads < 0) problems << QStringLiteral("threads must not be negative");
    return problems;
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
        *c = ModelConfig{};
        c->epochs = 2000; c->evalEvery = 100; c->patience = 5;
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
