#pragma once
// What a run trains on and how: dataset, feature sources and the model configuration.
// Written to RUNDIR/run.json so that eval, predict, explain and resume rebuild the same run.
#include "model/ModelConfig.h"

#include <QJsonObject>
#include <QString>

namespace momok {

struct RunSpec {
    QString runDir;
    QString datasetDir;
    QString imageFeatures;      // .npy/.pt file, or empty
    QString textFeatures;       // .npy/.pt file, or empty
    bool randomFeatures = false; // seeded random image (E×256) and text (E×384) features, for benchmarks
    // A modality with raw data (images, texts) but no feature file gets extracted features (cached).
    // Runs saved before this option existed read back as false, so they rebuild the same model.
    bool extractFeatures = true;
    QString imageEncoder;       // TorchScript module for extracted image features; empty = built-in descriptor
    bool dropUnseenEvaluationTriples = false;
    ModelConfig config;

    QJsonObject toJson() const;
    static RunSpec fromJson(const QJsonObject &o);
    bool save(QString *error) const;                                  // RUNDIR/run.json, atomically
    static bool load(const QString &runDir, RunSpec *spec, QString *error);
};

} // namespace momok
