#pragma once
// A knowledge graph as the engine sees it: ids, names, splits and entity metadata.
// Torch-free so the UI can use it directly.
#include "domain/Vocabulary.h"

#include <QString>
#include <QStringList>
#include <QHash>
#include <QVector>

#include <cstdint>
#include <vector>

namespace momok {

struct Triple {
    int64_t head = 0;
    int64_t relation = 0;
    int64_t tail = 0;
    friend bool operator==(const Triple &a, const Triple &b)
    {
        return a.head == b.head && a.relation == b.relation && a.tail == b.tail;
    }
};

enum class DatasetFormat { NamedTriples, OpenKE, Tsv };
QString formatName(DatasetFormat format);

struct EntityInfo {
    QString name;          // the identifier used in the triple files
    QString displayName;   // human-readable name (defaults to name with '_' as spaces)
    QString description;   // free text; empty when absent
    QStringList imagePaths; // absolute paths, possibly several, possibly none
    QString type;          // type label; empty when absent
    QString thumbnailPath; // absolute path of a small version of the image; empty when absent
};

// A feature matrix found in the dataset folder (checked: one finite row per entity).
struct FeatureFileInfo {
    QString modality;         // "image" or "text"
    QString path;             // absolute
    int64_t rows = 0;
    int64_t columns = 0;
    int64_t presentRows = 0;  // rows that are not all zero (the others count as missing)
};

struct KgDataset {
    QString directory;
    DatasetFormat format = DatasetFormat::NamedTriples;
    QStringList relationNames;      // id -> name
    QVector<EntityInfo> entities;   // id -> metadata (entities[i].name is the id's name)
    std::vector<Triple> train, valid, test;
    QVector<FeatureFileInfo> featureFiles; // at most one per modality

    int64_t entityCount() const { return entities.size(); }
    int64_t relationCount() const { return relationNames.size(); }
    int64_t entitiesWithImage() const;
    int64_t entitiesWithText() const;
    int64_t entitiesWithType() const;
    const FeatureFileInfo *featureFile(const QString &modality) const; // null when absent
    const std::vector<Triple> &split(Split s) const
    {
        return s == Split::Train ? train : s == Split::Valid ? valid : test;
    }
    // SHA-256 (hex) over the entity and relation names in id order and the three splits'
    // triples: what a trained model depends on. Metadata, images and features are left out.
    QString graphHash() const;
    // -1 when unknown.
    int64_t entityId(const QString &name) const;
    int64_t relationId(const QString &name) const;

    // Lazily built name → id indexes (mutable caches, not thread-safe while building).
    mutable QHash<QString, int64_t> m_entityIndex;
    mutable QHash<QString, int64_t> m_relationIndex;
};

} // namespace momok
