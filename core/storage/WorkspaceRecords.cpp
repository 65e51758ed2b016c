#include "storage/WorkspaceRecords.h"

namespace momok {

const EvaluationRecord *latestEvaluation(const QVector<EvaluationRecord> &evaluations, Split split)
{
    for (auto it = evaluations.rbegin(); it != evaluations.rend(); ++it)
        if (it->split == split)
            return &*it;
    return nullptr;
}

const EvaluationRecord *bestEvaluation(const QVector<EvaluationRecord> &evaluations, Split split)
{
    const EvaluationRecord *best = nullptr;
    for (const EvaluationRecord &e : evaluations)
        if (e.split == split && (!best || e.headline.mrr > best->headline.mrr))
            best = &e;
    return best;
}

const EvaluationRecord *reportedEvaluation(const QVector<EvaluationRecord> &evaluations)
{
    if (const EvaluationRecord *test = latestEvaluation(evaluations, Split::Test))
        return test;
    return bestEvaluation(evaluations, Split::Valid);
}

} // namespace momok
