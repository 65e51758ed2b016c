#pragma once
// Reads what the analysis views show for one run: its record and the evaluation they
// explain: the latest test evaluation, else the best validation one. Reads through the
// connection it is given, so it runs on whichever thread owns that connection.
#include "eval/EvaluationReport.h"
#include "storage/WorkspaceRecords.h"

#include <QString>

#include <optional>

namespace momok {
class Workspace;
}

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
    // ws null: nothing to read, openError says why (empty: no workspace is open).
    static RunReport load(Workspace *ws, const QString &openError, qint64 runId);
};

} // namespace momok::ui
