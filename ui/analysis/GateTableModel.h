#pragma once
// The mean gate weights of one evaluation as a table: one row per relation, one column
// per modality·expert ("S·1 S·2 … T·K") after the relation's name and query count.
// Modalities the run did not use and relations without queries hold no value (NaN).
#include "domain/Vocabulary.h"
#include "eval/EvaluationReport.h"

#include <QAbstractTableModel>

#include <array>

namespace momok::ui {

class GateTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        ValueRole = Qt::UserRole + 1, // double, NaN when there is no value
        RelationRole,                 // int: the relation's index in the statistics
        ModalityRole,                 // int 0..2, -1 for the name and count columns
        ExpertRole,                   // int 0..K-1, -1 for the name and count columns
        SortRole,                     // name, count or value (NaN sorts last)
    };
    static constexpr int kFixedColumns = 2; // relation, queries

    explicit GateTableModel(QObject *parent = nullptr);

    void setStatistics(const GateStatistics &gates);
    void clear();
    const GateStatistics &statistics() const { return m_gates; }

    int experts() const { return m_gates.experts; }
    int relations() const { return m_gates.relations; }
    // kModalityCount × K: the heatmap's column count.
    int gateColumns() const { return m_gates.modalities * m_gates.experts; }
    // A modality is used when its gates carry weight (a softmax sums to 1 per query).
    bool modalityUsed(int modality) const { return m_used[size_t(modality)]; }
    bool relationHasQueries(int relation) const { return m_gates.queryCount.value(relation) > 0; }
    // NaN for unused modalities and relations without queries.
    double value(int relation, int gateColumn) const;
    static QString columnLabel(int gateColumn, int experts); // "S·1"

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    GateStatistics m_gates;
    std::array<bool, kModalityCount> m_used{};
};

} // namespace momok::ui
