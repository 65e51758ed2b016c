#pragma once
// Evidence for a predicted triple (h, r, t), from the training graph and the model's own
// notion of similarity (EntitySimilarity), per representation:
// - "similar head": known (h', r, t) where h' is among h's most similar entities ("Brazil's
//   text resembles Portugal's, and Portugal speaks Portuguese");
// - "similar tail": known (h, r, t') where t' is among t's most similar entities.
// For a head prediction (?, r, t) the same two rules apply to the triple it completes.
// Torch-free; the training triples are indexed once, a query scans k neighbours.
#include "analysis/EntitySimilarity.h"
#include "data/KgDataset.h"

#include <QVector>

#include <array>
#include <unordered_set>

namespace momok {

enum class EvidenceKind { SimilarHead, SimilarTail };

struct EvidenceItem {
    Decoder representation = Decoder::Structure; // whose similarity (S, I, T or joint)
    EvidenceKind kind = EvidenceKind::SimilarHead;
    Triple known;            // the training triple
    int64_t neighbour = 0;   // h' (SimilarHead) or t' (SimilarTail)
    double similarity = 0;   // cosine of h and h' (or t and t') in that representation
};

struct PredictionEvidence {
    Triple triple;
    QVector<EvidenceItem> items; // most similar first
    std::array<int, kScoringDecoderCount> count{}; // items per representation
    // The content or structure modality (S, I, T) with the most items; nullopt without any.
    // Ties go to the first in S, I, T order.
    std::optional<Modality> leadingModality() const;
};

class EvidenceFinder
{
public:
    static constexpr int kDefaultNeighbours = 10;

    EvidenceFinder(const KgDataset &dataset, const EntitySimilarity &similarity);

    // Evidence for (head, relation, tail) from each representation's `neighbours` nearest
    // entities of head and of tail.
    PredictionEvidence find(const Triple &triple, int neighbours = kDefaultNeighbours) const;
    bool isTraining(const Triple &triple) const;

private:
    uint64_t key(int64_t head, int64_t relation, int64_t tail) const
    {
        return (uint64_t(head) * uint64_t(m_relations) + uint64_t(relation)) * uint64_t(m_entities) + uint64_t(tail);
    }

    const EntitySimilarity &m_similarity;
    int64_t m_entities = 0, m_relations = 0;
    std::unordered_set<uint64_t> m_train;
};

} // namespace momok
