#pragma once
// The current entity's known triples in both directions, from every split:
// direction arrow, relation, neighbour (thumbnail + name), split.
#include "data/KgDataset.h"

#include <QAbstractTableModel>

#include <memory>

namespace momok::ui {

class KnownTriplesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { DirectionColumn, RelationColumn, NeighbourColumn, SplitColumn, ColumnCount };
    enum Role { NeighbourIdRole = Qt::UserRole + 1, RelationIdRole, SplitRole, OutgoingRole };

    using QAbstractTableModel::QAbstractTableModel;

    void setDataset(std::shared_ptr<const KgDataset> dataset);
    void setEntity(qint64 entity);
    qint64 entity() const { return m_entity; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    struct Row {
        bool outgoing = true; // the entity is the head
        int64_t relation = 0;
        int64_t neighbour = 0;
        Split split = Split::Train;
    };
    QString entityName(int64_t id) const;

    std::shared_ptr<const KgDataset> m_dataset;
    qint64 m_entity = -1;
    QVector<Row> m_rows;
};

} // namespace momok::ui
