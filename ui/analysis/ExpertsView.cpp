#include "analysis/ExpertsView.h"

#include "analysis/AsyncLoad.h"
#include "analysis/GateTableModel.h"
#include "analysis/RunReportLoader.h"
#include "common/Appearance.h"
#include "common/ExportActions.h"
#include "common/ModalityPalette.h"
#include "domain/Plural.h"

#include "common/QCustomPlotInclude.h"

#include <QAccessible>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace momok::ui {

namespace {

// Cell values are written into the cells while they stay legible.
constexpr int kMaxLabelledRows = 40;
constexpr int kMaxLabelledColumns = 30;
constexpr int kMinRowHeight = 16; // pixels per relation: one line of tick label
constexpr int kMinHeatmapHeight = 160; // a few relations: the group headers, axis labels and colour scale
constexpr int kHeatmapFrameHeight = 90; // around the rows: the group headers above, the axis labels below
constexpr int kSideBySideMinWidth = 900; // the heatmap's labels and columns beside the bars' three groups

// Viridis: perceptually uniform and readable with every common colour-vision deficiency.
QCPColorGradient viridis()
{
    QCPColorGradient g;
    g.clearColorStops();
    const std::pair<double, QColor> stops[] = {
        {0.0, QColor(0x44, 0x01, 0x54)},   {0.125, QColor(0x47, 0x2d, 0x7b)}, {0.25, QColor(0x3b, 0x52, 0x8b)},
        {0.375, QColor(0x2c, 0x72, 0x8e)}, {0.5, QColor(0x21, 0x91, 0x8c)},   {0.625, QColor(0x28, 0xae, 0x80)},
        {0.75, QColor(0x5e, 0xc9, 0x62)},  {0.875, QColor(0xad, 0xdc, 0x30)}, {1.0, QColor(0xfd, 0xe7, 0x25)}};
    for (const auto &[pos, color] : stops)
        g.setColorStopAt(pos, color);
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setNanHandling(QCPColorGradient::nhTransparent);
    g.setLevelCount(256);
    return g;
}

const char *kModalityNames[] = {"Structure", "Image", "Text"};

QBrush hatch() { return QBrush(QColor(0x99, 0x99, 0x99), Qt::BDiagPattern); }

} // namespace

ExpertsView::ExpertsView(QWidget *parent)
    : RunReportView(tr("No trained run selected.\nChoose a run above, or train one (Model → Train…) "
                       "to see which experts each relation calls on."),
                    parent)
{
    setObjectName(QStringLiteral("expertsView"));
    m_model = new GateTableModel(this);

    auto *content = new QWidget(this);
    m_caption = new QLabel(content);
    m_caption->setObjectName(QStringLiteral("expertsCaption"));
    m_caption->setWordWrap(true);
    m_sortCombo = new QComboBox(content);
    m_sortCombo->setObjectName(QStringLiteral("expertsSortCombo"));
    m_sortCombo->addItems({tr("Dataset order"), tr("Name (A–Z)"), tr("Weight of expert…")});
    m_columnCombo = new QComboBox(content);
    m_columnCombo->setObjectName(QStringLiteral("expertsSortColumnCombo"));
    m_columnCombo->setEnabled(false);
    m_fullScale = new QCheckBox(tr("Colour scale 0–1"), content);
    m_fullScale->setToolTip(tr("Off: the colours stretch over the weights present, so small differences show.\n"
                               "On: the full range of a gate weight, to compare runs."));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_caption, 1);
    bar->addWidget(new QLabel(tr("Sort rows by"), content));
    bar->addWidget(m_sortCombo);
    bar->addWidget(m_columnCombo);
    bar->addWidget(m_fullScale);

    m_heatmap = new QCustomPlot(content);
    m_heatmap->setObjectName(QStringLiteral("expertsHeatmap"));
    m_heatmap->setProperty("exportName", QStringLiteral("expert-gates-heatmap"));
    m_heatmap->setMinimumHeight(kMinHeatmapHeight);
    m_heatmap->setMouseTracking(true);
    m_map = new QCPColorMap(m_heatmap->xAxis, m_heatmap->yAxis);
    m_map->setInterpolate(false); // one crisp cell per relation × expert
    m_map->setTightBoundary(false);
    m_scale = new QCPColorScale(m_heatmap);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setLabel(tr("mean gate weight"));
    m_scale->setBarWidth(12);
    m_heatmap->plotLayout()->addElement(0, 1, m_scale);
    m_map->setColorScale(m_scale);
    m_scale->setGradient(viridis()); // the scale's gradient is the one the map draws with
    auto *margins = new QCPMarginGroup(m_heatmap);
    m_heatmap->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    m_scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    // Room above the cells for the modality group headers.
    m_heatmap->axisRect()->setMinimumMargins(QMargins(0, 34, 0, 0));
    m_heatmap->yAxis->setRangeReversed(true); // first relation on top, as in a table
    m_heatmap->xAxis->grid()->setVisible(false);
    m_heatmap->yAxis->grid()->setVisible(false);
    m_heatmap->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_heatmap->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_heatmap->xAxis->setSubTicks(false);
    m_heatmap->yAxis->setSubTicks(false);
    m_heatmap->xAxis->setLabel(tr("modality · expert"));
    installPlotExport(m_heatmap);
    addCsvExportAction(m_heatmap, m_model, tr("Export values as CSV…"));
    connect(m_heatmap, &QCustomPlot::mouseMove, this, &ExpertsView::onMouseMove);
    connect(m_heatmap, &QCustomPlot::mousePress, this, &ExpertsView::onMousePress);
    // Keyboard: Up/Down (Home/End) move the selected relation, as a click does; a screen
    // reader reads the selected row's gates from the accessible description.
    m_heatmap->setFocusPolicy(Qt::StrongFocus);
    m_heatmap->setAccessibleName(tr("Expert gate heatmap"));
    m_heatmap->installEventFilter(this);

    m_bars = new QCustomPlot(content);
    m_bars->setObjectName(QStringLiteral("expertsGateBars"));
    m_bars->setProperty("exportName", QStringLiteral("expert-gates-relation"));
    m_bars->setMinimumHeight(160);
    m_bars->setAccessibleName(tr("Gates of the selected relation"));
    m_bars->plotLayout()->insertRow(0);
    m_barsTitle = new QCPTextElement(m_bars, QString(), QFont(font().family(), font().pointSize(), QFont::Bold));
    m_bars->plotLayout()->addElement(0, 0, m_barsTitle);
    m_bars->yAxis->setLabel(tr("mean gate weight"));
    m_bars->yAxis->setRange(0, 1.05);
    m_bars->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_bars->xAxis->setSubTicks(false);
    m_bars->xAxis->grid()->setVisible(false);
    m_bars->legend->setVisible(true);
    m_bars->legend->setBrush(QColor(255, 255, 255, 220));
    m_bars->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_barsGroup = new QCPBarsGroup(m_bars);
    m_barsGroup->setSpacing(2);
    for (int m = 0; m < 3; ++m) {
        auto *bars = new QCPBars(m_bars->xAxis, m_bars->yAxis);
        bars->setName(tr(kModalityNames[m]));
        bars->setPen(Qt::NoPen);
        bars->setBrush(modalityColor(m));
        bars->setWidth(0.25);
        bars->setBarsGroup(m_barsGroup);
        m_barSeries << bars;
    }
    installPlotExport(m_bars);

    m_note = new QLabel(content);
    m_note->setObjectName(QStringLiteral("expertsNote"));
    m_note->setWordWrap(true);
    m_note->setMinimumHeight(2 * m_note->fontMetrics().lineSpacing() + 4); // two lines, never clipped

    // Many relations (DB15K has hundreds) scroll rather than squeeze their names together.
    auto *scroll = new QScrollArea(content);
    scroll->setObjectName(QStringLiteral("expertsHeatmapScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(m_heatmap);
    m_splitter = new QSplitter(Qt::Vertical, content);
    m_splitter->addWidget(scroll);
    m_splitter->addWidget(m_bars);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->installEventFilter(this); // its shape decides side by side or one above the other

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_splitter, 1);
    layout->addWidget(m_note);

    setContent(content, QStringLiteral("expertsEmptyState"));

    connect(m_sortCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_columnCombo->setEnabled(index == 2);
        setSortMode(SortMode(index), m_columnCombo->currentIndex());
    });
    connect(m_columnCombo, &QComboBox::currentIndexChanged, this, [this](int column) {
        if (m_sortMode == SortMode::ColumnWeight && column >= 0)
            setSortMode(SortMode::ColumnWeight, column);
    });
    connect(m_fullScale, &QCheckBox::toggled, this, [this] { rebuildHeatmap(); });

}

void ExpertsView::clearContent()
{
    m_model->clear();
    m_order.clear();
    m_selected = -1;
}

QString ExpertsView::caption() const { return m_caption->text(); }

void ExpertsView::apply(const RunReport &report)
{
    if (!report.report) {
        showEmpty(report.error + QLatin1Char('\n')
                  + tr("Gate weights appear once a run has been evaluated: train one (Model → Train…) and let it finish."));
        return;
    }
    const GateStatistics &g = report.report->gates;
    if (g.experts <= 0 || g.relations <= 0) {
        showEmpty(tr("This evaluation of run “%1” holds no gate statistics.").arg(report.run->name));
        return;
    }
    m_runName = report.run->name;
    m_source = report.source();
    m_model->setStatistics(g);
    m_caption->setText(tr("<b>%1</b> · %2 · %3 × 3 modalities × %4")
                           .arg(m_runName.toHtmlEscaped(), m_source, counted(g.relations, tr("relation(s)")),
                                counted(g.experts, tr("expert(s)"))));

    const QSignalBlocker blocker(m_columnCombo);
    m_columnCombo->clear();
    for (int c = 0; c < m_model->gateColumns(); ++c)
        m_columnCombo->addItem(GateTableModel::columnLabel(c, g.experts));
    m_sortColumn = std::clamp(m_sortColumn, 0, m_model->gateColumns() - 1);
    m_columnCombo->setCurrentIndex(m_sortColumn);

    QStringList unused;
    for (int m = 0; m < 3; ++m)
        if (!m_model->modalityUsed(m))
            unused << tr(kModalityNames[m]);
    QStringList notes;
    if (!unused.isEmpty())
        notes << tr("Hatched columns: %1 not used by this run (switched off, or no features).")
                     .arg(unused.join(QStringLiteral(" and ")));
    int silent = 0;
    for (int r = 0; r < g.relations; ++r)
        silent += m_model->relationHasQueries(r) ? 0 : 1;
    if (silent)
        notes << tr("Hatched rows: no queries in this split.");
    notes << tr("Click a row for its gates; hover a cell for its value; right-click to export.");
    m_note->setText(notes.join(QLatin1Char(' ')));

    showContent();
    rebuildOrder();
    rebuildHeatmap();
    // Keep the chosen relation across runs of the same dataset; else the first with queries.
    int keep = m_selected >= 0 && m_selected < g.relations && m_model->relationHasQueries(m_selected) ? m_selected : -1;
    for (int row = 0; keep < 0 && row < m_order.size(); ++row)
        if (m_model->relationHasQueries(m_order[row]))
            keep = m_order[row];
    selectRelation(keep);
}

void ExpertsView::setSortMode(SortMode mode, int gateColumn)
{
    m_sortMode = mode;
    if (gateColumn >= 0)
        m_sortColumn = gateColumn;
    {
        const QSignalBlocker blockSort(m_sortCombo);
        const QSignalBlocker blockColumn(m_columnCombo);
        m_sortCombo->setCurrentIndex(int(mode));
        m_columnCombo->setEnabled(mode == SortMode::ColumnWeight);
        if (m_sortColumn < m_columnCombo->count())
            m_columnCombo->setCurrentIndex(m_sortColumn);
    }
    if (!hasData())
        return;
    rebuildOrder();
    rebuildHeatmap();
}

void ExpertsView::rebuildOrder()
{
    const int relations = m_model->relations();
    m_order.resize(relations);
    std::iota(m_order.begin(), m_order.end(), 0);
    const GateStatistics &g = m_model->statistics();
    if (m_sortMode == SortMode::Name) {
        std::stable_sort(m_order.begin(), m_order.end(), [&](int a, int b) {
            return g.relationNames.value(a).compare(g.relationNames.value(b), Qt::CaseInsensitive) < 0;
        });
    } else if (m_sortMode == SortMode::ColumnWeight) {
        const int column = m_sortColumn;
        std::stable_sort(m_order.begin(), m_order.end(), [&](int a, int b) {
            const double va = m_model->value(a, column), vb = m_model->value(b, column);
            if (std::isnan(va) != std::isnan(vb))
                return std::isnan(vb); // rows without a value go last
            return !std::isnan(va) && va > vb;
        });
    }
}

void ExpertsView::rebuildHeatmap()
{
    const GateStatistics &g = m_model->statistics();
    const int rows = m_model->relations();
    const int columns = m_model->gateColumns();
    const int k = g.experts;
    m_heatmap->clearItems();
    m_selectionFrame = nullptr;

    QCPColorMapData *cells = m_map->data();
    cells->setSize(columns, rows);
    cells->setRange(QCPRange(0, columns - 1), QCPRange(0, rows - 1));
    double lo = 1, hi = 0;
    for (int row = 0; row < rows; ++row) {
        for (int c = 0; c < columns; ++c) {
            const double v = m_model->value(m_order[row], c);
            cells->setCell(c, row, v);
            if (!std::isnan(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
    }
    if (m_fullScale->isChecked() || hi < lo) {
        lo = 0;
        hi = 1;
    } else if (hi - lo < 1e-3) {
        lo = std::max(0.0, lo - 0.05);
        hi = std::min(1.0, hi + 0.05);
    }
    m_map->setDataRange(QCPRange(lo, hi));

    auto xTicker = qSharedPointerCast<QCPAxisTickerText>(m_heatmap->xAxis->ticker());
    xTicker->clear();
    for (int c = 0; c < columns; ++c)
        xTicker->addTick(c, GateTableModel::columnLabel(c, k));
    auto yTicker = qSharedPointerCast<QCPAxisTickerText>(m_heatmap->yAxis->ticker());
    yTicker->clear();
    for (int row = 0; row < rows; ++row) {
        const int relation = m_order[row];
        QString name = g.relationNames.value(relation);
        if (!m_model->relationHasQueries(relation))
            name += tr(" (no queries)");
        yTicker->addTick(row, name);
    }
    m_heatmap->setMinimumHeight(std::max(kMinHeatmapHeight, rows * kMinRowHeight + kHeatmapFrameHeight));
    arrangePanes(false);
    m_heatmap->xAxis->setRange(-0.5, columns - 0.5);
    m_heatmap->yAxis->setRange(-0.5, rows - 0.5);

    // Modality groups: a coloured strip and a name above each group, white rules between.
    for (int m = 0; m < 3; ++m) {
        const double left = m * k - 0.5, right = (m + 1) * k - 0.5;
        auto *strip = new QCPItemRect(m_heatmap);
        strip->setClipToAxisRect(false);
        strip->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
        strip->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        strip->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
        strip->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        strip->topLeft->setCoords(left + 0.04, -0.035);
        strip->bottomRight->setCoords(right - 0.04, -0.008);
        strip->setPen(Qt::NoPen);
        strip->setBrush(m_model->modalityUsed(m) ? modalityColor(m) : hatch());
        auto *label = new QCPItemText(m_heatmap);
        label->setClipToAxisRect(false);
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords((left + right) / 2, -0.04);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        QFont f = font();
        f.setBold(true);
        label->setFont(f);
        label->setColor(m_model->modalityUsed(m) ? modalityColor(m).darker(120) : QColor(0x77, 0x77, 0x77));
        label->setText(m_model->modalityUsed(m) ? tr(kModalityNames[m]) : tr("%1 (not used)").arg(tr(kModalityNames[m])));
        if (!m_model->modalityUsed(m)) {
            auto *rect = new QCPItemRect(m_heatmap);
            rect->topLeft->setCoords(left, -0.5);
            rect->bottomRight->setCoords(right, rows - 0.5);
            rect->setPen(Qt::NoPen);
            rect->setBrush(hatch());
        }
        if (m > 0) {
            auto *rule = new QCPItemStraightLine(m_heatmap);
            rule->point1->setCoords(left, 0);
            rule->point2->setCoords(left, 1);
            rule->setPen(QPen(Qt::white, 3));
        }
    }
    for (int row = 0; row < rows; ++row) {
        if (m_model->relationHasQueries(m_order[row]))
            continue;
        auto *rect = new QCPItemRect(m_heatmap);
        rect->topLeft->setCoords(-0.5, row - 0.5);
        rect->bottomRight->setCoords(columns - 0.5, row + 0.5);
        rect->setPen(Qt::NoPen);
        rect->setBrush(hatch());
    }
    // Numbers in the cells, in black or white by the cell's lightness.
    if (rows <= kMaxLabelledRows && columns <= kMaxLabelledColumns) {
        QFont small = font();
        small.setPointSizeF(std::max(6.5, font().pointSizeF() - 1.5));
        for (int row = 0; row < rows; ++row) {
            for (int c = 0; c < columns; ++c) {
                const double v = m_model->value(m_order[row], c);
                if (std::isnan(v))
                    continue;
                const QColor cell = QColor::fromRgb(m_map->gradient().color(v, m_map->dataRange()));
                auto *text = new QCPItemText(m_heatmap);
                text->position->setCoords(c, row);
                text->setText(QString::number(v, 'f', 2));
                text->setFont(small);
                text->setColor(cell.lightnessF() > 0.55 ? Qt::black : Qt::white);
                text->setProperty(kFixedColorProperty, true); // chosen for the cell, not the palette
                text->setSelectable(false);
            }
        }
    }
    updateSelectionFrame();
    m_heatmap->replot();
}

void ExpertsView::updateSelectionFrame()
{
    if (!m_selectionFrame) {
        m_selectionFrame = new QCPItemRect(m_heatmap);
        m_selectionFrame->setPen(QPen(QColor(0xD5, 0x5E, 0x00), 2.5)); // vermilion, apart from the gradient
        m_selectionFrame->setBrush(Qt::NoBrush);
        m_selectionFrame->setSelectable(false);
    }
    const int row = m_order.indexOf(m_selected);
    m_selectionFrame->setVisible(row >= 0);
    if (row >= 0) {
        m_selectionFrame->topLeft->setCoords(-0.5, row - 0.5);
        m_selectionFrame->bottomRight->setCoords(m_model->gateColumns() - 0.5, row + 0.5);
    }
}

void ExpertsView::selectRelation(int relation)
{
    m_selected = relation >= 0 && relation < m_model->relations() ? relation : -1;
    if (!hasData())
        return;
    updateSelectionFrame();
    m_heatmap->replot();
    rebuildBars();
    m_heatmap->setAccessibleDescription(selectedRowDescription());
    m_bars->setAccessibleDescription(m_heatmap->accessibleDescription());
}

QString ExpertsView::selectedRowDescription() const
{
    const GateStatistics &g = m_model->statistics();
    if (m_selected < 0)
        return pluralised(tr("%n relation(s) by %1 per modality; press Down to read a relation's gates.", nullptr,
                             g.relations),
                          g.relations)
            .arg(counted(g.experts, tr("expert(s)")));
    QStringList parts;
    for (int m = 0; m < 3; ++m) {
        if (!m_model->modalityUsed(m))
            continue;
        QStringList weights;
        for (int e = 0; e < g.experts; ++e)
            weights << tr("expert %1 %2").arg(e + 1).arg(g.at(m_selected, m, e), 0, 'f', 2);
        parts << QStringLiteral("%1: %2").arg(tr(kModalityNames[m]), weights.join(QStringLiteral(", ")));
    }
    return tr("%1, row %2 of %3. %4")
        .arg(g.relationNames.value(m_selected))
        .arg(m_order.indexOf(m_selected) + 1)
        .arg(m_order.size())
        .arg(parts.join(QStringLiteral("; ")));
}

bool ExpertsView::panesSideBySide() const { return m_splitter->orientation() == Qt::Horizontal; }

// One above the other in a short view (the bottom dock of a window 900 to 1000 pixels tall
// leaves the two about 110 to 210 pixels), the bars' minimum would leave the heatmap two rows;
// side by side, each gets the whole height. So a view at least kSideBySideMinWidth wide and twice as
// wide as tall puts them side by side. The heatmap's share: beside the bars, 55 % of the width;
// above them, 60 % of the height, more when its rows need it (then up to 75 %, scrolling
// beyond). keepSizes: leave the shares alone unless the orientation changes (a resize keeps
// what the user dragged; a new heatmap starts from the shares).
void ExpertsView::arrangePanes(bool keepSizes)
{
    const QSize area = m_splitter->size().height() > 100 ? m_splitter->size() : size();
    const bool sideBySide = area.width() >= kSideBySideMinWidth && area.width() >= 2 * area.height();
    const Qt::Orientation orientation = sideBySide ? Qt::Horizontal : Qt::Vertical;
    if (keepSizes && orientation == m_splitter->orientation())
        return;
    m_splitter->setOrientation(orientation);
    if (sideBySide) {
        const int left = area.width() * 55 / 100;
        m_splitter->setSizes({left, area.width() - left});
        return;
    }
    const int needed = m_heatmap->minimumHeight();
    const int total = area.height();
    const int top = std::min(std::max(needed + 4, total * 60 / 100), std::max(total * 75 / 100, kMinHeatmapHeight));
    m_splitter->setSizes({top, std::max(120, total - top)});
}

bool ExpertsView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_splitter && event->type() == QEvent::Resize)
        arrangePanes(true);
    if (watched == m_heatmap && event->type() == QEvent::KeyPress && hasData() && !m_order.isEmpty()) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        const int row = m_order.indexOf(m_selected);
        int next = -2;
        if (key == Qt::Key_Down)
            next = row < 0 ? 0 : std::min(row + 1, int(m_order.size()) - 1);
        else if (key == Qt::Key_Up)
            next = row < 0 ? 0 : std::max(row - 1, 0);
        else if (key == Qt::Key_Home)
            next = 0;
        else if (key == Qt::Key_End)
            next = int(m_order.size()) - 1;
        if (next >= 0) {
            selectRelation(m_order[next]);
            QAccessibleEvent changed(m_heatmap, QAccessible::DescriptionChanged);
            QAccessible::updateAccessibility(&changed);
            return true;
        }
    }
    return RunReportView::eventFilter(watched, event);
}

void ExpertsView::rebuildBars()
{
    const GateStatistics &g = m_model->statistics();
    const int k = g.experts;
    m_bars->clearItems();
    for (QCPBars *b : m_barSeries)
        b->data()->clear();
    auto ticker = qSharedPointerCast<QCPAxisTickerText>(m_bars->xAxis->ticker());
    ticker->clear();
    for (int e = 0; e < k; ++e)
        ticker->addTick(e + 1, tr("expert %1").arg(e + 1));
    m_bars->xAxis->setRange(0.4, k + 0.6);
    if (m_selected < 0) {
        m_barsTitle->setText(tr("Click a relation in the heatmap to see its gates"));
        m_bars->replot();
        return;
    }
    const int queries = int(g.queryCount.value(m_selected));
    m_barsTitle->setText(tr("Gates for “%1” (mean over %2 evaluated queries)").arg(g.relationNames.value(m_selected)).arg(queries));
    for (int m = 0; m < 3; ++m) {
        const bool used = m_model->modalityUsed(m) && m_model->relationHasQueries(m_selected);
        m_barSeries[m]->setName(m_model->modalityUsed(m) ? tr(kModalityNames[m])
                                                          : tr("%1 — not used").arg(tr(kModalityNames[m])));
        // Unused modalities leave the group so the remaining bars stay centred on their expert.
        m_barSeries[m]->setBarsGroup(used ? m_barsGroup : nullptr);
        m_barSeries[m]->setVisible(used);
        if (!used)
            continue;
        for (int e = 0; e < k; ++e)
            m_barSeries[m]->addData(e + 1, g.at(m_selected, m, e));
    }
    // A softmax over K experts that learned nothing gives each 1/K: the reference line.
    auto *uniform = new QCPItemStraightLine(m_bars);
    uniform->point1->setCoords(0, 1.0 / k);
    uniform->point2->setCoords(1, 1.0 / k);
    uniform->setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DashLine));
    auto *uniformLabel = new QCPItemText(m_bars);
    uniformLabel->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    uniformLabel->position->setTypeY(QCPItemPosition::ptPlotCoords);
    uniformLabel->position->setCoords(0.005, 1.0 / k);
    uniformLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    uniformLabel->setColor(QColor(0x55, 0x55, 0x55));
    uniformLabel->setBrush(QColor(255, 255, 255, 210)); // stays legible where it crosses a bar
    uniformLabel->setLayer(QStringLiteral("overlay"));
    uniformLabel->setText(tr("uniform 1/%1").arg(k));
    m_bars->replot();
}

int ExpertsView::rowAt(const QPointF &pos, int *gateColumn) const
{
    if (!hasData() || !m_heatmap->axisRect()->rect().contains(pos.toPoint()))
        return -1;
    const int column = int(std::lround(m_heatmap->xAxis->pixelToCoord(pos.x())));
    const int row = int(std::lround(m_heatmap->yAxis->pixelToCoord(pos.y())));
    if (row < 0 || row >= m_order.size() || column < 0 || column >= m_model->gateColumns())
        return -1;
    if (gateColumn)
        *gateColumn = column;
    return row;
}

QString ExpertsView::cellToolTip(int row, int gateColumn) const
{
    const int relation = relationAtRow(row);
    if (relation < 0 || gateColumn < 0 || gateColumn >= m_model->gateColumns())
        return {};
    const GateStatistics &g = m_model->statistics();
    const int modality = gateColumn / g.experts;
    const int expert = gateColumn % g.experts;
    const double v = m_model->value(relation, gateColumn);
    QString value;
    if (!m_model->modalityUsed(modality))
        value = tr("not used by this run");
    else if (!m_model->relationHasQueries(relation))
        value = tr("no queries in this split");
    else
        value = tr("mean gate weight %1 over %2")
                    .arg(QString::number(v, 'f', 3), counted(g.queryCount.value(relation), tr("quer(y|ies)")));
    return tr("<b>%1</b><br>%2 modality, expert %3<br>%4")
        .arg(g.relationNames.value(relation).toHtmlEscaped(), tr(kModalityNames[modality]))
        .arg(expert + 1)
        .arg(value);
}

void ExpertsView::onMouseMove(QMouseEvent *event)
{
    int column = -1;
    const int row = rowAt(event->position(), &column);
    if (row < 0) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(event->globalPosition().toPoint(), cellToolTip(row, column), m_heatmap);
}

void ExpertsView::onMousePress(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const int row = rowAt(event->position(), nullptr);
    if (row >= 0)
        selectRelation(m_order[row]);
}

} // namespace momok::ui
