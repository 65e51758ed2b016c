#include "analysis/CandidateTypes.h"

#include <QCoreApplication>
#include <QHash>

namespace momok {

CandidateTypes::CandidateTypes(const KgDataset &dataset)
    : m_entities(dataset.entityCount()), m_relations(dataset.relationCount()), m_byType(dataset.entitiesWithType() > 0)
{
    m_allowed.assign(size_t(m_relations * 2 * m_entities), 0);
    auto at = [&](int64_t relation, bool head) { return m_allowed.data() + (relation * 2 + (head ? 1 : 0)) * m_entities; };
    // Entities seen in each position: always allowed there.
    for (const Triple &t : dataset.train) {
        at(t.relation, false)[t.tail] = 1;
        at(t.relation, true)[t.head] = 1;
    }
    if (!m_byType)
        return;
    // The types seen in each position, then every entity of those types.
    QHash<QString, int> typeIds;
    std::vector<int> typeOf(size_t(m_entities), -1);
    for (int64_t e = 0; e < m_entities; ++e) {
        const QString &type = dataset.entities[int(e)].type;
        if (!type.isEmpty())
            typeOf[size_t(e)] = typeIds.insert(type, typeIds.value(type, int(typeIds.size()))).value();
    }
    const int types = int(typeIds.size());
    std::vector<uint8_t> typeSeen(size_t(m_relations * 2 * types), 0);
    for (const Triple &t : dataset.train) {
        if (typeOf[size_t(t.tail)] >= 0)
            typeSeen[size_t((t.relation * 2) * types + typeOf[size_t(t.tail)])] = 1;
        if (typeOf[size_t(t.head)] >= 0)
            typeSeen[size_t((t.relation * 2 + 1) * types + typeOf[size_t(t.head)])] = 1;
    }
    for (int64_t slotIndex = 0; slotIndex < m_relations * 2; ++slotIndex) {
        uint8_t *allowedRow = m_allowed.data() + slotIndex * m_entities;
        const uint8_t *seen = typeSeen.data() + slotIndex * types;
        for (int64_t e = 0; e < m_entities; ++e)
            if (typeOf[size_t(e)] >= 0 && seen[typeOf[size_t(e)]])
                allowedRow[e] = 1;
    }
}

QString CandidateTypes::basisLabel() const
{
    return m_byType ? QCoreApplication::translate("CandidateTypes", "types from entity_types.tsv")
                    : QCoreApplication::translate("CandidateTypes", "entities seen in that position in training");
}

bool CandidateTypes::allowed(int64_t relation, bool headPrediction, int64_t candidate) const
{
    if (relation < 0 || relation >= m_relations || candidate < 0 || candidate >= m_entities)
        return false;
    return slot(relation, headPrediction)[candidate] != 0;
}

int64_t CandidateTypes::allowedCount(int64_t relation, bool headPrediction) const
{
    if (relation < 0 || relation >= m_relations)
        return 0;
    const uint8_t *row = slot(relation, headPrediction);
    int64_t n = 0;
    for (int64_t e = 0; e < m_entities; ++e)
        n += row[e];
    return n;
}

std::vector<int64_t> CandidateTypes::removed(int64_t relation, bool headPrediction) const
{
    std::vector<int64_t> out;
    if (relation < 0 || relation >= m_relations)
        return out;
    const uint8_t *row = slot(relation, headPrediction);
    for (int64_t e = 0; e < m_entities; ++e)
        if (!row[e])
            out.push_back(e);
    return out;
}

} // namespace momok
