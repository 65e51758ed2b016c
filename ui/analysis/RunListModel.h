#pragma once
// The runs of one dataset: name, creation time, status, a one-line configuration
// summary, epochs, best validation MRR and test MRR.
#include "storage/WorkspaceRecords.h"

#include <QAbstractTableModel>
#include <QVector>

namespace momok::ui {

class RunListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        RunIdRole = Qt::UserRole + 1, // qint64
        StatusRole,                   // int (RunStatus)
        SortRole,
    };
    enum Column { NameColumn, CreatedColumn, StatusColumn, ConfigColumn, EpochsColumn, BestValidColumn, TestColumn, ColumnCount };

    explicit RunListModel(QObject *parent = nullptr);

    void setRuns(const QVector<RunRecord> &runs);
    const QVector<RunRecord> &runs() const { return m_runs; }
    int rowOf(qint64 runId) const;

    // "S I T joint · K=3 · d=64 · 2 epochs · w/o ExID" from a run's stored configuration.
    static QString configSummary(const QJsonObject &spec);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<RunRecord> m_runs;
};

} // namespace momok::ui
