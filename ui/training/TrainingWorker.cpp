#include "training/TrainingWorker.h"

#include "common/AppPaths.h"
#include "distributed/WorkerLauncher.h"
#include "runtime/ComputeEnvironment.h"
#include "storage/RunRecorder.h"
#include "train/Trainer.h"

#include <exception>
#include <memory>

namespace momok::ui {

// Turns the trainer's events (on the worker thread) into the worker's signals, which
// reach the UI queued.
class TrainingWorker::Forwarder : public TrainingObserver
{
public:
    explicit Forwarder(TrainingWorker *worker) : m_worker(worker) {}
    void epochFinished(const EpochRecord &record) override { Q_EMIT m_worker->epochFinished(record); }
    void evaluationFinished(const EvaluationReport &report, bool improved) override
    {
        Q_EMIT m_worker->evaluationFinished(report, improved);
    }
    void message(const QString &text) override { Q_EMIT m_worker->message(text); }

private:
    TrainingWorker *m_worker;
};

TrainingWorker::TrainingWorker(const TrainingJob &job, QObject *parent)
    : QObject(parent), m_job(job), m_feedback([this](const Progress &p) { Q_EMIT progress(p); })
{
    qRegisterMetaType<momok::EpochRecord>();
    qRegisterMetaType<momok::EvaluationReport>();
    qRegisterMetaType<momok::Progress>();
    qRegisterMetaType<momok::Outcome>();
    if (job.cancelPoint)
        m_feedback.cancelAt(job.cancelPoint->stage, job.cancelPoint->epoch, job.cancelPoint->done);
}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::cancel() { m_feedback.cancel(); }
bool TrainingWorker::isCancelRequested() const { return m_feedback.isCancelled(); }

void TrainingWorker::run()
{
    QString error;
    Trainer trainer;
    Forwarder forwarder(this);
    qint64 runId = -1;
    // Data-parallel: the other ranks are `momok train` child processes started once this
    // thread (rank 0) serves the rendezvous; they get the run from it and end with it.
    int processes = m_job.processes;
    if (processes <= 0) {
        RunSpec recorded;
        processes = m_job.resume && RunSpec::load(m_job.runDir, &recorded, nullptr) ? recorded.processes : m_job.spec.processes;
    }
    std::unique_ptr<WorkerLauncher> launcher;
    if (processes > 1) {
        DistributedSetup setup;
        setup.worldSize = setup.localProcesses = processes;
        launcher = std::make_unique<WorkerLauncher>(commandLineProgram(), QStringList{QStringLiteral("train"), QStringLiteral("--quiet")});
        trainer.setDistributed(setup, [&launcher, setup](int port, QString *launchError) {
            return launcher->start(setup, 1, setup.worldSize - 1, port, launchError);
        });
    }
    // A rank that died is named by how it ended (the collectives only see a closed connection).
    auto withFailures = [&](QString message) {
        if (launcher) {
            launcher->waitForFinished(message.isEmpty() ? 60000 : 5000);
            const QStringList failures = launcher->failures();
            if (!failures.isEmpty())
                message += (message.isEmpty() ? QString() : QStringLiteral("; ")) + failures.join(QStringLiteral("; "));
        }
        return message;
    };
    try {
        // A first training on a dataset with raw images or texts extracts their features:
        // the feedback says how far it is, and Cancel stops it.
        const bool ready = m_job.resume ? trainer.resume(m_job.runDir, &m_feedback, &error, m_job.changes)
                                        : trainer.start(m_job.spec, &m_feedback, &error);
        if (!ready) {
            Q_EMIT finished(-1, m_feedback.isCancelled() ? Outcome::Cancelled : Outcome::Failed, error);
            return;
        }
        const int threads = trainer.computeThreads();
        if (threads != currentComputeInfo().intraOpThreads)
            configureComputeEnvironment(threads);

        RunRecorder recorder(m_job.workspacePath, &forwarder);
        const bool recording = !m_job.workspacePath.isEmpty();
        if (recording && !recorder.begin(trainer, m_job.resume, m_job.runName, &error)) {
            Q_EMIT finished(-1, Outcome::Failed, QStringLiteral("the workspace cannot record this run: %1").arg(error));
            return;
        }
        runId = recorder.runId();
        Q_EMIT started(runId, trainer.spec().runDir, trainer.completedEpochs(), trainer.spec().config.epochs,
                       int(trainer.batchesPerEpoch()), trainer.activeDecoders(), threads * trainer.branchThreads(), trainer.worldSize(),
                       trainer.spec().config.device);
        TrainingObserver *observer = recording ? static_cast<TrainingObserver *>(&recorder) : &forwarder;
        const Outcome outcome = trainer.run(observer, &m_feedback, &error);
        error = withFailures(error);
        if (recording)
            recorder.finish(trainer, outcome, error);
        Q_EMIT finished(runId, outcome, error);
    } catch (const std::exception &e) {
        Q_EMIT finished(runId, Outcome::Failed, QString::fromUtf8(e.what()).section('\n', 0, 0));
    }
}

} // namespace momok::ui
