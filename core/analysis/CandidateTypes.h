#pragma once
// Candidates that make sense for a query: an answer to (h, r, ?) should be of a type that r
// takes as its tail in the training data (and likewise for heads). With entity types
// (entity_types.tsv) the rule is by type: a candidate whose type occurs in that position
// is kept, one without a type only if it occurs there itself; without types it is the
// entities seen in that position. Off in evaluation (the field's metrics rank every
// entity); the app's predictions use it by default and say how many candidates it removed.
// Torch-free.
#include "data/KgDataset.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace momok {

class CandidateTypes
{
public:
    CandidateTypes() = default;
    explicit CandidateTypes(const KgDataset &dataset); // from the training split

    bool isEmpty() const { return m_entities == 0; }
    bool byType() const { return m_byType; } // else: by the entities seen in the position
    QString basisLabel() const;              // "types from entity_types.tsv" / "entities seen in training"

    // headPrediction: candidates for (?, relation, entity), else for (entity, relation, ?).
    bool allowed(int64_t relation, bool headPrediction, int64_t candidate) const;
    int64_t allowedCount(int64_t relation, bool headPrediction) const;
    // The candidates the rule removes for this query, ascending (for rank filtering).
    std::vector<int64_t> removed(int64_t relation, bool headPrediction) const;

private:
    const uint8_t *slot(int64_t relation, bool headPrediction) const
    {
        return m_allowed.data() + (relation * 2 + (headPrediction ? 1 : 0)) * m_entities;
    }

    int64_t m_entities = 0, m_relations = 0;
    bool m_byType = false;
    std::vector<uint8_t> m_allowed; // [relation][tail|head][entity]
};

} // namespace momok
