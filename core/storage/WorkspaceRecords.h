#pragma once
// Plain rows read from and written to a workspace (torch-free, shared with the UI).
#include "eval/EvaluationReport.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace momok {

// Bits of the modality filter of Workspace::searchEntities.
constexpr int kRequireImage = 1;
constexpr int kRequireText = 2;

struct DatasetRecord {
    qint64 id = -1;
    QString path;         // absolute directory the dataset was imported from
    QString name;         // the directory's name
    QString format;       // formatName() of the dataset's format
    QString contentHash;  // Workspace::contentHash of the directory at import time
    qint64 entityCount = 0, relationCount = 0;
    qint64 trainCount = 0, validCount = 0, testCount = 0;
    QDateTime importedAt; // UTC
};

struct EntityHit {
    qint64 entityId = -1; // the dataset's entity id
    QString name, displayName, description, type;
    QStringList imagePaths;
    bool hasImage = false, hasText = false;
    double score = 0; // bm25: lower is better; 0 when the query was empty
};

struct RunRecord {
    qint64 id = -1;
    qint64 datasetId = -1;
    QString datasetName;
    QString name;
    QJsonObject config;
    RunStatus status = RunStatus::Running;
    QDateTime createdAt, startedAt, finishedAt, heartbeatAt; // UTC; invalid when unset
    QString checkpointPath, bestCheckpointPath;
    qint64 pid = 0;
    QString host;
    QJsonObject finalMetrics;
    QString notes;
    // Derived when read, for run lists: epochs recorded, best headline MRR on the
    // validation split, headline MRR of the latest test evaluation.
    int epochCount = 0;
    std::optional<double> bestValidMrr, testMrr;
};

struct EvaluationRecord {
    qint64 id = -1;
    qint64 runId = -1;
    int epoch = 0;
    Split split = Split::Valid;
    RankMetrics headline; // realistic ranks of the combined decoder, both directions
    double seconds = 0;
    QDateTime createdAt;
};

// The rules for picking one of a run's evaluations (in recording order), used by every view
// and command. Each returns null when the run has no such evaluation.
// The latest evaluation on the split.
const EvaluationRecord *latestEvaluation(const QVector<EvaluationRecord> &evaluations, Split split);
// The one with the best headline MRR on the split (the earliest on ties).
const EvaluationRecord *bestEvaluation(const QVector<EvaluationRecord> &evaluations, Split split);
// What a run's figures are reported from: its latest test evaluation, else its best validation one.
const EvaluationRecord *reportedEvaluation(const QVector<EvaluationRecord> &evaluations);

} // namespace momok
