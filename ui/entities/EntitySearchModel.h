#pragma once
// The entity search's results: one row per hit, thumbnail + display name + type.
#include "storage/WorkspaceRecords.h"

#include <QAbstractListModel>
#include <QSize>
#include <QVector>

namespace momok::ui {

class EntitySearchModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role { EntityIdRole = Qt::UserRole + 1, TypeRole, HasImageRole, HasTextRole };
    static constexpr QSize kThumbnailBox{40, 30};

    using QAbstractListModel::QAbstractListModel;

    void setHits(QVector<EntityHit> hits);
    const QVector<EntityHit> &hits() const { return m_hits; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    QVector<EntityHit> m_hits;
};

} // namespace momok::ui
