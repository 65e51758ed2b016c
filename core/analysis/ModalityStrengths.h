#pragma once
// Which relations each decoder predicts best: the poster's case-study table, computed
// from one evaluation's per-relation metrics. Torch-free so that `momok explain` and
// the desktop views give the same answer.
#include "eval/EvaluationReport.h"

#include <QString>
#include <QVector>

#include <cstdint>

namespace momok {

struct RelationStrength {
    int64_t relation = 0;  // index into EvaluationReport::relations' relation ids
    QString name;
    double mrr = 0;        // this decoder's realistic MRR on the relation, both directions, in %
    double lead = 0;       // mrr minus the best other single decoder's (S, I, T, joint) MRR
    int64_t queries = 0;
};

class ModalityStrengths
{
public:
    // ByMrr: the decoder's own per-relation MRR, highest first (what `momok explain` prints).
    // ByLead: how far the decoder is ahead of the best other decoder, i.e. the relations
    // where this modality out-performs the rest.
    enum class Order { ByMrr, ByLead };

    // The decoder's top relations (all when top <= 0). Relations without queries for this
    // decoder are left out; ties are broken by the other criterion, then by name.
    // Empty when the decoder was not active in the evaluation.
    static QVector<RelationStrength> best(const EvaluationReport &report, Decoder decoder, int top,
                                          Order order = Order::ByMrr);
    // Whether the decoder produced any rank in the evaluation.
    static bool active(const EvaluationReport &report, Decoder decoder);
};

} // namespace momok
