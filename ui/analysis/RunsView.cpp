#include "analysis/RunsView.h"

#include "analysis/AblationTableModel.h"
#include "analysis/AsyncLoad.h"
#include "analysis/RunComparisonModel.h"
#include "analysis/RunListModel.h"
#include "common/ExportActions.h"
#include "common/ReadOnlyTable.h"
#include "common/QCustomPlotInclude.h"
#include "domain/Plural.h"
#include "model/ModelConfig.h"
#include "train/RunDescription.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QStyleOptionHeader>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace momok::ui {

namespace {

// Paul Tol's muted scheme: colour-blind safe and apart from the decoder colours'
// role, since these lines are runs, not modalities.
const QColor kRunColors[] = {QColor(0x33, 0x22, 0x88), QColor(0xCC, 0x66, 0x77), QColor(0x11, 0x77, 0x33),
                             QColor(0x88, 0xCC, 0xEE), QColor(0x88, 0x22, 0x55), QColor(0x44, 0xAA, 0x99),
                             QColor(0x99, 0x99, 0x33), QColor(0xAA, 0x44, 0x99), QColor(0xDD, 0xCC, 0x77)};

// A compared run's column shows at most about this many characters of its name (its tooltip
// shows it whole): two runs then fit beside the metric names at the default window size.
constexpr int kComparedNameChars = 18;

// A header that elides its labels in the middle to their sections' widths: this Qt's styles
// clip a label too long for its section at both ends instead, so that neither a run's name nor
// its number could be read.
class ElidingHeaderView final : public QHeaderView
{
public:
    using QHeaderView::QHeaderView;

protected:
    void initStyleOptionForIndex(QStyleOptionHeader *option, int logicalIndex) const override
    {
        QHeaderView::initStyleOptionForIndex(option, logicalIndex);
        const int margins = 2 * style()->pixelMetric(QStyle::PM_HeaderMargin, option, this);
        option->text = fontMetrics().elidedText(option->text, Qt::ElideMiddle, sectionSize(logicalIndex) - margins);
    }
};

QCustomPlot *makeCurvePlot(QWidget *parent, const QString &name, const QString &title, const QString &yLabel)
{
    auto *plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    plot->setProperty("exportName", name);
    plot->setAccessibleName(title);
    plot->setMinimumSize(260, 180);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont(parent->font().family(), parent->font().pointSize(), QFont::Bold)));
    plot->xAxis->setLabel(QObject::tr("epoch"));
    plot->yAxis->setLabel(yLabel);
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples); // whole epochs only
    plot->xAxis->setTicker(ticker);
    // The legend gets its own row below the axes so it never covers a curve.
    plot->legend->setVisible(true);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->axisRect()->insetLayout()->take(plot->legend);
    plot->plotLayout()->addElement(2, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(2, 0.001);
    plot->legend->setMargins(QMargins(4, 0, 4, 2));
    installPlotExport(plot);
    return plot;
}

} // namespace

RunsSnapshot RunsSnapshot::load(Workspace *ws, const QString &openError, qint64 datasetId)
{
    RunsSnapshot s;
    if (!ws) {
        s.error = openError.isEmpty() ? QObject::tr("No workspace is open.") : openError;
        return s;
    }
    if (datasetId < 0) {
        s.error = QObject::tr("No dataset chosen: open or import one (File → Open dataset…).");
        return s;
    }
    if (auto d = ws->dataset(datasetId))
        s.datasetName = d->name;
    s.runs = ws->runs(datasetId);
    for (const RunRecord &r : s.runs) {
        const QVector<EvaluationRecord> evaluations = ws->evaluations(r.id);
        s.evaluations.insert(r.id, evaluations);
        s.epochs.insert(r.id, ws->epochs(r.id));
        AblationCandidate c;
        c.runId = r.id;
        c.name = r.name;
        c.spec = r.config;
        c.finished = r.status == RunStatus::Finished;
        c.createdAt = r.createdAt;
        if (const EvaluationRecord *test = latestEvaluation(evaluations, Split::Test)) {
            c.test = test->headline;
            // The per-decoder figures are only needed for a full-model run (the table's baseline).
            if (c.finished && describeRun(r.config).fullModel) {
                if (auto report = ws->evaluationReport(test->id)) {
                    for (int d = 0; d < kDecoderCount; ++d)
                        c.decoders[size_t(d)] = report->overall.both[size_t(d)].realistic;
                }
            }
        }
        s.candidates << c;
    }
    return s;
}

RunsView::RunsView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("runsView"));
    m_runs = new RunListModel(this);
    m_runProxy = new QSortFilterProxyModel(this);
    m_runProxy->setSourceModel(m_runs);
    m_runProxy->setSortRole(RunListModel::SortRole);
    m_comparison = new RunComparisonModel(this);
    m_ablation = new AblationTableModel(this);
    m_confirm = [this](const QString &question) {
        return QMessageBox::question(this, tr("Delete run"), question, QMessageBox::Yes | QMessageBox::Cancel,
                                     QMessageBox::Cancel) == QMessageBox::Yes;
    };

    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("runsEmptyState"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);

    auto *content = new QWidget(this);
    m_caption = new QLabel(content);
    m_caption->setObjectName(QStringLiteral("runsCaption"));
    auto *refreshButton = new QPushButton(tr("Refresh"), content);
    m_deleteButton = new QPushButton(tr("Delete run…"), content);
    m_deleteButton->setObjectName(QStringLiteral("deleteRunButton"));
    m_deleteButton->setEnabled(false);
    auto *top = new QHBoxLayout;
    top->addWidget(m_caption, 1);
    top->addWidget(refreshButton);
    top->addWidget(m_deleteButton);

    m_runTable = makeReadOnlyTable(content, QStringLiteral("runsTable"));
    m_runTable->setModel(m_runProxy);
    m_runTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_runTable->setSortingEnabled(true);
    m_runTable->sortByColumn(RunListModel::CreatedColumn, Qt::DescendingOrder);
    m_runTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_runTable->horizontalHeader()->setSectionResizeMode(RunListModel::ConfigColumn, QHeaderView::Stretch);

    // Compare tab: metrics side by side, curves overlaid.
    auto *compare = new QWidget(content);
    m_compareHint = new QLabel(compare);
    m_compareHint->setObjectName(QStringLiteral("compareHint"));
    m_comparisonTable = makeReadOnlyTable(compare, QStringLiteral("runComparisonTable"));
    m_comparisonTable->setModel(m_comparison);
    m_comparisonTable->setSelectionMode(QAbstractItemView::NoSelection);
    // Widths set by fitComparisonColumns after each change of runs; a long name is elided in the
    // middle (its start and its "(#id)" stay) and whole in the header's tooltip.
    m_comparisonTable->setHorizontalHeader(new ElidingHeaderView(Qt::Horizontal, m_comparisonTable));
    m_comparisonTable->horizontalHeader()->setHighlightSections(false);
    m_mrrPlot = makeCurvePlot(compare, QStringLiteral("runsValidMrr"), tr("Validation MRR"), tr("MRR (%)"));
    m_lossPlot = makeCurvePlot(compare, QStringLiteral("runsLoss"), tr("Training loss"), tr("loss"));
    auto *curves = new QSplitter(Qt::Horizontal, compare);
    curves->addWidget(m_comparisonTable);
    curves->addWidget(m_mrrPlot);
    curves->addWidget(m_lossPlot);
    curves->setStretchFactor(0, 2);
    curves->setStretchFactor(1, 3);
    curves->setStretchFactor(2, 3);
    curves->setChildrenCollapsible(false);
    auto *compareLayout = new QVBoxLayout(compare);
    compareLayout->setContentsMargins(4, 4, 4, 4);
    compareLayout->addWidget(m_compareHint);
    compareLayout->addWidget(curves, 1);

    // Ablation tab.
    auto *ablation = new QWidget(content);
    m_ablationNote = new QLabel(ablation);
    m_ablationNote->setObjectName(QStringLiteral("ablationNote"));
    m_ablationNote->setWordWrap(true);
    m_ablationTable = makeReadOnlyTable(ablation, QStringLiteral("ablationTable"));
    m_ablationTable->setModel(m_ablation);
    m_ablationTable->setShowGrid(false);
    m_ablationTable->horizontalHeader()->setMinimumSectionSize(64);
    m_ablationTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_ablationTable->horizontalHeader()->setStretchLastSection(true);
    auto *ablationLayout = new QVBoxLayout(ablation);
    ablationLayout->setContentsMargins(4, 4, 4, 4);
    ablationLayout->addWidget(m_ablationNote);
    ablationLayout->addWidget(m_ablationTable, 1);

    m_tabs = new QTabWidget(content);
    m_tabs->setObjectName(QStringLiteral("runsTabs"));
    m_tabs->addTab(compare, tr("Compare"));
    m_tabs->addTab(ablation, tr("Ablation"));

    auto *splitter = new QSplitter(Qt::Vertical, content);
    splitter->addWidget(m_runTable);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_empty);
    m_stack->addWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(6, 6, 6, 6);
    outer->addWidget(m_stack);

    connect(refreshButton, &QPushButton::clicked, this, &RunsView::refresh);
    connect(m_deleteButton, &QPushButton::clicked, this, &RunsView::deleteSelected);
    connect(m_runTable->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsView::updateComparison);
    connect(m_runTable, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT runActivated(index.data(RunListModel::RunIdRole).toLongLong());
    });

    m_empty->setText(tr("No workspace is open."));
}

void RunsView::setWorkspaceService(WorkspaceService *service)
{
    if (m_service)
        disconnect(m_service, nullptr, this, nullptr);
    m_service = service;
    if (m_service) {
        connect(m_service, &WorkspaceService::workspaceOpened, this, &RunsView::refresh);
        connect(m_service, &WorkspaceService::workspaceClosed, this, &RunsView::refresh);
        // Once per change, after its run signals: one read however many runs changed.
        connect(m_service, &WorkspaceService::runsChanged, this, &RunsView::refresh);
    }
    refresh();
}

void RunsView::setDataset(qint64 datasetId)
{
    m_datasetId = datasetId;
    refresh();
}

void RunsView::setDeleteConfirmation(std::function<bool(const QString &)> confirm) { m_confirm = std::move(confirm); }

void RunsView::refresh()
{
    const int generation = ++m_generation;
    const qint64 datasetId = m_datasetId;
    if (!m_service || !m_service->isOpen() || datasetId < 0) {
        // Only validates: nothing to read.
        apply(RunsSnapshot::load(m_service ? m_service->workspace() : nullptr, QString(), datasetId));
        Q_EMIT loaded();
        return;
    }
    loadFromWorkspace(
        this, m_service->path(),
        [datasetId](Workspace *ws, const QString &error) { return RunsSnapshot::load(ws, error, datasetId); },
        [this, generation](const RunsSnapshot &snapshot) {
            if (generation != m_generation)
                return;
            apply(snapshot);
            Q_EMIT loaded();
        });
}

bool RunsView::hasData() const { return m_stack->currentIndex() == 1; }
QString RunsView::emptyText() const { return hasData() ? QString() : m_empty->text(); }

void RunsView::apply(const RunsSnapshot &snapshot)
{
    const QVector<qint64> keep = selectedRuns();
    m_snapshot = snapshot;
    m_runs->setRuns(snapshot.runs);
    m_ablation->setRows(AblationTable::build(snapshot.candidates));
    if (!snapshot.error.isEmpty()) {
        m_empty->setText(snapshot.error);
        m_stack->setCurrentIndex(0);
    } else if (snapshot.runs.isEmpty()) {
        m_empty->setText(tr("No runs for %1 yet.\nTrain one (Model → Train…, “Quick demo” takes under a minute); "
                            "it will be listed here with its metrics.").arg(snapshot.datasetName));
        m_stack->setCurrentIndex(0);
    } else {
        m_caption->setText(pluralised(tr("<b>%1</b> · %n run(s) · select two or more (Ctrl+click) to compare; "
                                         "double-click to open one",
                                         nullptr, int(snapshot.runs.size())),
                                      snapshot.runs.size())
                               .arg(snapshot.datasetName.toHtmlEscaped()));
        m_stack->setCurrentIndex(1);
    }
    if (m_ablation->rowCount() == 0)
        m_ablationNote->setText(tr("The ablation table needs a finished run with every switch on (the full model). "
                                   "Runs that differ from it only in ablation switches then fill its rows."));
    else
        m_ablationNote->setText(tr("Test metrics in % (realistic ranks). “Modality contribution” rows are the full "
                                   "model’s decoders on their own; “model design” rows are runs that differ from it "
                                   "in one switch only. Grey rows have no such run yet (hover for how to fill them)."));
    // Keep the user's selection; on a first load show the newest run rather than empty plots.
    if (!keep.isEmpty())
        selectRuns(keep);
    else if (m_runProxy->rowCount() > 0)
        selectRuns({m_runProxy->index(0, 0).data(RunListModel::RunIdRole).toLongLong()});
    updateComparison();
}

void RunsView::selectRuns(const QVector<qint64> &runIds)
{
    QItemSelection selection;
    for (qint64 id : runIds) {
        const int row = m_runs->rowOf(id);
        if (row < 0)
            continue;
        const QModelIndex source = m_runs->index(row, 0);
        const QModelIndex proxy = m_runProxy->mapFromSource(source);
        selection.select(proxy, proxy.siblingAtColumn(RunListModel::ColumnCount - 1));
    }
    m_runTable->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

QVector<qint64> RunsView::selectedRuns() const
{
    QVector<qint64> ids;
    // In table order, so the comparison's columns read like the list.
    QModelIndexList rows = m_runTable->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &index : rows)
        ids << index.data(RunListModel::RunIdRole).toLongLong();
    return ids;
}

void RunsView::updateComparison()
{
    const QVector<qint64> ids = selectedRuns();
    bool deletable = !ids.isEmpty();
    QVector<ComparedRun> compared;
    for (qint64 id : ids) {
        const int row = m_runs->rowOf(id);
        if (row < 0)
            continue;
        ComparedRun c;
        c.record = m_runs->runs()[row];
        deletable = deletable && c.record.status != RunStatus::Running;
        if (const EvaluationRecord *test = latestEvaluation(m_snapshot.evaluations.value(id), Split::Test))
            c.test = test->headline;
        compared << c;
    }
    m_deleteButton->setEnabled(deletable);
    m_deleteButton->setToolTip(deletable || ids.isEmpty() ? QString() : tr("A running run cannot be deleted; cancel it first."));
    m_comparison->setRuns(compared);
    fitComparisonColumns();
    m_compareHint->setText(ids.size() >= 2 ? tr("Settings that differ between the selected runs are listed below the metrics.")
                                           : tr("Select two or more runs above (Ctrl+click) to compare them side by side."));

    m_mrrPlot->clearGraphs();
    m_lossPlot->clearGraphs();
    int maxEpoch = 1;
    for (int i = 0; i < compared.size(); ++i) {
        const qint64 id = compared[i].record.id;
        const QColor color = kRunColors[i % std::size(kRunColors)];
        const QString name = QStringLiteral("%1 (#%2)").arg(compared[i].record.name).arg(id);
        auto *mrr = m_mrrPlot->addGraph();
        mrr->setName(name);
        mrr->setPen(QPen(color, 2));
        mrr->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 6));
        for (const EvaluationRecord &e : m_snapshot.evaluations.value(id)) {
            if (e.split == Split::Valid) {
                mrr->addData(e.epoch, e.headline.mrr);
                maxEpoch = std::max(maxEpoch, e.epoch);
            }
        }
        auto *loss = m_lossPlot->addGraph();
        loss->setName(name);
        loss->setPen(QPen(color, 2));
        loss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 5));
        for (const EpochRecord &e : m_snapshot.epochs.value(id)) {
            loss->addData(e.epoch, e.mainLoss);
            maxEpoch = std::max(maxEpoch, e.epoch);
        }
    }
    for (QCustomPlot *plot : {m_mrrPlot, m_lossPlot}) {
        plot->legend->setVisible(!compared.isEmpty());
        plot->rescaleAxes();
        plot->xAxis->setRange(0.5, maxEpoch + 0.5);
        // Whole epochs, but not a label per epoch on long runs.
        qSharedPointerCast<QCPAxisTickerFixed>(plot->xAxis->ticker())->setTickStep(maxEpoch > 20 ? 5 : 1);
        const QCPRange y = plot->yAxis->range();
        const double pad = std::max(0.05 * y.size(), 1e-3);
        plot->yAxis->setRange(std::max(0.0, y.lower - pad), y.upper + pad);
        plot->replot();
    }
}

bool RunsView::deleteRun(qint64 runId, QString *error)
{
    const int row = m_runs->rowOf(runId);
    if (row < 0) {
        if (error) *error = tr("Run %1 is not listed.").arg(runId);
        return false;
    }
    const RunRecord &r = m_runs->runs()[row];
    if (r.status == RunStatus::Running) {
        if (error) *error = tr("Run “%1” is still running; cancel it first.").arg(r.name);
        return false;
    }
    if (m_confirm && !m_confirm(tr("Delete run “%1” (#%2) with its %3 and evaluations from the workspace?\n"
                                   "Its checkpoint files stay on disk.")
                                    .arg(r.name)
                                    .arg(r.id)
                                    .arg(counted(r.epochCount, tr("epoch(s)")))))
        return false;
    QString why;
    if (!m_service || !m_service->deleteRun(runId, &why)) {
        if (error) *error = m_service ? why : tr("No workspace is open.");
        return false;
    }
    // The service's runsChanged has refreshed this view.
    Q_EMIT runDeleted(runId);
    return true;
}

void RunsView::fitComparisonColumns()
{
    // A run's column is as wide as its figures, not as its name: sized to the header, a name such
    // as "countries-20261207-233840-quick-demo (#1)" made the column wider than the table beside
    // the plots and put the right-aligned figures out of sight.
    QHeaderView *header = m_comparisonTable->horizontalHeader();
    const int nameWidth = header->fontMetrics().averageCharWidth() * kComparedNameChars;
    for (int c = 0; c < m_comparison->columnCount(); ++c) {
        const int figures = static_cast<QAbstractItemView *>(m_comparisonTable)->sizeHintForColumn(c); // public there
        const int name = header->sectionSizeHint(c);
        header->resizeSection(c, c == 0 ? std::max(figures, name) : std::max(figures, std::min(name, nameWidth)));
    }
}

void RunsView::deleteSelected()
{
    for (qint64 id : selectedRuns()) {
        QString error;
        if (!deleteRun(id, &error) && !error.isEmpty()) {
            QMessageBox::warning(this, tr("Delete run"), tr("The run could not be deleted.\n\n%1").arg(error));
            return;
        }
    }
}

} // namespace momok::ui
