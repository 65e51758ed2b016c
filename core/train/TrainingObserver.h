#pragma once
// How the trainer reports progress: a plain callback interface (torch-free), so
// the CLI prints it and the GUI forwards it from a worker thread by queued signals.
#include "eval/EvaluationReport.h"

#include <QString>

#include <atomic>
#include <cstdint>

namespace momok {

struct EpochRecord {
    int epoch = 0;              // 1-based
    double mainLoss = 0;        // mean over batches of Σ BCE + μ·MI
    double bceLoss = 0;         // mean over batches of Σ BCE
    double miEstimate = 0;      // mean CLUB upper bound (averaged over modalities)
    double estimatorLoss = 0;   // mean negative log-likelihood of the CLUB estimators
    double learningRate = 0;
    double seconds = 0;
};

class TrainingObserver
{
public:
    virtual ~TrainingObserver() = default;
    // Called at most a few times per second, not per item.
    virtual void batchProgress(int epoch, int batch, int batchCount) {}
    virtual void epochFinished(const EpochRecord &record) {}
    virtual void evaluationFinished(const EvaluationReport &report, bool improved) {}
    virtual void message(const QString &text) {}
};

// Checked between batches; set from any thread.
using CancelFlag = std::atomic<bool>;

} // namespace momok
