#include "analysis/Evidence.h"

#include <algorithm>

namespace momok {

std::optional<Modality> PredictionEvidence::leadingModality() const
{
    std::optional<Modality> best;
    int most = 0;
    for (Modality m : kModalities)
        if (count[size_t(decoderOf(m))] > most) {
            most = count[size_t(decoderOf(m))];
            best = m;
        }
    return best;
}

EvidenceFinder::EvidenceFinder(const KgDataset &dataset, const EntitySimilarity &similarity)
    : m_similarity(similarity), m_entities(dataset.entityCount()), m_relations(dataset.relationCount())
{
    m_train.reserve(dataset.train.size());
    for (const Triple &t : dataset.train)
        m_train.insert(key(t.head, t.relation, t.tail));
}

bool EvidenceFinder::isTraining(const Triple &t) const
{
    return t.head >= 0 && t.tail >= 0 && t.relation >= 0 && t.head < m_entities && t.tail < m_entities
           && t.relation < m_relations && m_train.count(key(t.head, t.relation, t.tail)) > 0;
}

PredictionEvidence EvidenceFinder::find(const Triple &triple, int neighbours) const
{
    PredictionEvidence out;
    out.triple = triple;
    for (Decoder d : m_similarity.available()) {
        for (const SimilarEntity &s : m_similarity.nearest(d, triple.head, neighbours)) {
            const Triple known{s.entity, triple.relation, triple.tail};
            if (isTraining(known)) {
                out.items << EvidenceItem{d, EvidenceKind::SimilarHead, known, s.entity, s.similarity};
                ++out.count[size_t(d)];
            }
        }
        for (const SimilarEntity &s : m_similarity.nearest(d, triple.tail, neighbours)) {
            const Triple known{triple.head, triple.relation, s.entity};
            if (isTraining(known)) {
                out.items << EvidenceItem{d, EvidenceKind::SimilarTail, known, s.entity, s.similarity};
                ++out.count[size_t(d)];
            }
        }
    }
    std::stable_sort(out.items.begin(), out.items.end(),
                     [](const EvidenceItem &a, const EvidenceItem &b) { return a.similarity > b.similarity; });
    return out;
}

} // namespace momok
