#pragma once
// What each modality contributes: per relation, the MRR or Hits@k of every decoder
// (S, I, T, joint, combined) as a sortable table and grouped bars, and for each
// modality the relations it predicts best (the poster's case study), from a run's
// latest test evaluation (else its best validation one).
#include "analysis/RelationMetricsModel.h"

#include <QVector>
#include <optional>
#include "analysis/RunReportView.h"

class QCPBars;
class QCPTextElement;
class QComboBox;
class QCustomPlot;
class QLabel;
class QSortFilterProxyModel;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace momok::ui {

class BestRelationsModel;
struct RunReport;

class ModalitiesView : public RunReportView
{
    Q_OBJECT
public:
    // At most this many relations are drawn as bars (the first in the table's order).
    static constexpr int kMaxBarGroups = 20;

    explicit ModalitiesView(QWidget *parent = nullptr);

    void setMetric(RelationMetricsModel::Metric metric);
    void setDirection(RelationMetricsModel::Direction direction);
    void setBestRelationsOrder(int order /* ModalityStrengths::Order */);
    void setTopRelations(int top);

    QString caption() const;
    RelationMetricsModel *relationModel() const { return m_model; }
    QSortFilterProxyModel *proxyModel() const { return m_proxy; }
    BestRelationsModel *bestModel() const { return m_best; }
    QTableView *relationTable() const { return m_table; }
    QTableView *bestTable() const { return m_bestTable; }
    QCustomPlot *barsPlot() const { return m_plot; }

private:
    void apply(const RunReport &report) override;
    void clearContent() override;
    void rebuildBars();
    void rebuildBest();

    std::optional<EvaluationReport> m_report;

    RelationMetricsModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    BestRelationsModel *m_best = nullptr;

    QLabel *m_caption = nullptr;
    QComboBox *m_metricCombo = nullptr;
    QComboBox *m_directionCombo = nullptr;
    QComboBox *m_orderCombo = nullptr;
    QSpinBox *m_topSpin = nullptr;
    QSplitter *m_upper = nullptr;
    QTableView *m_table = nullptr;
    QTableView *m_bestTable = nullptr;
    QCustomPlot *m_plot = nullptr;
    QCPTextElement *m_plotTitle = nullptr;
    QVector<QCPBars *> m_bars;
};

} // namespace momok::ui
