#include "analysis/RunListModel.h"

#include "train/RunDescription.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

namespace momok::ui {

RunListModel::RunListModel(QObject *parent) : QAbstractTableModel(parent) {}

void RunListModel::setRuns(const QVector<RunRecord> &runs)
{
    beginResetModel();
    m_runs = runs;
    endResetModel();
}

int RunListModel::rowOf(qint64 runId) const
{
    for (int i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].id == runId)
            return i;
    return -1;
}

QString RunListModel::configSummary(const QJsonObject &spec) { return describeRun(spec).summary(); }

int RunListModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_runs.size()); }
int RunListModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const RunRecord &r = m_runs[index.row()];
    auto mrr = [](const std::optional<double> &v) -> QVariant {
        return v ? QVariant(QString::number(*v, 'f', 2)) : QVariant(QStringLiteral("–"));
    };
    switch (role) {
    case RunIdRole:
        return r.id;
    case StatusRole:
        return int(r.status);
    case SortRole:
        switch (index.column()) {
        case NameColumn: return r.name.toLower();
        case CreatedColumn: return r.createdAt;
        case StatusColumn: return runStatusName(r.status);
        case ConfigColumn: return configSummary(r.config);
        case EpochsColumn: return r.epochCount;
        case BestValidColumn: return r.bestValidMrr.value_or(-1.0);
        case TestColumn: return r.testMrr.value_or(-1.0);
        }
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return r.name;
        case CreatedColumn: return QLocale().toString(r.createdAt.toLocalTime(), QLocale::ShortFormat);
        case StatusColumn: return runStatusName(r.status);
        case ConfigColumn: return configSummary(r.config);
        case EpochsColumn: return r.epochCount;
        case BestValidColumn: return mrr(r.bestValidMrr);
        case TestColumn: return mrr(r.testMrr);
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn) {
            switch (r.status) {
            case RunStatus::Failed: return QBrush(QColor(0xB0, 0x30, 0x00));
            case RunStatus::Running: return QBrush(QColor(0x00, 0x5A, 0x9C));
            case RunStatus::Cancelled:
            case RunStatus::Interrupted: return QBrush(QColor(0x80, 0x60, 0x00));
            case RunStatus::Finished: return {};
            }
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ConfigColumn)
            return configSummary(r.config);
        if (index.column() == StatusColumn && runStoppedEarly(r.status))
            return tr("Stopped before the end: resume it from the Training tab.");
        return r.notes.isEmpty() ? QVariant() : QVariant(r.notes);
    case Qt::TextAlignmentRole:
        return index.column() >= EpochsColumn ? int(Qt::AlignRight | Qt::AlignVCenter) : int(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn: return tr("Run");
    case CreatedColumn: return tr("Created");
    case StatusColumn: return tr("Status");
    case ConfigColumn: return tr("Configuration");
    case EpochsColumn: return tr("Epochs");
    case BestValidColumn: return tr("Best valid MRR");
    case TestColumn: return tr("Test MRR");
    }
    return {};
}

} // namespace momok::ui
