#include "analysis/SimilarEntitiesModel.h"

#include "common/EntityImages.h"
#include "common/ModalityPalette.h"

namespace momok::ui {

SimilarEntitiesModel::SimilarEntitiesModel(Decoder representation, QObject *parent)
    : QAbstractTableModel(parent), m_representation(representation)
{
}

void SimilarEntitiesModel::setDataset(std::shared_ptr<const KgDataset> dataset)
{
    beginResetModel();
    m_dataset = std::move(dataset);
    m_entities.clear();
    endResetModel();
}

void SimilarEntitiesModel::setEntities(const QVector<SimilarEntity> &entities)
{
    beginResetModel();
    m_entities.clear();
    if (m_dataset)
        for (const SimilarEntity &e : entities)
            if (e.entity >= 0 && e.entity < m_dataset->entityCount())
                m_entities << e;
    endResetModel();
}

int SimilarEntitiesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entities.size());
}

int SimilarEntitiesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SimilarEntitiesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entities.size() || !m_dataset)
        return {};
    const SimilarEntity &e = m_entities[index.row()];
    const EntityInfo &info = m_dataset->entities[int(e.entity)];
    switch (role) {
    case EntityIdRole:
        return qint64(e.entity);
    case SimilarityRole:
        return e.similarity;
    case ScoreRole:
        return index.column() == SimilarityColumn ? QVariant((1.0 + e.similarity) / 2.0) : QVariant();
    case BarColorRole:
        return decoderColor(m_representation);
    case Qt::DisplayRole:
        switch (index.column()) {
        case RankColumn: return index.row() + 1;
        case EntityColumn: return info.displayName.isEmpty() ? info.name : info.displayName;
        case SimilarityColumn: return QString::number(e.similarity, 'f', 3);
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == EntityColumn)
            return entityThumbnailOrBlank(info.thumbnailPath.isEmpty() ? info.imagePaths : QStringList{info.thumbnailPath},
                                          QSize(32, 24));
        return {};
    case Qt::ToolTipRole:
        return tr("%1 — cosine %2 in the %3 representation%4")
            .arg(info.displayName.isEmpty() ? info.name : info.displayName)
            .arg(e.similarity, 0, 'f', 4)
            .arg(decoderLabel(m_representation).toLower())
            .arg(info.type.isEmpty() ? QString() : tr(" (%1)").arg(info.type));
    case Qt::TextAlignmentRole:
        return index.column() == EntityColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignCenter);
    }
    return {};
}

QVariant SimilarEntitiesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RankColumn: return tr("#");
    case EntityColumn: return tr("entity");
    case SimilarityColumn: return tr("cosine");
    }
    return {};
}

} // namespace momok::ui
