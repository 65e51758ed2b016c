#include "analysis/AblationTableModel.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace momok::ui {

AblationTableModel::AblationTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void AblationTableModel::setRows(const QVector<AblationRow> &rows)
{
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

int AblationTableModel::rowOf(const QString &labelPart) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].label.contains(labelPart))
            return i;
    return -1;
}

int AblationTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int AblationTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AblationTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const AblationRow &r = m_rows[index.row()];
    // The group name is written once, on the first row of its block, like the poster.
    const bool firstOfGroup = index.row() == 0 || m_rows[index.row() - 1].group != r.group;
    auto value = [&]() -> std::optional<double> {
        if (!r.metrics)
            return std::nullopt;
        switch (index.column()) {
        case MrrColumn: return r.metrics->mrr;
        case Hits1Column: return r.metrics->hits1;
        case Hits3Column: return r.metrics->hits3;
        case Hits10Column: return r.metrics->hits10;
        default: return std::nullopt;
        }
    };
    switch (role) {
    case RunIdRole:
        return r.metrics ? r.runId : qint64(-1);
    case KindRole:
        return int(r.kind);
    case ValueRole: {
        const auto v = value();
        return v ? QVariant(*v) : QVariant();
    }
    case Qt::DisplayRole:
        switch (index.column()) {
        case GroupColumn: return firstOfGroup ? r.group : QString();
        case SettingColumn: return r.label;
        case RunColumn: return r.metrics ? QStringLiteral("%1 (#%2)").arg(r.runName).arg(r.runId) : tr("no run yet");
        default: {
            const auto v = value();
            return v ? QString::number(*v, 'f', 2) : QStringLiteral("–");
        }
        }
    case Qt::ToolTipRole:
        return r.metrics ? QVariant() : QVariant(r.hint);
    case Qt::ForegroundRole:
        return r.metrics || index.column() == GroupColumn ? QVariant() : QVariant(QBrush(QColor(0x88, 0x88, 0x88)));
    case Qt::FontRole:
        if (r.kind == AblationRow::Kind::FullModel) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() >= MrrColumn && index.column() <= Hits10Column ? int(Qt::AlignRight | Qt::AlignVCenter)
                                                                            : int(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant AblationTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case GroupColumn: return tr("Group");
    case SettingColumn: return tr("Setting");
    case MrrColumn: return tr("MRR");
    case Hits1Column: return tr("Hit@1");
    case Hits3Column: return tr("Hit@3");
    case Hits10Column: return tr("Hit@10");
    case RunColumn: return tr("Run");
    }
    return {};
}

} // namespace momok::ui
