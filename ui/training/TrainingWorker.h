#pragma once
// Runs one training (a new run or a resumed one) on a worker thread: Trainer plus
// RunRecorder writing into the workspace. Progress leaves as queued signals, batch
// progress at most a few per second; cancel() is safe from any thread and stops
// the trainer between batches, leaving a resumable run marked cancelled.
#include "eval/EvaluationReport.h"
#include "train/RunSpec.h"
#include "train/TrainingObserver.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

namespace momok::ui {

struct TrainingJob {
    bool resume = false;
    RunSpec spec;          // a new run (resume == false)
    QString runDir;        // the run to continue (resume == true)
    QString workspacePath; // empty: train without recording
    QString runName;       // the new run's name in the workspace; empty: the folder's name
};

class TrainingWorker : public QObject
{
    Q_OBJECT
public:
    // Milliseconds between two batch-progress signals.
    static constexpr int kProgressIntervalMs = 250;
    // Same values as Trainer::Outcome, as an int for signals.
    enum Outcome { Finished = 0, Cancelled = 1, Failed = 2 };

    explicit TrainingWorker(const TrainingJob &job, QObject *parent = nullptr);
    ~TrainingWorker() override;

    void cancel(); // any thread
    bool isCancelRequested() const;

public Q_SLOTS:
    // Runs to the end on the calling (worker) thread.
    void run();

Q_SIGNALS:
    // The trainer is ready: epochs already done (resume), total epochs, batches per epoch,
    // and the compute threads it runs on (the automatic count depends on the graph's size).
    void started(qint64 runId, const QString &runDir, int completedEpochs, int totalEpochs, int batchesPerEpoch,
                 const QStringList &decoders, int computeThreads);
    void batchProgress(int epoch, int batch, int batchCount);
    void epochFinished(const momok::EpochRecord &record);
    void evaluationFinished(const momok::EvaluationReport &report, bool improved);
    void message(const QString &text);
    // Always the last signal. runId is -1 when nothing was recorded.
    void finished(qint64 runId, int outcome, const QString &error);

private:
    class Forwarder;
    TrainingJob m_job;
    CancelFlag m_cancel{false};
};

} // namespace momok::ui

Q_DECLARE_METATYPE(momok::EpochRecord)
Q_DECLARE_METATYPE(momok::EvaluationReport)
