#pragma once
// The problems found while reading a dataset: severity, file, line, reason.
#include "data/DatasetReader.h"

#include <QAbstractTableModel>

namespace momok::ui {

class DatasetProblemModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { SeverityColumn, FileColumn, LineColumn, ReasonColumn, ColumnCount };
    enum Role { SeverityRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;

    void setProblems(QVector<DatasetProblem> problems);
    const QVector<DatasetProblem> &problems() const { return m_problems; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<DatasetProblem> m_problems;
};

} // namespace momok::ui
