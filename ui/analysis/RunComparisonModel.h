#pragma once
// Two or more runs side by side: one column per run, rows for the headline metrics
// and then for every configuration setting in which the runs differ.
#include "storage/WorkspaceRecords.h"

#include <QAbstractTableModel>
#include <QVector>

#include <optional>

namespace momok::ui {

struct ComparedRun {
    RunRecord record;
    std::optional<RankMetrics> test; // headline of the latest test evaluation
};

class RunComparisonModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        RunIdRole = Qt::UserRole + 1, // qint64 of the column's run (header and cells)
        ValueRole,                    // double for metric rows, the setting's value otherwise
    };
    // Fixed rows before the differing settings.
    enum Row { StatusRow, EpochsRow, BestValidRow, TestMrrRow, TestHits1Row, TestHits3Row, TestHits10Row, MetricRowCount };

    explicit RunComparisonModel(QObject *parent = nullptr);

    void setRuns(const QVector<ComparedRun> &runs);
    int runCount() const { return int(m_runs.size()); }
    QStringList differingSettings() const { return m_differing; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant cell(int row, const ComparedRun &run, bool display) const;

    QVector<ComparedRun> m_runs;
    QStringList m_differing; // configuration keys, "config." keys of the model first
};

} // namespace momok::ui
