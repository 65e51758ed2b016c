#pragma once
// Records a training run into a workspace as it goes: a TrainingObserver that wraps
// another one (console, GUI worker) and forwards every call to it after writing.
//
// Lives on the trainer's thread and opens its own Workspace connection there.
// Each epoch, evaluation, checkpoint and heartbeat is a small committed write, so a
// process killed at any moment leaves a consistent database; the next open marks
// the run interrupted and `resume` continues it. Write failures during training
// are reported through message() and never stop the training.
#include "storage/WorkspaceRecords.h"
#include "train/Trainer.h"
#include "train/TrainingObserver.h"

#include <QElapsedTimer>
#include <QString>

#include <memory>

namespace momok {

class Workspace;

class RunRecorder : public TrainingObserver
{
public:
    // Seconds between two heartbeats of a running run.
    static constexpr int kHeartbeatIntervalMs = 5000;

    explicit RunRecorder(const QString &workspacePath, TrainingObserver *inner = nullptr);
    ~RunRecorder() override;

    // After Trainer::start() or resume(), before run(), on the trainer's thread:
    // opens the workspace, finds or imports the dataset (by path and content hash)
    // and creates the run, or for a resumed run finds it by its run folder, sets
    // it running again and forgets what was recorded after its checkpoint. A
    // resumed run the workspace never saw is created with its history so far.
    // False with *error when the workspace cannot be used; nothing is recorded then.
    bool begin(const Trainer &trainer, bool resumed, const QString &runName, QString *error);

    // After run(): the final status, the test metrics of a finished run, the
    // failure reason of a failed one.
    void finish(const Trainer &trainer, Outcome outcome, const QString &failure);

    qint64 runId() const { return m_runId; }
    qint64 datasetId() const { return m_datasetId; }
    // Write failures so far (each also reported by message()).
    int writeFailures() const { return m_failures; }

    void batchFinished(int epoch, int batch, int batchCount) override;
    void epochFinished(const EpochRecord &record) override;
    void evaluationFinished(const EvaluationReport &report, bool improved) override;
    void message(const QString &text) override;

private:
    bool findOrImportDataset(const QString &datasetDir, bool dropUnseen, QString *error);
    void recordCheckpoints();
    void beat();
    RunSpec storedSpec(const RunSpec &spec) const;
    void report(bool ok, const QString &error);

    QString m_workspacePath;
    TrainingObserver *m_inner = nullptr;
    std::unique_ptr<Workspace> m_workspace;
    qint64 m_runId = -1;
    qint64 m_datasetId = -1;
    QString m_runDir;
    bool m_lastRecorded = false;
    int m_failures = 0;
    QString m_lastError;
    QElapsedTimer m_heartbeat;
};

} // namespace momok
