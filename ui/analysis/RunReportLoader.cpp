#include "analysis/RunReportLoader.h"

#include "storage/Workspace.h"


namespace momok::ui {

QString RunReport::source() const
{
    if (!report)
        return {};
    // "test split, epoch 2" / "best validation evaluation (no test evaluation yet), epoch 1"
    return report->split == Split::Test
        ? QStringLiteral("%1 split, epoch %2").arg(splitLabel(Split::Test)).arg(report->epoch)
        : QStringLiteral("best %1 evaluation (no %2 evaluation yet), epoch %3")
              .arg(splitLabel(Split::Valid), splitLabel(Split::Test))
              .arg(report->epoch);
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
