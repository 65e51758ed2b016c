#include "data/KgDataset.h"

#include <algorithm>

namespace momok {

QString formatName(DatasetFormat format)
{
    switch (format) {
    case DatasetFormat::NamedTriples: return QStringLiteral("named triples");
    case DatasetFormat::OpenKE: return QStringLiteral("OpenKE ids");
    case DatasetFormat::Tsv: return QStringLiteral("tab-separated triples");
    }
    return {};
}

int64_t KgDataset::entitiesWithImage() const
{
    return std::count_if(entities.begin(), entities.end(), [](const EntityInfo &e) { return !e.imagePaths.isEmpty(); });
}

int64_t KgDataset::entitiesWithText() const
{
    return std::count_if(entities.begin(), entities.end(), [](const EntityInfo &e) { return !e.description.isEmpty(); });
}

int64_t KgDataset::entitiesWithType() const
{
    return std::count_if(entities.begin(), entities.end(), [](const EntityInfo &e) { return !e.type.isEmpty(); });
}

const FeatureFileInfo *KgDataset::featureFile(const QString &modality) const
{
    for (const FeatureFileInfo &f : featureFiles) {
        if (f.modality == modality)
            return &f;
    }
    return nullptr;
}

int64_t KgDataset::entityId(const QString &name) const
{
    if (m_entityIndex.size() != entities.size()) {
        m_entityIndex.clear();
        m_entityIndex.reserve(entities.size());
        for (int64_t i = 0; i < entities.size(); ++i)
            m_entityIndex.insert(entities[i].name, i);
    }
    return m_entityIndex.value(name, -1);
}

int64_t KgDataset::relationId(const QString &name) const
{
    if (m_relationIndex.size() != relationNames.size()) {
        m_relationIndex.clear();
        for (int64_t i = 0; i < relationNames.size(); ++i)
            m_relationIndex.insert(relationNames[i], i);
    }
    return m_relationIndex.value(name, -1);
}

} // namespace momok
