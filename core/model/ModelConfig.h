#pragma once
// Every hyper-parameter and ablation switch of MoMoK, as plain data (torch-free):
// stored with runs and checkpoints, edited by the training dialog, parsed by the CLI.
#include "domain/Vocabulary.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cstdint>

namespace momok {

// One broken rule of a configuration: the setting it is about (its key in toJson(), e.g.
// "learning_rate"; the first of several when a rule ties settings together) and a sentence
// that names the setting, the rule and the value. The dialog marks the setting's field,
// the CLI prints the sentence.
struct ConfigProblem {
    QString setting;
    QString message;
};

struct ModelConfig {
    // Model (DESIGN.md §2; reference defaults).
    int dim = 256;              // d: structure and joint entity width
    int relationDim = 256;      // d_r: relation embedding width
    int maxFeatureWidth = 256;  // image/text features wider than this are average-pooled down
    // How image and text feature matrices become the model's tables: "engine" (unit rows,
    // then pooled to maxFeatureWidth, for every dataset) or "reference" (the authors'
    // per-dataset reshaping of their released features, for MKG-W, MKG-Y and DB15K only).
    QString featureLayout = QStringLiteral("engine");
    bool fineTuneFeatures = true; // the image/text tables start from the features and are trained (reference);
                                  // off keeps them fixed, so those decoders can only use what the features show
    int experts = 3;            // K experts per modality
    double expertDropout = 0.0; // dropout inside each expert (reference: 0)
    double inputDropout = 0.3;
    double hiddenDropout = 0.4; // on each query's W_r
    double outputDropout = 0.5;
    double fusionDropout = 0.2;
    int fusionHeads = 2;

    // Modalities and ablations (the poster's ablation table).
    bool useStructure = true;
    bool useImage = true;
    bool useText = true;
    bool useJoint = true;
    bool relationTemperature = true; // ε_r: softmax(g / σ(ε_r)); off = plain softmax
    bool gateNoise = true;           // δ while training
    bool adaptiveFusion = true;      // attention over modalities; off = uniform mean
    bool jointTraining = true;       // off: the joint decoder is neither trained nor consulted
    bool exid = true;                // expert information disentanglement (CLUB MI loss)
    QString decision = QStringLiteral("mean"); // joint decision: mean of the active decoders' sigmoid scores

    // Optimisation.
    double learningRate = 5e-4;
    double lrDecay = 1.0;       // exponential decay γ per epoch
    int batchSize = 1024;       // queries per batch (1-to-N)
    int epochs = 200;
    double labelSmoothing = 0.1; // y = (1 - ls)·y + 1/|E|
    double mu = 1e-4;            // weight of the MI upper bound
    double estimatorLearningRate = 5e-4;
    bool sharedRelationMask = false; // faster variant: one W_r dropout mask per relation and batch

    // Evaluation and selection (on the validation split only).
    int evalEvery = 5;          // epochs between validation evaluations
    int patience = 5;           // evaluations without improvement before stopping
    int evalBatchSize = 1024;  // queries scored at once (4 × this × E floats of score buffers)

    // Runtime.
    QString device = QStringLiteral("cpu");
    int threads = 0;            // 0 = automatic: 1 for small steps, else the physical cores (Trainer::computeThreads)
    uint64_t seed = 10010;

    // Decoders switched on (whether their modality has data is the dataset's business).
    QVector<Decoder> activeDecoders() const;
    // Their keys, e.g. "S I T joint".
    QStringList activeDecoderKeys() const;
    // Every modality, decoder and ablation switch on: the paper's full model.
    bool isFullModel() const;
    // Every rule a configuration must satisfy, checked in one place: empty when valid.
    QVector<ConfigProblem> validate() const;
    // validate()'s messages, one per problem.
    static QStringList messages(const QVector<ConfigProblem> &problems);

    QJsonObject toJson() const;
    // Missing keys keep their defaults; unknown keys are reported in *unknown.
    static ModelConfig fromJson(const QJsonObject &o, QStringList *unknown = nullptr);

    static QStringList presetNames();       // "quick-demo", "teaching", "paper", "bench"
    static bool applyPreset(const QString &name, ModelConfig *config);
};

} // namespace momok
