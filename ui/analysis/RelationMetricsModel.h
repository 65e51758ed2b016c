#pragma once
// Per-relation metrics of each decoder (S, I, T, joint, combined) from one evaluation:
// one row per relation with queries, one column per decoder for the chosen metric and
// direction, then the best single decoder.
#include "eval/EvaluationReport.h"

#include <QAbstractTableModel>

namespace momok::ui {

class RelationMetricsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum class Metric { Mrr, Hits1, Hits3, Hits10 };
    enum class Direction { Both, Tail, Head };
    enum Role {
        ValueRole = Qt::UserRole + 1, // double in %, NaN when the decoder did not run
        DecoderRole,                  // int (Decoder) for decoder columns, -1 otherwise
        RelationRole,                 // qint64 relation id
        QueriesRole,                  // qint64 queries of the relation in the chosen direction
        SortRole,
    };
    enum Column { RelationColumn = 0, QueriesColumn = 1, FirstDecoderColumn = 2, BestColumn = FirstDecoderColumn + kDecoderCount };

    explicit RelationMetricsModel(QObject *parent = nullptr);

    void setReport(const EvaluationReport &report);
    void clear();
    void setMetric(Metric metric);
    void setDirection(Direction direction);
    Metric metric() const { return m_metric; }
    Direction direction() const { return m_direction; }
    bool decoderActive(Decoder decoder) const;

    static QString metricName(Metric metric); // "MRR", "Hits@1", …
    static double metricValue(const RankMetrics &m, Metric metric);
    // The report row behind a table row.
    const RelationReport &relation(int row) const { return m_rows[row]; }
    const RankMetrics &metrics(int row, Decoder decoder) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int bestDecoder(int row) const; // among S, I, T, joint; -1 when none ran

    EvaluationReport m_report;
    QVector<RelationReport> m_rows;
    Metric m_metric = Metric::Mrr;
    Direction m_direction = Direction::Both;
};

} // namespace momok::ui
