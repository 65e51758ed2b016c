#pragma once
// Trains a MoMoK run: 1-to-N batches, Adam with exponential decay, the CLUB estimators
// in alternation, validation every few epochs with early stopping (model selection on the
// validation split only), a resumable checkpoint after every epoch, and one final test
// evaluation of the selected checkpoint. Torch-free interface: the UI drives it from a
// worker thread.
#include "distributed/DistributedSetup.h"
#include "domain/Feedback.h"
#include "eval/EvaluationReport.h"
#include "features/FeatureExtractor.h"
#include "train/EpochProducts.h"
#include "train/RunSpec.h"
#include "train/TrainingObserver.h"

#include <functional>
#include <memory>
#include <optional>

namespace momok {

class Trainer
{
public:
    Trainer();
    ~Trainer();

    // A new run in spec.runDir (created; must not hold a run already). feedback (may be null)
    // follows and cancels the preparation before the first epoch: extracting the features a
    // dataset has raw data but no files for.
    bool start(const RunSpec &spec, Feedback *feedback, QString *error);
    // Continues the run in runDir from its last checkpoint; feedback as for start(). changes
    // are checked like a new run's settings (and epochs against those already done) and
    // written into the run's record, so that a later resume continues the same way. New
    // epochs or patience that would leave nothing to train (every epoch done, or as many
    // evaluations without improvement as the patience allows) are refused with the reason.
    bool resume(const QString &runDir, Feedback *feedback, QString *error, const ResumeChanges &changes = {});

    // ---- data-parallel training over several processes ----
    // Rank 0: call before start() or resume(). run() then serves the group's rendezvous,
    // calls launchWorkers(port) (which starts the other ranks, e.g. as child processes; may be
    // empty when they are started otherwise), sends them the run and its state, and trains its
    // share of every batch. It alone evaluates, writes checkpoints and reports to observers'
    // evaluation events; the other ranks wait for it.
    void setDistributed(const DistributedSetup &setup, std::function<bool(int port, QString *error)> launchWorkers = {});
    // A rank other than 0 (instead of start/resume): joins rank 0's group, receives the run's
    // configuration and state from it and builds the model; run() then trains this rank's
    // share. Nothing is written to the run folder.
    bool joinAsWorker(const DistributedSetup &setup, Feedback *feedback, QString *error);
    int worldSize() const;
    // Mean time per training step spent in collectives so far (0 with one process).
    double communicationSecondsPerStep() const;

    // Trains to the end (or early stop), then evaluates the test split once. Events go to the
    // observer; Training and Evaluating progress to feedback, which is checked between
    // batches. Both may be null.
    Outcome run(TrainingObserver *observer, Feedback *feedback, QString *error);

    const RunSpec &spec() const;
    // The dataset check's warnings ("FILE[:LINE]: reason"), e.g. images left out.
    QStringList datasetWarnings() const;
    int completedEpochs() const;
    int64_t batchesPerEpoch() const;
    // Threads to train with: the configured count, or for "automatic" (0) one thread when a
    // step is small (threading overhead outweighs the gain there) and the physical cores
    // otherwise (divided among the processes of this machine in data-parallel training).
    int computeThreads() const;
    // Threads a step's two branches (the modality decoders, and the fusion with the joint
    // decoder; see train/BranchedStep.h) run on: 2 when the joint decoder is active and the
    // automatic choice trains a small step on one thread, on the CPU, in one process, with two
    // physical cores or more; else 1. Either way the step gives the same bits.
    int branchThreads() const;
    // Overrides that choice (1 or 2; 0: automatic again), e.g. to compare the two.
    void setBranchThreads(int threads);
    // The shapes an epoch's products are counted from (countEpochProducts).
    EpochShape epochShape() const;
    // Decoders really trained: those switched on whose modality has data.
    QVector<Decoder> activeDecoders() const;
    QStringList activeDecoderKeys() const; // their keys: "S", "I", "T", "joint"
    EvaluationReport bestValidReport() const;
    EvaluationReport testReport() const;
    QVector<EpochRecord> history() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace momok
