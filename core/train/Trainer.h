#pragma once
// Trains a MoMoK run: 1-to-N batches, Adam with exponential decay, the CLUB estimators
// in alternation, validation every few epochs with early stopping (model selection on the
// validation split only), a resumable checkpoint after every epoch, and one final test
// evaluation of the selected checkpoint. Torch-free interface: the UI drives it from a
// worker thread.
#include "eval/EvaluationReport.h"
#include "features/FeatureExtractor.h"
#include "train/RunSpec.h"
#include "train/TrainingObserver.h"

#include <memory>

namespace momok {

class Trainer
{
public:
    enum class Outcome { Finished, Cancelled, Failed };

    Trainer();
    ~Trainer();

    // Progress and cancellation of the preparation start()/resume() may do before the
    // first epoch: extracting features a dataset has raw data but no files for.
    void setPreparationHooks(FeatureProgressCallback progress, const CancelFlag *cancel);

    // A new run in spec.runDir (created; must not hold a run already).
    bool start(const RunSpec &spec, QString *error);
    // Continues the run in runDir from its last checkpoint.
    bool resume(const QString &runDir, QString *error);

    Outcome run(TrainingObserver *observer, const CancelFlag *cancel, QString *error);

    const RunSpec &spec() const;
    int completedEpochs() const;
    int64_t batchesPerEpoch() const;
    // Threads to train with: the configured count, or for "automatic" (0) one thread when a
    // step is small (threading overhead outweighs the gain there) and the physical cores otherwise.
    int computeThreads() const;
    // Decoders really trained: those switched on whose modality has data ("S", "I", "T", "joint").
    QStringList activeDecoderKeys() const;
    EvaluationReport bestValidReport() const;
    EvaluationReport testReport() const;
    QVector<EpochRecord> history() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace momok
