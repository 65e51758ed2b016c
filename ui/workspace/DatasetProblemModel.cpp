#include "workspace/DatasetProblemModel.h"

#include <QColor>

namespace momok::ui {

void DatasetProblemModel::setProblems(QVector<DatasetProblem> problems)
{
    beginResetModel();
    m_problems = std::move(problems);
    endResetModel();
}

int DatasetProblemModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_problems.size());
}

int DatasetProblemModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DatasetProblemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_problems.size())
        return {};
    const DatasetProblem &p = m_problems[index.row()];
    const bool error = p.severity == DatasetProblem::Error;
    if (role == SeverityRole)
        return int(p.severity);
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case SeverityColumn: return error ? tr("error") : tr("warning");
        case FileColumn: return p.file;
        case LineColumn: return p.line > 0 ? QVariant(p.line) : QVariant(QStringLiteral("—"));
        case ReasonColumn: return p.reason;
        default: return {};
        }
    }
    if (role == Qt::ForegroundRole && index.column() == SeverityColumn)
        return error ? QColor(0xC0, 0x30, 0x20) : QColor(0xA0, 0x70, 0x00);
    if (role == Qt::TextAlignmentRole && index.column() == LineColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant DatasetProblemModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn: return tr("Severity");
    case FileColumn: return tr("File");
    case LineColumn: return tr("Line");
    case ReasonColumn: return tr("Reason");
    default: return {};
    }
}

} // namespace momok::ui
