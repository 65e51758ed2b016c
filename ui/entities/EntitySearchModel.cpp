#include "entities/EntitySearchModel.h"

#include "common/EntityImages.h"

namespace momok::ui {

void EntitySearchModel::setHits(QVector<EntityHit> hits)
{
    beginResetModel();
    m_hits = std::move(hits);
    endResetModel();
}

int EntitySearchModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_hits.size());
}

QVariant EntitySearchModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_hits.size())
        return {};
    const EntityHit &hit = m_hits[index.row()];
    switch (role) {
    case Qt::DisplayRole: return hit.displayName;
    case Qt::DecorationRole: return entityThumbnail(hit.imagePaths, kThumbnailBox);
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("<b>%1</b>").arg(hit.displayName.toHtmlEscaped());
        if (!hit.type.isEmpty())
            tip += QStringLiteral(" · %1").arg(hit.type.toHtmlEscaped());
        if (!hit.description.isEmpty())
            tip += QStringLiteral("<br>%1").arg(hit.description.left(300).toHtmlEscaped());
        return tip;
    }
    case EntityIdRole: return hit.entityId;
    case TypeRole: return hit.type;
    case HasImageRole: return hit.hasImage;
    case HasTextRole: return hit.hasText;
    default: return {};
    }
}

QHash<int, QByteArray> EntitySearchModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names[EntityIdRole] = "entityId";
    names[TypeRole] = "type";
    names[HasImageRole] = "hasImage";
    names[HasTextRole] = "hasText";
    return names;
}

} // namespace momok::ui
