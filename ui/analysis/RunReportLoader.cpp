#include "analysis/RunReportLoader.h"

#include "storage/Workspace.h"


namespace momok::ui {

QString RunReport::source() const
{
    if (!report)
        return {};
    return report->split == Split::Test
        ? QStringLiteral("test split, epoch %1").arg(report->epoch)
        : QStringLiteral("best validation evaluation (no test evaluation yet), epoch %1").arg(report->epoch);
}

RunReport RunReportLoader::load(Workspace *ws, const QString &openError, qint64 runId)
{
    RunReport out;
    if (runId < 0) {
        out.error = QStringLiteral("No run selected.");
        return out;
    }
    if (!ws) {
        out.error = openError.isEmpty() ? QStringLiteral("No workspace is open.") : openError;
        return out;
    }
    QString error;
    out.run = ws->run(runId);
    if (!out.run) {
        out.error = QStringLiteral("Run %1 is not in this workspace (deleted?).").arg(runId);
        return out;
    }
    const QVector<EvaluationRecord> evaluations = ws->evaluations(runId);
    const EvaluationRecord *chosen = reportedEvaluation(evaluations);
    if (!chosen) {
        out.error = QStringLiteral("Run “%1” has no evaluation yet.").arg(out.run->name);
        return out;
    }
    out.report = ws->evaluationReport(chosen->id, &error);
    if (!out.report) {
        out.error = error.isEmpty() ? QStringLiteral("The evaluation of run “%1” cannot be read.").arg(out.run->name) : error;
        return out;
    }
    out.evaluationId = chosen->id;
    return out;
}

} // namespace momok::ui
