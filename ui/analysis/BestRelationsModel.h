#pragma once
// The poster's case-study table: for each modality's decoder (and the full model's
// combined decision) the relations it predicts best in one evaluation.
#include "analysis/ModalityStrengths.h"

#include <QAbstractTableModel>

namespace momok::ui {

class BestRelationsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        DecoderRole = Qt::UserRole + 1, // int (Decoder)
        RelationsRole,                  // QStringList of relation names, best first
        MrrsRole,                       // QVariantList of their MRRs (in %)
    };

    explicit BestRelationsModel(QObject *parent = nullptr);

    // Rows: every decoder that ran, S, I, T, joint, then the combined decision ("Full model").
    void setReport(const EvaluationReport &report, int top, ModalityStrengths::Order order);
    void clear();
    QVector<RelationStrength> strengths(int row) const { return m_rows.value(row).second; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<QPair<Decoder, QVector<RelationStrength>>> m_rows;
    ModalityStrengths::Order m_order = ModalityStrengths::Order::ByMrr;
};

} // namespace momok::ui
