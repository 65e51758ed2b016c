#pragma once
// 1-to-N queries (entity, directed relation) with their known answers, in CSR form.
// Relation r ≥ R denotes the inverse of r − R, so head prediction is tail prediction.
#include "data/KgDataset.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace momok {

class QueryIndex
{
public:
    // Every (h, r) and (t, r⁻¹) of the given triples, with all their answers among them.
    static QueryIndex build(const std::vector<const std::vector<Triple> *> &splits, int64_t relations);

    int64_t size() const { return int64_t(m_entity.size()); }
    int64_t entity(int64_t q) const { return m_entity[size_t(q)]; }
    int64_t relation(int64_t q) const { return m_relation[size_t(q)]; }
    // Answers of query q, sorted ascending.
    const int64_t *answersBegin(int64_t q) const { return m_answers.data() + m_offsets[size_t(q)]; }
    const int64_t *answersEnd(int64_t q) const { return m_answers.data() + m_offsets[size_t(q) + 1]; }
    int64_t answerCount(int64_t q) const { return m_offsets[size_t(q) + 1] - m_offsets[size_t(q)]; }
    // -1 when the query does not occur.
    int64_t find(int64_t entity, int64_t directedRelation) const;
    bool contains(int64_t entity, int64_t directedRelation, int64_t answer) const;

private:
    static uint64_t key(int64_t e, int64_t r) { return (uint64_t(e) << 24) ^ uint64_t(r); }
    std::vector<int64_t> m_entity, m_relation, m_offsets, m_answers;
    std::unordered_map<uint64_t, int64_t> m_lookup;
};

} // namespace momok
