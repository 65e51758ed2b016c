#include "entities/KnownTriplesModel.h"

#include "common/EntityImages.h"

#include <QColor>

#include <algorithm>

namespace momok::ui {

namespace {
constexpr QSize kThumbnailBox{32, 24};
}

void KnownTriplesModel::setDataset(std::shared_ptr<const KgDataset> dataset)
{
    beginResetModel();
    m_dataset = std::move(dataset);
    m_entity = -1;
    m_rows.clear();
    endResetModel();
}

void KnownTriplesModel::setEntity(qint64 entity)
{
    beginResetModel();
    m_entity = entity;
    m_rows.clear();
    if (m_dataset && entity >= 0) {
        // A linear pass per visit: even DB15K's ~100k triples take well under a millisecond.
        for (Split split : {Split::Train, Split::Valid, Split::Test}) {
            for (const Triple &t : m_dataset->split(split)) {
                if (t.head == entity)
                    m_rows << Row{true, t.relation, t.tail, split};
                if (t.tail == entity && t.head != entity)
                    m_rows << Row{false, t.relation, t.head, split};
            }
        }
        std::stable_sort(m_rows.begin(), m_rows.end(), [this](const Row &a, const Row &b) {
            if (a.outgoing != b.outgoing)
                return a.outgoing;
            if (a.relation != b.relation)
                return m_dataset->relationNames.value(int(a.relation)) < m_dataset->relationNames.value(int(b.relation));
            return QString::localeAwareCompare(entityName(a.neighbour), entityName(b.neighbour)) < 0;
        });
    }
    endResetModel();
}

QString KnownTriplesModel::entityName(int64_t id) const
{
    if (!m_dataset || id < 0 || id >= m_dataset->entityCount())
        return {};
    const EntityInfo &info = m_dataset->entities[int(id)];
    return info.displayName.isEmpty() ? info.name : info.displayName;
}

int KnownTriplesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int KnownTriplesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant KnownTriplesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || !m_dataset)
        return {};
    const Row &row = m_rows[index.row()];
    const QString relation = m_dataset->relationNames.value(int(row.relation));
    switch (role) {
    case NeighbourIdRole: return qint64(row.neighbour);
    case RelationIdRole: return qint64(row.relation);
    case SplitRole: return splitName(row.split);
    case OutgoingRole: return row.outgoing;
    case Qt::ToolTipRole: {
        const QString self = entityName(m_entity), other = entityName(row.neighbour);
        const QString triple = row.outgoing ? QStringLiteral("%1 → %2 → %3").arg(self, relation, other)
                                            : QStringLiteral("%1 → %2 → %3").arg(other, relation, self);
        return tr("%1\n(%2 split; double-click to open %3)").arg(triple, splitName(row.split), other);
    }
    default: break;
    }
    switch (index.column()) {
    case DirectionColumn:
        if (role == Qt::DisplayRole)
            return row.outgoing ? QStringLiteral("→") : QStringLiteral("←");
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignCenter);
        break;
    case RelationColumn:
        if (role == Qt::DisplayRole)
            return relation;
        break;
    case NeighbourColumn:
        if (role == Qt::DisplayRole)
            return entityName(row.neighbour);
        if (role == Qt::DecorationRole && row.neighbour < m_dataset->entityCount())
            return entityThumbnailOrBlank(m_dataset->entities[int(row.neighbour)].imagePaths, kThumbnailBox);
        break;
    case SplitColumn:
        if (role == Qt::DisplayRole)
            return splitName(row.split);
        if (role == Qt::ForegroundRole && row.split != Split::Train)
            return QColor(row.split == Split::Valid ? 0x0072B2 : 0xD55E00);
        break;
    default: break;
    }
    return {};
}

QVariant KnownTriplesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case DirectionColumn: return QString();
        case RelationColumn: return tr("Relation");
        case NeighbourColumn: return tr("Entity");
        case SplitColumn: return tr("Split");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole && section == DirectionColumn)
        return tr("→ this entity is the head; ← it is the tail");
    return {};
}

QHash<int, QByteArray> KnownTriplesModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names[NeighbourIdRole] = "neighbourId";
    names[RelationIdRole] = "relationId";
    names[SplitRole] = "split";
    names[OutgoingRole] = "outgoing";
    return names;
}

} // namespace momok::ui
