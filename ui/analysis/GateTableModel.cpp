#include "analysis/GateTableModel.h"

#include "common/ModalityPalette.h"
#include "domain/Vocabulary.h"

#include <cmath>
#include <limits>

namespace momok::ui {

GateTableModel::GateTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void GateTableModel::setStatistics(const GateStatistics &gates)
{
    beginResetModel();
    m_gates = gates;
    m_used = {};
    for (int m = 0; m < std::min(gates.modalities, kModalityCount); ++m) {
        for (int r = 0; r < gates.relations && !m_used[size_t(m)]; ++r) {
            double sum = 0;
            for (int k = 0; k < gates.experts; ++k)
                sum += gates.at(r, m, k);
            m_used[size_t(m)] = gates.queryCount.value(r) > 0 && sum > 0.5;
        }
    }
    endResetModel();
}

void GateTableModel::clear()
{
    beginResetModel();
    m_gates = GateStatistics{};
    m_used = {};
    endResetModel();
}

double GateTableModel::value(int relation, int gateColumn) const
{
    if (m_gates.experts <= 0 || relation < 0 || relation >= m_gates.relations || gateColumn < 0
        || gateColumn >= gateColumns())
        return std::numeric_limits<double>::quiet_NaN();
    const int modality = gateColumn / m_gates.experts;
    if (!modalityUsed(modality) || !relationHasQueries(relation))
        return std::numeric_limits<double>::quiet_NaN();
    return m_gates.at(relation, modality, gateColumn % m_gates.experts);
}

QString GateTableModel::columnLabel(int gateColumn, int experts)
{
    if (experts <= 0)
        return {};
    const Modality modality = kModalities[size_t(gateColumn / experts % kModalityCount)];
    return QStringLiteral("%1·%2").arg(modalityKey(modality)).arg(gateColumn % experts + 1); // "S·1"
}

int GateTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_gates.relations;
}

int GateTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_gates.experts <= 0 ? 0 : kFixedColumns + gateColumns();
}

QVariant GateTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int relation = index.row();
    const int column = index.column();
    const int gateColumn = column - kFixedColumns;
    switch (role) {
    case RelationRole:
        return relation;
    case ModalityRole:
        return gateColumn >= 0 ? gateColumn / m_gates.experts : -1;
    case ExpertRole:
        return gateColumn >= 0 ? gateColumn % m_gates.experts : -1;
    case ValueRole:
        return gateColumn >= 0 ? QVariant(value(relation, gateColumn)) : QVariant();
    case SortRole:
        if (column == 0)
            return m_gates.relationNames.value(relation);
        if (column == 1)
            return qlonglong(m_gates.queryCount.value(relation));
        {
            const double v = value(relation, gateColumn);
            return std::isnan(v) ? -1.0 : v;
        }
    case Qt::DisplayRole:
        if (column == 0)
            return m_gates.relationNames.value(relation);
        if (column == 1)
            return qlonglong(m_gates.queryCount.value(relation));
        {
            const double v = value(relation, gateColumn);
            return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', 3);
        }
    case Qt::TextAlignmentRole:
        return column == 0 ? int(Qt::AlignLeft | Qt::AlignVCenter) : int(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant GateTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        if (section == 0)
            return tr("Relation");
        if (section == 1)
            return tr("Queries");
        return columnLabel(section - kFixedColumns, m_gates.experts);
    }
    if (role == Qt::ForegroundRole && section >= kFixedColumns)
        return modalityColor((section - kFixedColumns) / m_gates.experts);
    return {};
}

} // namespace momok::ui
