#pragma once
// What happens during a training, as events: a plain callback interface (torch-free), so the
// CLI prints them, the workspace records them (RunRecorder) and the GUI forwards them from a
// worker thread by queued signals. Progress for display and cancellation go through Feedback.
#include "eval/EvaluationReport.h"

#include <QString>

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
    // After every batch (batch is 1-based): cheap work only.
    virtual void batchFinished(int epoch, int batch, int batchCount) {}
    virtual void epochFinished(const EpochRecord &record) {}
    virtual void evaluationFinished(const EvaluationReport &report, bool improved) {}
    virtual void message(const QString &text) {}
};

} // namespace momok
