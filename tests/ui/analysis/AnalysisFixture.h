#pragma once
// A real workspace for the analysis views: short real trainings on the bundled
// countries dataset (quick-demo preset, 2 epochs, evaluated every epoch), recorded
// the way the application records runs: epochs, every evaluation, checkpoint, status.
#include "data/DatasetReader.h"
#include "model/ModelConfig.h"
#include "storage/Workspace.h"
#include "train/Trainer.h"

#include <QDir>
#include <QTemporaryDir>

namespace momok::testing {

struct RecordedRun {
    qint64 runId = -1;
    QString name;
    RunSpec spec;
    QVector<EpochRecord> history;
    QVector<EvaluationReport> evaluations; // in the order they were recorded
    EvaluationReport bestValid, test;
};

class CollectingObserver : public TrainingObserver
{
public:
    void evaluationFinished(const EvaluationReport &report, bool) override { reports.append(report); }
    QVector<EvaluationReport> reports;
};

class AnalysisFixture
{
public:
    QTemporaryDir dir;
    QString workspacePath;
    qint64 datasetId = -1;
    QStringList relationNames;
    RecordedRun full, noExid, structureOnly;

    static QString countriesDir() { return QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"); }

    // Trains and records three runs: the full model, the same without ExID (an
    // ablation partner), and one without image or text features (unused modalities).
    bool build(QString *error)
    {
        if (!dir.isValid())
            return fail(error, QStringLiteral("no temporary folder"));
        workspacePath = dir.filePath(QStringLiteral("workspace/momok.sqlite"));
        auto ws = Workspace::open(workspacePath, error);
        if (!ws)
            return false;
        const DatasetLoadResult loaded = DatasetReader::read(countriesDir());
        if (!loaded.ok())
            return fail(error, loaded.summary());
        relationNames = loaded.dataset->relationNames;
        const QString hash = Workspace::contentHash(countriesDir(), error);
        if (hash.isEmpty() || !ws->importDataset(*loaded.dataset, hash, &datasetId, error))
            return false;

        RunSpec base;
        base.datasetDir = countriesDir();
        base.randomFeatures = true; // seeded stand-ins for the flags' and names' features
        ModelConfig::applyPreset(QStringLiteral("quick-demo"), &base.config);
        base.config.epochs = 2;
        base.config.evalEvery = 1;
        base.config.threads = 2;

        RunSpec withoutExid = base;
        withoutExid.config.exid = false;
        RunSpec structure = base;
        structure.randomFeatures = false; // no image or text features: S and joint only
        structure.extractFeatures = false;

        return train(*ws, base, QStringLiteral("quick-demo"), &full, error)
            && train(*ws, withoutExid, QStringLiteral("quick-demo, no ExID"), &noExid, error)
            && train(*ws, structure, QStringLiteral("structure only"), &structureOnly, error);
    }

private:
    static bool fail(QString *error, const QString &text)
    {
        if (error)
            *error = text;
        return false;
    }

    bool train(Workspace &ws, RunSpec spec, const QString &name, RecordedRun *out, QString *error)
    {
        spec.runDir = dir.filePath(QStringLiteral("runs/%1").arg(name).replace(' ', '-').remove(','));
        Trainer trainer;
        if (!trainer.start(spec, nullptr, error))
            return false;
        CollectingObserver observer;
        if (trainer.run(&observer, nullptr, error) != Outcome::Finished)
            return false;
        out->name = name;
        out->spec = spec;
        out->history = trainer.history();
        out->bestValid = trainer.bestValidReport();
        out->test = trainer.testReport();
        out->runId = ws.beginRun(datasetId, name, spec.toJson(), error);
        if (out->runId < 0)
            return false;
        for (const EpochRecord &e : out->history)
            if (!ws.recordEpoch(out->runId, e, error))
                return false;
        out->evaluations = observer.reports;
        bool testSeen = false;
        for (const EvaluationReport &r : observer.reports)
            testSeen = testSeen || r.split == Split::Test;
        if (!testSeen)
            out->evaluations.append(out->test);
        for (const EvaluationReport &r : out->evaluations)
            if (!ws.recordEvaluation(out->runId, r, error))
                return false;
        return ws.setCheckpoint(out->runId, QDir(spec.runDir).filePath(QStringLiteral("checkpoint.pt")), true, error)
            && ws.setRunStatus(out->runId, RunStatus::Finished, error);
    }
};

} // namespace momok::testing
