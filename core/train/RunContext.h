#pragma once
// Everything a run needs in memory: the dataset, its modality features, the model and
// the query indexes (training queries, and all known triples for filtering).
#include "data/KgDataset.h"
#include "features/FeatureExtractor.h"
#include "model/MoMoKModel.h"
#include "train/QueryIndex.h"
#include "train/RunSpec.h"

#include <memory>

namespace momok {

class RunContext
{
public:
    // Loads the dataset and features and builds a freshly initialised model (seeded).
    // A modality with raw data but no feature file is extracted (spec.extractFeatures; cached,
    // so only the first time is slow): feedback (may be null) follows and cancels that step.
    static std::unique_ptr<RunContext> create(const RunSpec &spec, QString *error,
                                              Feedback *feedback = nullptr);

    RunSpec spec; // as given, with imageSource and textSource set to what the features really are,
                  // and the dataset's fingerprint
    KgDataset dataset;
    QStringList datasetWarnings; // "FILE[:LINE]: reason" for each warning of the dataset check
    std::vector<uint8_t> imagePresent, textPresent; // per entity: has real data for the modality
    MoMoKModel model{nullptr};
    QueryIndex trainQueries;
    QueryIndex allKnown;
    QueryIndex trainKnown, validKnown, testKnown;
    int checkpointEpoch = 0; // epochs completed by the loaded checkpoint (open() only)

    // An existing run: its spec, data and the weights of RUNDIR/best.pt (or last.pt if no best yet),
    // on the run's device, or on the CPU when that GPU is not available here.
    static std::unique_ptr<RunContext> open(const QString &runDir, QString *error);

    QString checkpointPath(const QString &name) const; // RUNDIR/<name>.pt

private:
    // Records the dataset's fingerprint in a new run's spec, or checks an existing run's.
    static bool checkFingerprint(RunContext *context, QString *error);
};

} // namespace momok
