#pragma once
// Ranked candidates of one prediction query: rank, candidate (thumbnail + name),
// relation, joint decision score, each decoder's score and own rank, known marker.
#include "predictions/PredictionEngine.h"

#include "data/KgDataset.h"

#include <QAbstractTableModel>

#include <memory>

namespace momok::ui {

class PredictionModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        RankColumn,
        CandidateColumn,
        RelationColumn,
        ScoreColumn,
        StructureColumn,
        ImageColumn,
        TextColumn,
        JointColumn,
        KnownColumn,
        ColumnCount
    };
    enum Role {
        EntityIdRole = Qt::UserRole + 1,
        RelationIdRole,
        ScoreRole,        // double in [0, 1] for the score and decoder columns; NaN when the decoder is off
        DecoderRankRole,  // the decoder's own (realistic) rank of the candidate
        BarColorRole,     // QColor of the bar
        KnownRole,        // "train", "valid", "test" or empty
        KnownTrainRole,
        KnownValidRole,
        KnownTestRole
    };

    using QAbstractTableModel::QAbstractTableModel;

    void setDataset(std::shared_ptr<const KgDataset> dataset);
    void setAnswer(const PredictionAnswer &answer);
    void clear();
    // What the Known column calls a known training answer: "train" (the default), or
    // "given" for a new entity's own triples.
    void setKnownTrainLabel(const QString &label) { m_trainLabel = label; }
    QString knownTrainLabel() const { return m_trainLabel.isEmpty() ? splitName(Split::Train) : m_trainLabel; }
    const PredictionAnswer &answer() const { return m_answer; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    static int decoderOfColumn(int column); // 0..3 for S, I, T, joint; -1 otherwise

private:
    QString entityName(int64_t id) const;

    std::shared_ptr<const KgDataset> m_dataset;
    PredictionAnswer m_answer;
    QString m_trainLabel;
};

} // namespace momok::ui
