#pragma once
// What a run trains on and how: dataset, feature sources and the model configuration.
// Written to RUNDIR/run.json so that eval, predict, explain and resume rebuild the same run.
#include "model/ModelConfig.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace momok {

// Where one modality's features came from in a run, as recorded when the run started.
struct FeatureSource {
    enum class Kind {
        Unknown,   // a run.json written before sources were recorded (format version 1)
        None,      // the modality had no data: its decoder did not train
        File,      // a feature matrix the user gave (detail: its path)
        Extracted, // made from the dataset's raw images or texts (detail: the method's signature, with its version)
        Random     // seeded random features (benchmarks)
    };
    Kind kind = Kind::Unknown;
    QString detail;

    // The kind's key in run.json and in run descriptions: "unknown", "none", "file", "extracted", "random".
    static QString kindKey(Kind kind);
    QJsonObject toJson() const;
    static FeatureSource fromJson(const QJsonValue &v);
    friend bool operator==(const FeatureSource &a, const FeatureSource &b) { return a.kind == b.kind && a.detail == b.detail; }
};

// The graph a run was trained on, to tell a dataset that changed since from one that moved.
struct DatasetFingerprint {
    int64_t entities = -1, relations = -1;
    QString graphHash; // KgDataset::graphHash()
    bool isSet() const { return entities >= 0; }
    QJsonObject toJson() const;
    static DatasetFingerprint fromJson(const QJsonValue &value);
};

struct RunSpec {
    // run.json's format: 1 had no "format_version" and no feature sources; 2 adds both.
    static constexpr int kFormatVersion = 2;
    int formatVersion = kFormatVersion;

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
    // Also evaluate the test split at every validation evaluation and keep, for each metric,
    // its best value over them (the authors' reporting protocol) in report-test-tracked.json.
    // Never used for selection: the selected checkpoint and its test report are unchanged.
    bool trackTest = false;
    // Processes it trains in (data-parallel); the latest count when resumed with another one.
    int processes = 1;
    ModelConfig config;
    // The paper's dataset whose results row the run targets ("MKG-Y": trained with
    // `--preset paper` in that dataset's setting); empty for other runs.
    QString paperRow;
    // Filled by the trainer when the run starts (from what the features really were).
    FeatureSource imageSource, textSource;
    // Filled when the run starts; checked whenever the run is opened again (absent in runs
    // saved before it existed: then nothing is checked).
    DatasetFingerprint datasetFingerprint;

    QJsonObject toJson() const;
    static RunSpec fromJson(const QJsonObject &o);
    bool save(QString *error) const;                                  // RUNDIR/run.json, atomically
    // Reads RUNDIR/run.json. The dataset, feature files and encoder are stored absolute and
    // relative to the run folder: a path that no longer exists is looked up relative to
    // runDir, so moving the run folder and the dataset together keeps the run working.
    static bool load(const QString &runDir, RunSpec *spec, QString *error);
};

// What a resumed run may change; everything else is the run's own. More epochs extend a run
// that has finished (or continue one whose epochs are not done yet), a larger patience lets
// one that stopped early go on, and the thread count is the machine's business.
struct ResumeChanges
{
    std::optional<int> epochs;
    std::optional<int> patience;
    std::optional<int> threads;
};

} // namespace momok
