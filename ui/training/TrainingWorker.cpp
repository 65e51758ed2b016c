#include "training/TrainingWorker.h"

#include "runtime/ComputeEnvironment.h"
#include "storage/RunRecorder.h"
#include "train/Trainer.h"

#include <QElapsedTimer>

#include <exception>

namespace momok::ui {

// Turns the trainer's callbacks (on the worker thread) into the worker's signals,
// which reach the UI queued. Batch progress is thinned to a few per second; the
// last batch of an epoch always goes through so the bar ends full.
class TrainingWorker::Forwarder : public TrainingObserver
{
public:
    explicit Forwarder(TrainingWorker *worker) : m_worker(worker) { m_clock.start(); }
    void batchProgress(int epoch, int batch, int batchCount) override
    {
        if (batch < batchCount && m_clock.elapsed() < kProgressIntervalMs)
            return;
        m_clock.restart();
        Q_EMIT m_worker->batchProgress(epoch, batch, batchCount);
    }
    void epochFinished(const EpochRecord &record) override { Q_EMIT m_worker->epochFinished(record); }
    void evaluationFinished(const EvaluationReport &report, bool improved) override
    {
        Q_EMIT m_worker->evaluationFinished(report, improved);
    }
    void message(const QString &text) override { Q_EMIT m_worker->message(text); }

private:
    TrainingWorker *m_worker;
    QElapsedTimer m_clock;
};

TrainingWorker::TrainingWorker(const TrainingJob &job, QObject *parent) : QObject(parent), m_job(job)
{
    qRegisterMetaType<momok::EpochRecord>();
    qRegisterMetaType<momok::EvaluationReport>();
}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::cancel() { m_cancel = true; }
bool TrainingWorker::isCancelRequested() const { return m_cancel.load(); }

void TrainingWorker::run()
{
    QString error;
    Trainer trainer;
    Forwarder forwarder(this);
    qint64 runId = -1;
    try {
        // A first training on a dataset with raw images or texts extracts their features:
        // say how far it is, and let Cancel stop it.
        trainer.setPreparationHooks(
            [this](const FeatureExtractionProgress &p) {
                const QString what = p.stage == QLatin1String("images") ? tr("image features")
                                     : p.stage == QLatin1String("texts") ? tr("text features")
                                                                          : tr("the inputs");
                Q_EMIT message(p.stage == QLatin1String("hashing")
                                   ? tr("Checking the feature cache (%1 of %2 entities)…").arg(p.done).arg(p.total)
                                   : tr("Extracting %1: %2 of %3 entities…").arg(what).arg(p.done).arg(p.total));
            },
            &m_cancel);
        const bool ready = m_job.resume ? trainer.resume(m_job.runDir, &error) : trainer.start(m_job.spec, &error);
        if (!ready) {
            Q_EMIT finished(-1, m_cancel.load() ? Cancelled : Failed, error);
            return;
        }
        const int threads = trainer.computeThreads();
        if (threads != currentComputeInfo().intraOpThreads)
            configureComputeEnvironment(threads);

        RunRecorder recorder(m_job.workspacePath, &forwarder);
        const bool recording = !m_job.workspacePath.isEmpty();
        if (recording && !recorder.begin(trainer, m_job.resume, m_job.runName, &error)) {
            Q_EMIT finished(-1, Failed, QStringLiteral("the workspace cannot record this run: %1").arg(error));
            return;
        }
        runId = recorder.runId();
        Q_EMIT started(runId, trainer.spec().runDir, trainer.completedEpochs(), trainer.spec().config.epochs,
                       int(trainer.batchesPerEpoch()), trainer.activeDecoderKeys(), threads);
        TrainingObserver *observer = recording ? static_cast<TrainingObserver *>(&recorder) : &forwarder;
        const Trainer::Outcome outcome = trainer.run(observer, &m_cancel, &error);
        if (recording)
            recorder.finish(trainer, outcome, error);
        Q_EMIT finished(runId, int(outcome), error);
    } catch (const std::exception &e) {
        Q_EMIT finished(runId, Failed, QString::fromUtf8(e.what()).section('\n', 0, 0));
    }
}

} // namespace momok::ui
