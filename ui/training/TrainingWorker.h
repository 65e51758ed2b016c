#pragma once
// Runs one training (a new run or a resumed one) on a worker thread: Trainer plus
// RunRecorder writing into the workspace. Events and progress (throttled once, by the
// job's Feedback) leave as queued signals; cancel() is safe from any thread and stops
// the trainer between batches, leaving a resumable run marked cancelled.
#include "domain/Feedback.h"
#include "eval/EvaluationReport.h"
#include "train/RunSpec.h"
#include "train/TrainingObserver.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace momok::ui {

struct TrainingJob {
    bool resume = false;
    RunSpec spec;          // a new run (resume == false)
    QString runDir;        // the run to continue (resume == true)
    ResumeChanges changes; // resume == true: e.g. more epochs, to train a finished run on
    QString workspacePath; // empty: train without recording
    QString runName;       // the new run's name in the workspace; empty: the folder's name
    // Processes to train in (data-parallel): this worker thread is rank 0 and starts the
    // others as `momok` child processes, which end with it. A resumed run takes the count it
    // last trained with unless this is set (> 0).
    int processes = 0;
    // Tests: cancel deterministically when the job reports this progress (Feedback::cancelAt).
    std::optional<Progress> cancelPoint;
};

class TrainingWorker : public QObject
{
    Q_OBJECT
public:
    explicit TrainingWorker(const TrainingJob &job, QObject *parent = nullptr);
    ~TrainingWorker() override;

    void cancel(); // any thread
    bool isCancelRequested() const;

public Q_SLOTS:
    // Runs to the end on the calling (worker) thread.
    void run();

Q_SIGNALS:
    // The trainer is ready: epochs already done (resume), total epochs, batches per epoch,
    // and the compute threads it runs on (the automatic count depends on the graph's size;
    // per process in data-parallel training), the processes it trains in and the device
    // ("cpu", "cuda:N").
    void started(qint64 runId, const QString &runDir, int completedEpochs, int totalEpochs, int batchesPerEpoch,
                 const QVector<momok::Decoder> &decoders, int computeThreads, int processes, const QString &device);
    // Feature extraction before the first epoch, then the batches of each epoch and the
    // evaluations; a few per second at most.
    void progress(const momok::Progress &progress);
    void epochFinished(const momok::EpochRecord &record);
    void evaluationFinished(const momok::EvaluationReport &report, bool improved);
    void message(const QString &text);
    // Always the last signal. runId is -1 when nothing was recorded.
    void finished(qint64 runId, momok::Outcome outcome, const QString &error);

private:
    class Forwarder;
    TrainingJob m_job;
    Feedback m_feedback;
};

} // namespace momok::ui

Q_DECLARE_METATYPE(momok::EpochRecord)
Q_DECLARE_METATYPE(momok::EvaluationReport)
