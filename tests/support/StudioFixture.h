#pragma once
// A real trained run for the GUI suites: the countries dataset, the quick-demo
// preset cut to a few epochs, trained through the Trainer API into a folder, and
// recorded in a workspace as the app's training would record it.
#include "model/ModelConfig.h"
#include "storage/Workspace.h"
#include "train/RunSpec.h"
#include "train/Trainer.h"

#include <QDir>
#include <QString>

namespace momok::testing {

inline QString countriesDir()
{
    return QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
}

// Trains into runDir (which must not hold a run). Seeded random image and text
// features stand in for extracted ones so that every decoder and gate is live, unless
// randomFeatures is false (then the flags and descriptions are extracted, as the app does).
inline bool trainQuickDemo(const QString &runDir, int epochs, Trainer *trainer, QString *error,
                           bool randomFeatures = true)
{
    RunSpec spec;
    spec.runDir = runDir;
    spec.datasetDir = countriesDir();
    spec.randomFeatures = randomFeatures;
    if (!ModelConfig::applyPreset(QStringLiteral("quick-demo"), &spec.config)) {
        *error = QStringLiteral("no quick-demo preset");
        return false;
    }
    spec.config.epochs = epochs;
    spec.config.evalEvery = 1; // a validation report, hence a best checkpoint, every epoch
    if (!trainer->start(spec, nullptr, error))
        return false;
    return trainer->run(nullptr, nullptr, error) == Outcome::Finished;
}

// Records the trained run under datasetId; returns the run id or -1.
inline qint64 recordRun(Workspace &workspace, qint64 datasetId, const Trainer &trainer, const QString &name, QString *error)
{
    const qint64 runId = workspace.beginRun(datasetId, name, trainer.spec().toJson(), error);
    if (runId < 0)
        return -1;
    for (const EpochRecord &epoch : trainer.history())
        if (!workspace.recordEpoch(runId, epoch, error))
            return -1;
    if (!workspace.recordEvaluation(runId, trainer.bestValidReport(), error)
        || !workspace.recordEvaluation(runId, trainer.testReport(), error))
        return -1;
    const QDir dir(trainer.spec().runDir);
    if (!workspace.setCheckpoint(runId, dir.filePath(QStringLiteral("last.pt")), false, error)
        || !workspace.setCheckpoint(runId, dir.filePath(QStringLiteral("best.pt")), true, error)
        || !workspace.setRunStatus(runId, RunStatus::Finished, error))
        return -1;
    return runId;
}

} // namespace momok::testing
