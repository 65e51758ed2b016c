#include "data/KgDataset.h"

#include <QCryptographicHash>

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

QString KgDataset::graphHash() const
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    auto addText = [&hash](const QString &text) {
        const QByteArray utf8 = text.toUtf8();
        const qint64 size = utf8.size();
        hash.addData(QByteArrayView(reinterpret_cast<const char *>(&size), sizeof size));
        hash.addData(utf8);
    };
    for (const EntityInfo &e : entities)
        addText(e.name);
    hash.addData(QByteArrayView("|relations|"));
    for (const QString &r : relationNames)
        addText(r);
    for (const std::vector<Triple> *split : {&train, &valid, &test}) {
        const qint64 count = qint64(split->size());
        hash.addData(QByteArrayView(reinterpret_cast<const char *>(&count), sizeof count));
        hash.addData(QByteArrayView(reinterpret_cast<const char *>(split->data()), qsizetype(split->size() * sizeof(Triple))));
    }
    return QString::fromLatin1(hash.result().toHex());
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
