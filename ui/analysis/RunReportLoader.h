#pragma once
// Reads what the analysis views show for one run: its record and the evaluation they
// explain: the latest test evaluation, else the best validation one. Safe to call on
// a worker thread (opens its own workspace connection).
#include "eval/EvaluationReport.h"
#include "storage/WorkspaceRecords.h"

#include <QString>

#include <optional>

namespace momok::ui {

struct RunReport {
    std::optional<RunRecord> run;
    std::optional<EvaluationReport> report;
    qint64 evaluationId = -1;
    QString error; // why there is nothing to show (no run, no evaluation, unreadable workspace)
    // "test split, epoch 2" or "best validation, epoch 1": the source, for the view's caption.
    QString source() const;
};

class RunReportLoader
{
public:
    static RunReport load(const QString &workspacePath, qint64 runId);
};

} // namespace momok::ui
