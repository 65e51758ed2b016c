#include "train/QueryIndex.h"

#include <algorithm>

namespace momok {

QueryIndex QueryIndex::build(const std::vector<const std::vector<Triple> *> &splits, int64_t relations)
{
    QueryIndex index;
    std::vector<std::pair<int64_t, int64_t>> pairs; // (query, answer)
    auto queryOf = [&](int64_t e, int64_t r) {
        auto [it, inserted] = index.m_lookup.emplace(key(e, r), int64_t(index.m_entity.size()));
        if (inserted) {
            index.m_entity.push_back(e);
            index.m_relation.push_back(r);
        }
        return it->second;
    };
    for (const auto *split : splits) {
        for (const Triple &t : *split) {
            pairs.emplace_back(queryOf(t.head, t.relation), t.tail);
            pairs.emplace_back(queryOf(t.tail, t.relation + relations), t.head);
        }
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    index.m_offsets.assign(index.m_entity.size() + 1, 0);
    for (const auto &p : pairs)
        ++index.m_offsets[size_t(p.first) + 1];
    for (size_t q = 0; q < index.m_entity.size(); ++q)
        index.m_offsets[q + 1] += index.m_offsets[q];
    index.m_answers.reserve(pairs.size());
    for (const auto &p : pairs)
        index.m_answers.push_back(p.second);
    return index;
}

int64_t QueryIndex::find(int64_t entity, int64_t directedRelation) const
{
    auto it = m_lookup.find(key(entity, directedRelation));
    return it == m_lookup.end() ? -1 : it->second;
}

bool QueryIndex::contains(int64_t entity, int64_t directedRelation, int64_t answer) const
{
    const int64_t q = find(entity, directedRelation);
    return q >= 0 && std::binary_search(answersBegin(q), answersEnd(q), answer);
}

} // namespace momok
