#include "analysis/ModalityStrengths.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace momok {

bool ModalityStrengths::active(const EvaluationReport &report, Decoder decoder)
{
    return report.overall.both[size_t(decoder)].realistic.count > 0;
}

QVector<RelationStrength> ModalityStrengths::best(const EvaluationReport &report, Decoder decoder, int top, Order order)
{
    QVector<RelationStrength> out;
    if (!active(report, decoder))
        return out;
    for (const RelationReport &r : report.relations) {
        const RankMetrics &m = r.metrics.both[size_t(decoder)].realistic;
        if (m.count == 0)
            continue;
        // The lead is measured against single decoders only: the combined decision is
        // built from them, so comparing a decoder with it would count itself.
        double bestOther = -std::numeric_limits<double>::infinity();
        for (int d = 0; d < int(Decoder::Combined); ++d) {
            const RankMetrics &o = r.metrics.both[size_t(d)].realistic;
            if (d != int(decoder) && o.count > 0)
                bestOther = std::max(bestOther, o.mrr);
        }
        const double lead = std::isinf(bestOther) ? 0.0 : m.mrr - bestOther;
        out.append({r.relation, r.name, m.mrr, lead, m.count});
    }
    const auto key = [order](const RelationStrength &s) {
        return order == Order::ByMrr ? std::make_pair(s.mrr, s.lead) : std::make_pair(s.lead, s.mrr);
    };
    std::sort(out.begin(), out.end(), [&](const RelationStrength &a, const RelationStrength &b) {
        if (key(a) != key(b))
            return key(a) > key(b);
        return a.name < b.name;
    });
    if (top > 0 && out.size() > top)
        out.resize(top);
    return out;
}

} // namespace momok
