#pragma once
// The ablation table laid out like the poster's: setting, MRR, Hits@1/3/10, and the
// run each row comes from; rows without a run say which run would fill them.
#include "analysis/AblationTable.h"

#include <QAbstractTableModel>

namespace momok::ui {

class AblationTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        RunIdRole = Qt::UserRole + 1, // qint64, -1 for a row without a run
        KindRole,                     // int (AblationRow::Kind)
        ValueRole,                    // double metric, or invalid
    };
    enum Column { GroupColumn, SettingColumn, MrrColumn, Hits1Column, Hits3Column, Hits10Column, RunColumn, ColumnCount };

    explicit AblationTableModel(QObject *parent = nullptr);

    void setRows(const QVector<AblationRow> &rows);
    const QVector<AblationRow> &rows() const { return m_rows; }
    int rowOf(const QString &labelPart) const; // first row whose setting contains labelPart

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<AblationRow> m_rows;
};

} // namespace momok::ui
