#include "analysis/ModalitiesView.h"

#include "analysis/AsyncLoad.h"
#include "analysis/BestRelationsModel.h"
#include "analysis/RunReportLoader.h"
#include "common/LegendColumnFitter.h"
#include "common/ExportActions.h"
#include "common/ReadOnlyTable.h"
#include "common/ModalityPalette.h"
#include "common/QCustomPlotInclude.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

namespace momok::ui {

ModalitiesView::ModalitiesView(QWidget *parent)
    : RunReportView(tr("No trained run selected.\nChoose a run above, or train one (Model → Train…) "
                       "to compare what structure, images and text each predict."),
                    parent)
{
    setObjectName(QStringLiteral("modalitiesView"));
    m_model = new RelationMetricsModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RelationMetricsModel::SortRole);
    m_best = new BestRelationsModel(this);

    auto *content = new QWidget(this);
    m_caption = new QLabel(content);
    m_caption->setObjectName(QStringLiteral("modalitiesCaption"));
    m_metricCombo = new QComboBox(content);
    m_metricCombo->setObjectName(QStringLiteral("metricCombo"));
    for (auto metric : {RelationMetricsModel::Metric::Mrr, RelationMetricsModel::Metric::Hits1,
                        RelationMetricsModel::Metric::Hits3, RelationMetricsModel::Metric::Hits10})
        m_metricCombo->addItem(RelationMetricsModel::metricName(metric), int(metric));
    m_directionCombo = new QComboBox(content);
    m_directionCombo->setObjectName(QStringLiteral("directionCombo"));
    m_directionCombo->addItem(tr("both directions"), int(RelationMetricsModel::Direction::Both));
    m_directionCombo->addItem(tr("tail (h, r, ?)"), int(RelationMetricsModel::Direction::Tail));
    m_directionCombo->addItem(tr("head (?, r, t)"), int(RelationMetricsModel::Direction::Head));
    auto *top = new QHBoxLayout;
    top->addWidget(m_caption, 1);
    top->addWidget(new QLabel(tr("Metric"), content));
    top->addWidget(m_metricCombo);
    top->addWidget(m_directionCombo);

    m_table = makeReadOnlyTable(content, QStringLiteral("relationMetricsTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RelationMetricsModel::RelationColumn, Qt::AscendingOrder);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);

    m_plot = new QCustomPlot(content);
    m_plot->setObjectName(QStringLiteral("modalityBars"));
    m_plot->setProperty("exportName", QStringLiteral("decoder-metrics-per-relation"));
    m_plot->setMinimumSize(360, 240);
    m_plot->setAccessibleName(tr("Decoder metrics per relation (the table beside it holds the same values)"));
    m_plot->plotLayout()->insertRow(0);
    m_plotTitle = new QCPTextElement(m_plot, QString(), QFont(font().family(), font().pointSize(), QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_plotTitle);
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_plot->xAxis->setSubTicks(false);
    m_plot->xAxis->setTickLength(0, 3);
    m_plot->xAxis->setTickLabelRotation(-30);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->legend->setVisible(true);
    m_plot->legend->setBrush(QColor(255, 255, 255, 220));
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(3); // two rows, fewer columns on a narrow chart: names are never cut
    // The legend sits in its own row below the plot so that it never hides a bar.
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(2, 0, legendRow);
    legendRow->setMargins(QMargins(8, 0, 8, 4));
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    legendRow->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(2, 0.001);
    LegendColumnFitter::attach(m_plot, 3);
    auto *group = new QCPBarsGroup(m_plot);
    group->setSpacing(1);
    for (int d = 0; d < kDecoderCount; ++d) {
        auto *bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(decoderLabel(Decoder(d)));
        bars->setPen(Qt::NoPen);
        bars->setBrush(decoderColor(Decoder(d)));
        bars->setWidth(0.16);
        bars->setBarsGroup(group);
        m_bars << bars;
    }
    installPlotExport(m_plot);

    m_orderCombo = new QComboBox(content);
    m_orderCombo->setObjectName(QStringLiteral("bestOrderCombo"));
    m_orderCombo->addItem(tr("highest MRR"), int(ModalityStrengths::Order::ByMrr));
    m_orderCombo->addItem(tr("lead over the other decoders"), int(ModalityStrengths::Order::ByLead));
    m_topSpin = new QSpinBox(content);
    m_topSpin->setObjectName(QStringLiteral("bestTopSpin"));
    m_topSpin->setRange(1, 50);
    m_topSpin->setValue(3);
    auto *bestBar = new QHBoxLayout;
    auto *bestTitle = new QLabel(tr("<b>Relations each modality predicts best</b>"), content);
    bestBar->addWidget(bestTitle, 1);
    bestBar->addWidget(new QLabel(tr("rank by"), content));
    bestBar->addWidget(m_orderCombo);
    bestBar->addWidget(new QLabel(tr("top"), content));
    bestBar->addWidget(m_topSpin);
    m_bestTable = makeReadOnlyTable(content, QStringLiteral("bestRelationsTable"));
    m_bestTable->setModel(m_best);
    m_bestTable->setWordWrap(true);
    m_bestTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_bestTable->horizontalHeader()->setStretchLastSection(true);
    m_bestTable->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto *bestPanel = new QWidget(content);
    auto *bestLayout = new QVBoxLayout(bestPanel);
    bestLayout->setContentsMargins(0, 0, 0, 0);
    bestLayout->addLayout(bestBar);
    bestLayout->addWidget(m_bestTable);

    m_upper = new QSplitter(Qt::Horizontal, content);
    m_upper->addWidget(m_table);
    m_upper->addWidget(m_plot);
    m_upper->setStretchFactor(0, 0);
    m_upper->setStretchFactor(1, 1);
    m_upper->setChildrenCollapsible(false);
    auto *vertical = new QSplitter(Qt::Vertical, content);
    vertical->addWidget(m_upper);
    vertical->addWidget(bestPanel);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 1);
    vertical->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(vertical, 1);

    setContent(content, QStringLiteral("modalitiesEmptyState"));

    connect(m_metricCombo, &QComboBox::currentIndexChanged, this,
            [this] { setMetric(RelationMetricsModel::Metric(m_metricCombo->currentData().toInt())); });
    connect(m_directionCombo, &QComboBox::currentIndexChanged, this,
            [this] { setDirection(RelationMetricsModel::Direction(m_directionCombo->currentData().toInt())); });
    connect(m_orderCombo, &QComboBox::currentIndexChanged, this, [this] { rebuildBest(); });
    connect(m_topSpin, &QSpinBox::valueChanged, this, [this] { rebuildBest(); });
    // The bars follow the table: its sort order picks which relations are drawn first.
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, [this] { rebuildBars(); });
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] { rebuildBars(); });

}

void ModalitiesView::clearContent()
{
    m_report.reset();
    m_model->clear();
    m_best->clear();
}

QString ModalitiesView::caption() const { return m_caption->text(); }

void ModalitiesView::apply(const RunReport &report)
{
    if (!report.report) {
        showEmpty(report.error + QLatin1Char('\n')
                  + tr("Per-relation metrics appear once a run has been evaluated: train one (Model → Train…) and let it finish."));
        return;
    }
    m_report = report.report;
    QStringList inactive;
    for (int d = 0; d < int(Decoder::Combined); ++d)
        if (!ModalityStrengths::active(*m_report, Decoder(d)))
            inactive << decoderLabel(Decoder(d));
    QString caption = tr("<b>%1</b> · %2 · realistic ranks, in %")
                          .arg(report.run->name.toHtmlEscaped(), report.source());
    if (!inactive.isEmpty())
        caption += tr(" · not run: %1").arg(inactive.join(QStringLiteral(", ")));
    m_caption->setText(caption);
    showContent();
    m_model->setReport(*m_report); // resets the proxy, which redraws the bars
    rebuildBest();
    // Give the table the width its columns need (up to 58 %), the chart the rest.
    m_table->resizeColumnsToContents();
    const int wanted = m_table->horizontalHeader()->length() + m_table->verticalScrollBar()->sizeHint().width()
        + 2 * m_table->frameWidth() + 4;
    const int total = m_upper->width() > 100 ? m_upper->width() : width();
    const int tableWidth = std::min(wanted, total * 58 / 100);
    m_upper->setSizes({tableWidth, std::max(100, total - tableWidth)});
}

void ModalitiesView::setMetric(RelationMetricsModel::Metric metric)
{
    {
        const QSignalBlocker blocker(m_metricCombo);
        m_metricCombo->setCurrentIndex(m_metricCombo->findData(int(metric)));
    }
    m_model->setMetric(metric);
    m_proxy->invalidate();
    rebuildBars();
}

void ModalitiesView::setDirection(RelationMetricsModel::Direction direction)
{
    {
        const QSignalBlocker blocker(m_directionCombo);
        m_directionCombo->setCurrentIndex(m_directionCombo->findData(int(direction)));
    }
    m_model->setDirection(direction);
    m_proxy->invalidate();
    rebuildBars();
}

void ModalitiesView::setBestRelationsOrder(int order)
{
    m_orderCombo->setCurrentIndex(m_orderCombo->findData(order));
    rebuildBest();
}

void ModalitiesView::setTopRelations(int top)
{
    m_topSpin->setValue(top);
    rebuildBest();
}

void ModalitiesView::rebuildBest()
{
    if (!m_report)
        return;
    m_best->setReport(*m_report, m_topSpin->value(), ModalityStrengths::Order(m_orderCombo->currentData().toInt()));
    m_bestTable->resizeRowsToContents();
}

void ModalitiesView::rebuildBars()
{
    for (QCPBars *b : m_bars)
        b->data()->clear();
    auto ticker = qSharedPointerCast<QCPAxisTickerText>(m_plot->xAxis->ticker());
    ticker->clear();
    const int rows = std::min(m_proxy->rowCount(), kMaxBarGroups);
    const QString metric = RelationMetricsModel::metricName(m_model->metric());
    for (int row = 0; row < rows; ++row) {
        ticker->addTick(row + 1, m_proxy->index(row, RelationMetricsModel::RelationColumn).data().toString());
        for (int d = 0; d < kDecoderCount; ++d) {
            const double v = m_proxy->index(row, RelationMetricsModel::FirstDecoderColumn + d)
                                 .data(RelationMetricsModel::ValueRole).toDouble();
            if (!std::isnan(v))
                m_bars[d]->addData(row + 1, v);
        }
    }
    for (int d = 0; d < kDecoderCount; ++d) {
        const bool active = m_model->decoderActive(Decoder(d));
        m_bars[d]->setName(active ? decoderLabel(Decoder(d)) : tr("%1 (not run)").arg(decoderLabel(Decoder(d))));
    }
    QString title = tr("%1 per relation and decoder").arg(metric);
    if (m_proxy->rowCount() > rows)
        title += tr(" (first %1 of %2 relations, in the table’s order)").arg(rows).arg(m_proxy->rowCount());
    m_plotTitle->setText(title);
    m_plot->yAxis->setLabel(tr("%1 (%)").arg(metric));
    // Scaled to the values shown (short runs score low), never beyond 100 %.
    double top = 0;
    for (QCPBars *b : m_bars)
        for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
            top = std::max(top, it->value);
    m_plot->yAxis->setRange(0, std::min(105.0, std::max(5.0, top * 1.15)));
    m_plot->xAxis->setRange(0.4, std::max(rows, 1) + 0.6);
    // Slanted names reach left of their bars: leave room so the first one is not dropped.
    int widest = 0;
    const QFontMetrics metrics(m_plot->xAxis->tickLabelFont());
    for (int row = 0; row < std::min(rows, 2); ++row)
        widest = std::max(widest, metrics.horizontalAdvance(ticker->ticks().value(row + 1)));
    m_plot->axisRect()->setMinimumMargins(QMargins(std::min(220, int(widest * 0.87)) - 20, 0, 0, 0));
    m_plot->replot();
}

} // namespace momok::ui
