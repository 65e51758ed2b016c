#include "analysis/RunComparisonModel.h"

#include "analysis/AblationTable.h"
#include "model/ModelConfig.h"

#include <QFont>
#include <QJsonValue>

namespace momok::ui {

namespace {

QJsonObject flatSettings(const QJsonObject &spec)
{
    // The model's settings with defaults filled in, then the run's data sources.
    QJsonObject flat = ModelConfig::fromJson(AblationTable::modelConfigJson(spec)).toJson();
    if (spec.value(QLatin1String("config")).isObject()) {
        for (auto it = spec.begin(); it != spec.end(); ++it)
            if (it.key() != QLatin1String("config") && it.key() != QLatin1String("run_dir")) // where, not how
                flat.insert(it.key(), it.value());
    }
    return flat;
}

QString settingText(const QJsonValue &v)
{
    if (v.isBool())
        return v.toBool() ? QStringLiteral("on") : QStringLiteral("off");
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 6);
    if (v.isUndefined() || v.isNull())
        return QStringLiteral("–");
    const QString s = v.toString();
    return s.isEmpty() ? QStringLiteral("(none)") : s;
}

} // namespace

RunComparisonModel::RunComparisonModel(QObject *parent) : QAbstractTableModel(parent) {}

void RunComparisonModel::setRuns(const QVector<ComparedRun> &runs)
{
    beginResetModel();
    m_runs = runs;
    m_differing.clear();
    if (runs.size() >= 2) {
        QVector<QJsonObject> flats;
        QStringList keys;
        for (const ComparedRun &r : runs) {
            flats << flatSettings(r.record.config);
            for (const QString &k : flats.last().keys())
                if (!keys.contains(k))
                    keys << k;
        }
        for (const QString &k : keys) {
            for (const QJsonObject &f : flats) {
                if (f.value(k) != flats.first().value(k)) {
                    m_differing << k;
                    break;
                }
            }
        }
    }
    endResetModel();
}

int RunComparisonModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_runs.isEmpty() ? 0 : MetricRowCount + int(m_differing.size());
}

int RunComparisonModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_runs.isEmpty() ? 0 : 1 + int(m_runs.size());
}

QVariant RunComparisonModel::cell(int row, const ComparedRun &run, bool display) const
{
    const RunRecord &r = run.record;
    auto metric = [&](std::optional<double> v) -> QVariant {
        if (!v)
            return display ? QVariant(QStringLiteral("–")) : QVariant();
        return display ? QVariant(QString::number(*v, 'f', 2)) : QVariant(*v);
    };
    auto testMetric = [&](double RankMetrics::*field) {
        return metric(run.test ? std::optional<double>(*run.test.*field) : std::nullopt);
    };
    switch (row) {
    case StatusRow: return runStatusName(r.status);
    case EpochsRow: return r.epochCount;
    case BestValidRow: return metric(r.bestValidMrr);
    case TestMrrRow: return testMetric(&RankMetrics::mrr);
    case TestHits1Row: return testMetric(&RankMetrics::hits1);
    case TestHits3Row: return testMetric(&RankMetrics::hits3);
    case TestHits10Row: return testMetric(&RankMetrics::hits10);
    default: {
        const QJsonValue v = flatSettings(r.config).value(m_differing.value(row - MetricRowCount));
        return display ? QVariant(settingText(v)) : v.toVariant();
    }
    }
}

QVariant RunComparisonModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount())
        return {};
    const int row = index.row();
    if (index.column() == 0) {
        if (role != Qt::DisplayRole && role != Qt::FontRole)
            return {};
        if (role == Qt::FontRole) {
            QFont f;
            f.setBold(row < MetricRowCount);
            return f;
        }
        static const char *kRows[] = {"Status", "Epochs", "Best valid MRR", "Test MRR", "Test Hits@1", "Test Hits@3", "Test Hits@10"};
        return row < MetricRowCount ? tr(kRows[row]) : m_differing.value(row - MetricRowCount);
    }
    const ComparedRun &run = m_runs[index.column() - 1];
    switch (role) {
    case Qt::DisplayRole: return cell(row, run, true);
    case ValueRole: return cell(row, run, false);
    case RunIdRole: return run.record.id;
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    default: return {};
    }
}

QVariant RunComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == 0)
        return role == Qt::DisplayRole ? QVariant(tr("Metric / setting")) : QVariant();
    if (section - 1 >= m_runs.size())
        return {};
    const RunRecord &r = m_runs[section - 1].record;
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
        return QStringLiteral("%1 (#%2)").arg(r.name).arg(r.id);
    if (role == RunIdRole)
        return r.id;
    return {};
}

} // namespace momok::ui
