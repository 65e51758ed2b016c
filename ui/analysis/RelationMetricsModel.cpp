#include "analysis/RelationMetricsModel.h"

#include "common/ModalityPalette.h"
#include "domain/Plural.h"

#include <QBrush>

#include <cmath>
#include <limits>

namespace momok::ui {

RelationMetricsModel::RelationMetricsModel(QObject *parent) : QAbstractTableModel(parent) {}

void RelationMetricsModel::setReport(const EvaluationReport &report)
{
    beginResetModel();
    m_report = report;
    m_rows.clear();
    // Relations without queries in this split have nothing to show.
    for (const RelationReport &r : report.relations)
        if (r.metrics.both[int(Decoder::Combined)].realistic.count > 0)
            m_rows.append(r);
    endResetModel();
}

void RelationMetricsModel::clear()
{
    beginResetModel();
    m_report = EvaluationReport{};
    m_rows.clear();
    endResetModel();
}

void RelationMetricsModel::setMetric(Metric metric)
{
    if (metric == m_metric)
        return;
    m_metric = metric;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, columnCount() - 1);
}

void RelationMetricsModel::setDirection(Direction direction)
{
    if (direction == m_direction)
        return;
    m_direction = direction;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

bool RelationMetricsModel::decoderActive(Decoder decoder) const
{
    return m_report.overall.both[size_t(decoder)].realistic.count > 0;
}

QString RelationMetricsModel::metricName(Metric metric)
{
    switch (metric) {
    case Metric::Mrr: return QStringLiteral("MRR");
    case Metric::Hits1: return QStringLiteral("Hits@1");
    case Metric::Hits3: return QStringLiteral("Hits@3");
    case Metric::Hits10: return QStringLiteral("Hits@10");
    }
    return {};
}

double RelationMetricsModel::metricValue(const RankMetrics &m, Metric metric)
{
    switch (metric) {
    case Metric::Mrr: return m.mrr;
    case Metric::Hits1: return m.hits1;
    case Metric::Hits3: return m.hits3;
    case Metric::Hits10: return m.hits10;
    }
    return 0;
}

const RankMetrics &RelationMetricsModel::metrics(int row, Decoder decoder) const
{
    const DirectionalMetrics &d = m_rows[row].metrics;
    const auto &set = m_direction == Direction::Both ? d.both : m_direction == Direction::Tail ? d.tail : d.head;
    return set[size_t(decoder)].realistic;
}

int RelationMetricsModel::bestDecoder(int row) const
{
    int best = -1;
    double bestValue = -1;
    for (int d = 0; d < int(Decoder::Combined); ++d) {
        const RankMetrics &m = metrics(row, Decoder(d));
        if (m.count > 0 && metricValue(m, m_metric) > bestValue) {
            bestValue = metricValue(m, m_metric);
            best = d;
        }
    }
    return best;
}

int RelationMetricsModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int RelationMetricsModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : BestColumn + 1; }

QVariant RelationMetricsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int row = index.row(), column = index.column();
    const bool isDecoder = column >= FirstDecoderColumn && column < BestColumn;
    const Decoder decoder = Decoder(column - FirstDecoderColumn);
    const qint64 queries = metrics(row, Decoder::Combined).count;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto value = [&]() {
        const RankMetrics &m = metrics(row, decoder);
        return m.count > 0 ? metricValue(m, m_metric) : nan;
    };
    switch (role) {
    case ValueRole:
        return isDecoder ? QVariant(value()) : QVariant();
    case DecoderRole:
        return isDecoder ? int(decoder) : column == BestColumn ? bestDecoder(row) : -1;
    case RelationRole:
        return qint64(m_rows[row].relation);
    case QueriesRole:
        return queries;
    case SortRole:
        if (column == RelationColumn)
            return m_rows[row].name.toLower();
        if (column == QueriesColumn)
            return queries;
        if (column == BestColumn)
            return bestDecoder(row);
        return std::isnan(value()) ? -1.0 : value();
    case Qt::DisplayRole:
        if (column == RelationColumn)
            return m_rows[row].name;
        if (column == QueriesColumn)
            return queries;
        if (column == BestColumn) {
            const int best = bestDecoder(row);
            return best >= 0 ? decoderLabel(Decoder(best)) : QStringLiteral("–");
        }
        return std::isnan(value()) ? QStringLiteral("–") : QString::number(value(), 'f', 1);
    case Qt::ForegroundRole:
        if (column == BestColumn && bestDecoder(row) >= 0)
            return QBrush(decoderColor(Decoder(bestDecoder(row))).darker(115));
        return {};
    case Qt::TextAlignmentRole:
        return column == RelationColumn || column == BestColumn ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                                                 : int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (isDecoder && !std::isnan(value())) {
            const RankMetrics &m = metrics(row, decoder);
            return tr("%1 decoder on %2: MRR %3, Hits@1 %4, Hits@3 %5, Hits@10 %6 (%7, realistic ranks, %)")
                .arg(decoderLabel(decoder), m_rows[row].name, QString::number(m.mrr, 'f', 1), QString::number(m.hits1, 'f', 1),
                     QString::number(m.hits3, 'f', 1), QString::number(m.hits10, 'f', 1))
                .arg(counted(m.count, tr("quer(y|ies)")));
        }
        return {};
    default:
        return {};
    }
}

QVariant RelationMetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        if (section == RelationColumn)
            return tr("Relation");
        if (section == QueriesColumn)
            return tr("Ranked answers");
        if (section == BestColumn)
            return tr("Best decoder");
        return QStringLiteral("%1 %2").arg(decoderKey(Decoder(section - FirstDecoderColumn)), metricName(m_metric));
    }
    if (role == Qt::ForegroundRole && section >= FirstDecoderColumn && section < BestColumn)
        return QBrush(decoderColor(Decoder(section - FirstDecoderColumn)).darker(115));
    if (role == Qt::ToolTipRole && section == QueriesColumn)
        return tr("Answers ranked for this relation: each evaluated triple once as a tail and once as a head query");
    if (role == Qt::ToolTipRole && section >= FirstDecoderColumn && section < BestColumn)
        return tr("%1 of the %2 decoder, in % (realistic ranks: ties counted at their mean rank)")
            .arg(metricName(m_metric), decoderLabel(Decoder(section - FirstDecoderColumn)));
    return {};
}

} // namespace momok::ui
