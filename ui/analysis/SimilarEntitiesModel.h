#pragma once
// One representation's most similar entities: rank, entity (thumbnail and name) and the
// cosine similarity drawn as a bar in the representation's colour.
#include "analysis/EntitySimilarity.h"
#include "data/KgDataset.h"

#include <QAbstractTableModel>

#include <memory>

namespace momok::ui {

class SimilarEntitiesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { RankColumn, EntityColumn, SimilarityColumn, ColumnCount };
    enum Role {
        EntityIdRole = Qt::UserRole + 1,
        ScoreRole,    // the cosine mapped to [0, 1] for the bar: (1 + cos) / 2
        BarColorRole,
        SimilarityRole // the cosine itself
    };

    explicit SimilarEntitiesModel(Decoder representation, QObject *parent = nullptr);

    Decoder representation() const { return m_representation; }
    void setDataset(std::shared_ptr<const KgDataset> dataset);
    void setEntities(const QVector<SimilarEntity> &entities);
    void clear() { setEntities({}); }
    const QVector<SimilarEntity> &entities() const { return m_entities; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Decoder m_representation;
    std::shared_ptr<const KgDataset> m_dataset;
    QVector<SimilarEntity> m_entities;
};

} // namespace momok::ui
