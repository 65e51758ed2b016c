#include "storage/RunRecorder.h"

#include "data/DatasetReader.h"
#include "storage/Workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace momok {

RunRecorder::RunRecorder(const QString &workspacePath, TrainingObserver *inner)
    : m_workspacePath(workspacePath), m_inner(inner)
{
}

RunRecorder::~RunRecorder() = default;

bool RunRecorder::findOrImportDataset(const QString &datasetDir, bool dropUnseen, QString *error)
{
    const QString hash = Workspace::contentHash(datasetDir, error);
    if (hash.isEmpty())
        return false;
    const QString path = Workspace::folderPath(datasetDir);
    for (const DatasetRecord &d : m_workspace->datasets()) {
        if (d.path == path && d.contentHash == hash) {
            m_datasetId = d.id;
            return true;
        }
    }
    DatasetLoadOptions options;
    options.dropUnseenEvaluationTriples = dropUnseen;
    const DatasetLoadResult loaded = DatasetReader::read(datasetDir, options);
    if (!loaded.ok()) {
        *error = QStringLiteral("%1 cannot be imported into the workspace: %2").arg(datasetDir, loaded.summary());
        return false;
    }
    return m_workspace->importDataset(*loaded.dataset, hash, &m_datasetId, error);
}

// The run as the workspace keeps it: folders as absolute, resolved paths.
RunSpec RunRecorder::storedSpec(const RunSpec &spec) const
{
    RunSpec stored = spec;
    stored.runDir = m_runDir;
    stored.datasetDir = Workspace::folderPath(spec.datasetDir);
    return stored;
}

bool RunRecorder::begin(const Trainer &trainer, bool resumed, const QString &runName, QString *error)
{
    QString localError;
    QString &err = error ? *error : localError;
    m_workspace = Workspace::open(m_workspacePath, &err);
    if (!m_workspace)
        return false;
    const RunSpec &spec = trainer.spec();
    m_runDir = Workspace::folderPath(spec.runDir);

    if (resumed) {
        for (const RunRecord &r : m_workspace->runs()) {
            if (Workspace::folderPath(r.config.value(QStringLiteral("run_dir")).toString()) == m_runDir) {
                m_runId = r.id;
                m_datasetId = r.datasetId;
                break;
            }
        }
        if (m_runId >= 0) {
            if (!m_workspace->setRunStatus(m_runId, RunStatus::Running, &err)
                || !m_workspace->setRunConfig(m_runId, storedSpec(spec).toJson(), &err)
                || !m_workspace->discardProgressAfter(m_runId, trainer.completedEpochs(), &err)) {
                m_workspace.reset();
                m_runId = -1;
                return false;
            }
            // A run cancelled mid-evaluation recorded an epoch past its checkpoint:
            // it is redone, and recordEpoch replaces it. Checkpoints stay as they are.
            recordCheckpoints();
            m_heartbeat.start();
            return true;
        }
    }

    if (!findOrImportDataset(spec.datasetDir, spec.dropUnseenEvaluationTriples, &err)) {
        m_workspace.reset();
        return false;
    }
    const QString name = runName.isEmpty() ? QFileInfo(m_runDir).fileName() : runName;
    m_runId = m_workspace->beginRun(m_datasetId, name, storedSpec(spec).toJson(), &err);
    if (m_runId < 0) {
        m_workspace.reset();
        return false;
    }
    // A run trained so far without a workspace: bring its history along.
    for (const EpochRecord &e : trainer.history())
        report(m_workspace->recordEpoch(m_runId, e, &localError), localError);
    if (resumed && trainer.bestValidReport().split)
        report(m_workspace->recordEvaluation(m_runId, trainer.bestValidReport(), &localError), localError);
    recordCheckpoints();
    m_heartbeat.start();
    return true;
}

void RunRecorder::report(bool ok, const QString &error)
{
    if (ok)
        return;
    ++m_failures;
    // The same failure every epoch (a full disk, a locked file) is said once.
    if (error == m_lastError)
        return;
    m_lastError = error;
    if (m_inner)
        m_inner->message(QStringLiteral("workspace %1: %2 (training goes on; the run folder keeps everything)")
                             .arg(QDir::toNativeSeparators(m_workspacePath), error));
}

void RunRecorder::recordCheckpoints()
{
    if (!m_workspace || m_runId < 0)
        return;
    QString error;
    // last.pt is written after each epoch's observer calls: record it once it exists.
    const QString last = QDir(m_runDir).filePath(QStringLiteral("last.pt"));
    if (!m_lastRecorded && QFile::exists(last)) {
        m_lastRecorded = m_workspace->setCheckpoint(m_runId, last, false, &error);
        report(m_lastRecorded, error);
    }
    const QString best = QDir(m_runDir).filePath(QStringLiteral("best.pt"));
    if (QFile::exists(best))
        report(m_workspace->setCheckpoint(m_runId, best, true, &error), error);
}

void RunRecorder::beat()
{
    if (!m_workspace || m_runId < 0 || m_heartbeat.elapsed() < kHeartbeatIntervalMs)
        return;
    m_workspace->heartbeat(m_runId);
    m_heartbeat.restart();
}

void RunRecorder::batchFinished(int epoch, int batch, int batchCount)
{
    if (!m_lastRecorded)
        recordCheckpoints();
    beat();
    if (m_inner)
        m_inner->batchFinished(epoch, batch, batchCount);
}

void RunRecorder::epochFinished(const EpochRecord &record)
{
    if (m_workspace && m_runId >= 0) {
        QString error;
        report(m_workspace->recordEpoch(m_runId, record, &error), error);
        m_workspace->heartbeat(m_runId);
        m_heartbeat.restart();
    }
    if (m_inner)
        m_inner->epochFinished(record);
}

void RunRecorder::evaluationFinished(const EvaluationReport &evaluation, bool improved)
{
    if (m_workspace && m_runId >= 0) {
        QString error;
        report(m_workspace->recordEvaluation(m_runId, evaluation, &error), error);
        if (improved) // best.pt is written before the trainer announces the improvement
            recordCheckpoints();
    }
    if (m_inner)
        m_inner->evaluationFinished(evaluation, improved);
}

void RunRecorder::message(const QString &text)
{
    if (m_inner)
        m_inner->message(text);
}

void RunRecorder::finish(const Trainer &trainer, Outcome outcome, const QString &failure)
{
    if (!m_workspace || m_runId < 0)
        return;
    QString error;
    recordCheckpoints();
    switch (outcome) {
    case Outcome::Finished: {
        const EvaluationReport test = trainer.testReport();
        QJsonObject metrics = test.headline().toJson();
        metrics.insert(QStringLiteral("split"), splitName(Split::Test));
        metrics.insert(QStringLiteral("epoch"), test.epoch);
        report(m_workspace->setFinalMetrics(m_runId, metrics, &error), error);
        break;
    }
    case Outcome::Cancelled:
        break;
    case Outcome::Failed:
        if (!failure.isEmpty())
            report(m_workspace->setNotes(m_runId, QStringLiteral("failed: %1").arg(failure), &error), error);
        break;
    }
    report(m_workspace->setRunStatus(m_runId, runStatusAfter(outcome), &error), error);
}

} // namespace momok
