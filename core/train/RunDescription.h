#pragma once
// What a run used, described by one function for every front end (`momok runs`, the Runs
// tab, the run selector): the decoders it trained, where its image and text features came
// from (a file, extraction with the method's name and version, random, or none) and its
// ablations. Computed from run.json's content or the workspace's copy of it. Torch-free.
#include "train/RunSpec.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace momok {

struct RunDescription {
    QVector<Decoder> decoders;  // switched on, less those whose modality had no features
    FeatureSource image, text;  // Unknown for records written before sources were kept
    bool extractFeatures = false; // what an Unknown source means: extracted where raw data existed
    QStringList ablations;      // "w/o ε_r", "w/o noise δ", …, in the poster's order
    int experts = 0, dim = 0, epochs = 0;
    bool fullModel = false;     // every modality and switch on (ModelConfig::isFullModel)

    // "image and text extracted (lab-hist v3, tfidf v2)", "random features", "image file img.npy · no text", …
    QString featuresText() const;
    // One line: "S I T joint · K=3 · d=64 · 100 epochs · image and text extracted (lab-hist v3, tfidf v2)".
    QString summary() const;
    QJsonObject toJson() const;
};

// A run's record: RunSpec::toJson() (any format version), or a bare ModelConfig JSON.
RunDescription describeRun(const QJsonObject &runJson);

// "lab-hist v3" for an extraction signature such as "lab-hist8x12x12+thumb8+hog4x9@128/v3".
QString extractionMethodLabel(const QString &signature);

} // namespace momok
