// The educator's views on a real workspace: experts heatmap, per-decoder metrics,
// runs (list, compare, ablation), and export of their plots and tables.
#include "AnalysisFixture.h"

#include "analysis/AblationTableModel.h"
#include "analysis/BestRelationsModel.h"
#include "analysis/ExpertsView.h"
#include "analysis/GateTableModel.h"
#include "analysis/ModalitiesView.h"
#include "analysis/RunComparisonModel.h"
#include "analysis/RunListModel.h"
#include "analysis/RunsView.h"
#include "common/ExportActions.h"
#include "common/QCustomPlotInclude.h"
#include "runtime/ComputeEnvironment.h"
#include "workspace/WorkspaceService.h"

#include <QAbstractItemModelTester>

#include <QStandardItemModel>
#include <QtTest>

#include <cmath>

using namespace momok;
using namespace momok::ui;

namespace {

using ModelTester = QAbstractItemModelTester;

// Checks the model's every answer and change signal from now on (fails the test on a fault).
std::unique_ptr<ModelTester> attachTester(const QAbstractItemModel *model)
{
    return std::make_unique<ModelTester>(const_cast<QAbstractItemModel *>(model),
                                         ModelTester::FailureReportingMode::QtTest);
}

void saveScreenshot(QWidget *widget, const QString &name)
{
    QDir().mkpath(QStringLiteral("screenshots"));
    const QString path = QStringLiteral("screenshots/%1.png").arg(name);
    QVERIFY2(widget->grab().save(path), qPrintable(path));
}

QStringList csvLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList lines = QString::fromUtf8(f.readAll()).split(QStringLiteral("\r\n"));
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

// The CSV line a model row should produce: display texts, quoted when they hold a comma or quote.
QString displayRow(const QAbstractItemModel *model, int row)
{
    QStringList fields;
    for (int c = 0; c < model->columnCount(); ++c) {
        QString text = model->index(row, c).data().toString();
        if (text.contains(',') || text.contains('"'))
            text = '"' + text.replace(QStringLiteral("\""), QStringLiteral("\"\"")) + '"';
        fields << text;
    }
    return fields.join(QLatin1Char(','));
}

const RelationReport *relationReport(const EvaluationReport &report, qint64 relation)
{
    for (const RelationReport &r : report.relations)
        if (r.relation == relation)
            return &r;
    return nullptr;
}

} // namespace

class TestAnalysisViews : public QObject
{
    Q_OBJECT
private:
    testing::AnalysisFixture m_fixture;
    QTemporaryDir m_out;
    WorkspaceService m_service;

private Q_SLOTS:
    void initTestCase()
    {
        configureComputeEnvironment(2);
        QString error;
        QVERIFY2(m_fixture.build(&error), qPrintable(error));
        QVERIFY(m_out.isValid());
        QSignalSpy opened(&m_service, &WorkspaceService::workspaceOpened);
        m_service.open(m_fixture.workspacePath);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 10000);
    }

    void expertsHeatmapShowsTheRunsGateStatistics()
    {
        ExpertsView view;
        view.resize(1100, 720);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(!view.hasData());
        QVERIFY(!view.emptyText().isEmpty());

        const auto gateTester = attachTester(view.gateModel());
        QSignalSpy loaded(&view, &ExpertsView::loaded);
        view.setWorkspaceService(&m_service);
        view.setRun(m_fixture.full.runId);
        QTRY_VERIFY_WITH_TIMEOUT(view.hasData(), 10000);
        QVERIFY(loaded.count() >= 1);

        const GateStatistics &g = m_fixture.full.test.gates;
        QVERIFY(g.experts > 0);
        QCOMPARE(g.relations, m_fixture.relationNames.size());
        QCPColorMapData *data = view.colorMap()->data();
        QCOMPARE(data->keySize(), 3 * g.experts);
        QCOMPARE(data->valueSize(), g.relations);
        QVERIFY(!view.colorMap()->interpolate());
        QVERIFY(view.caption().contains(QStringLiteral("test split")));
        // Every cell is the recorded test evaluation's mean weight (no values for relations without queries).
        int checked = 0;
        for (int row = 0; row < g.relations; ++row) {
            const int relation = view.relationAtRow(row);
            for (int c = 0; c < 3 * g.experts; ++c) {
                const double cell = data->cell(c, row);
                if (g.queryCount.value(relation) == 0) {
                    QVERIFY(std::isnan(cell));
                    continue;
                }
                QVERIFY2(qAbs(cell - g.at(relation, c / g.experts, c % g.experts)) < 1e-9,
                         qPrintable(QStringLiteral("row %1 column %2").arg(row).arg(c)));
                ++checked;
            }
        }
        QVERIFY(checked > 0);
        // subregionOf has no test triples: its row is there, without values.
        const int subregionOf = m_fixture.relationNames.indexOf(QStringLiteral("subregionOf"));
        QCOMPARE(g.queryCount.value(subregionOf), 0);

        // Tooltips name the relation, modality, expert and value.
        const int relation0 = view.relationAtRow(0);
        const QString tip = view.cellToolTip(0, g.experts + 1);
        QVERIFY2(tip.contains(g.relationNames.value(relation0)), qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("Image")));
        QVERIFY(tip.contains(QStringLiteral("expert 2")));
        QVERIFY2(tip.contains(QString::number(g.at(relation0, 1, 1), 'f', 3)), qPrintable(tip));

        // Sorting by name, then by one expert's weight (highest first, empty rows last).
        view.setSortMode(ExpertsView::SortMode::Name);
        for (int row = 1; row < g.relations; ++row)
            QVERIFY(g.relationNames.value(view.relationAtRow(row - 1)).compare(g.relationNames.value(view.relationAtRow(row)),
                                                                               Qt::CaseInsensitive) <= 0);
        const int column = 2 * g.experts; // T·1
        view.setSortMode(ExpertsView::SortMode::ColumnWeight, column);
        for (int row = 1; row < g.relations; ++row) {
            const double above = data->cell(column, row - 1), here = data->cell(column, row);
            QVERIFY(std::isnan(here) || above >= here);
            QCOMPARE(here, view.gateModel()->value(view.relationAtRow(row), column));
        }
        QCOMPARE(view.relationAtRow(g.relations - 1), subregionOf);

        // Choosing a relation shows its gates as bars, one series per modality.
        const int chosen = m_fixture.relationNames.indexOf(QStringLiteral("officialLanguage"));
        view.selectRelation(chosen);
        QCOMPARE(view.selectedRelation(), chosen);
        QCustomPlot *bars = view.barsPlot();
        for (int m = 0; m < 3; ++m) {
            auto *series = qobject_cast<QCPBars *>(bars->plottable(m));
            QVERIFY(series);
            QCOMPARE(series->data()->size(), g.experts);
            for (int e = 0; e < g.experts; ++e)
                QVERIFY(qAbs(series->data()->at(e)->value - g.at(chosen, m, e)) < 1e-12);
        }
        view.setSortMode(ExpertsView::SortMode::DatasetOrder);
        // Clicking a cell of a row selects that row's relation.
        QCustomPlot *heatmap = view.heatmapPlot();
        const int clickedRow = 2;
        const QPoint cellCentre(int(heatmap->xAxis->coordToPixel(1)), int(heatmap->yAxis->coordToPixel(clickedRow)));
        QTest::mouseClick(heatmap, Qt::LeftButton, {}, cellCentre);
        QCOMPARE(view.selectedRelation(), view.relationAtRow(clickedRow));
        view.selectRelation(chosen);
        saveScreenshot(&view, QStringLiteral("experts"));

        // As tall as it is wide: the bars under the heatmap. Wide and short (a bottom dock):
        // side by side, every relation's row in the heatmap's pane without scrolling.
        QVERIFY(!view.panesSideBySide());
        QVERIFY(bars->geometry().top() >= heatmap->parentWidget()->parentWidget()->geometry().bottom());
        view.resize(1300, 320);
        QTRY_VERIFY(view.panesSideBySide());
        QTRY_VERIFY(heatmap->parentWidget()->height() >= heatmap->height());
        for (int row = 0; row < g.relations; ++row) {
            const int y = int(heatmap->yAxis->coordToPixel(row));
            QVERIFY2(y > 0 && y < heatmap->parentWidget()->height(), qPrintable(QStringLiteral("row %1 at y %2").arg(row).arg(y)));
        }
        QVERIFY(bars->mapTo(&view, QPoint(0, 0)).x() > heatmap->mapTo(&view, QPoint(heatmap->width(), 0)).x());
        saveScreenshot(&view, QStringLiteral("experts-wide"));
        view.resize(1100, 720);
        QTRY_VERIFY(!view.panesSideBySide());

        // A run without image and text features keeps all 3 × K columns, the unused ones empty.
        view.setRun(m_fixture.structureOnly.runId);
        QTRY_VERIFY_WITH_TIMEOUT(view.gateModel()->statistics().meanWeight == m_fixture.structureOnly.test.gates.meanWeight, 10000);
        QCOMPARE(data->keySize(), 3 * g.experts);
        QCOMPARE(data->valueSize(), g.relations);
        QVERIFY(view.gateModel()->modalityUsed(0));
        QVERIFY(!view.gateModel()->modalityUsed(1));
        QVERIFY(!view.gateModel()->modalityUsed(2));
        for (int row = 0; row < g.relations; ++row)
            for (int c = g.experts; c < 3 * g.experts; ++c)
                QVERIFY(std::isnan(data->cell(c, row)));
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("expertsNote"))->text().contains(QStringLiteral("not used")));
        saveScreenshot(&view, QStringLiteral("experts-structure-only"));

        // The heatmap exports as PNG and PDF, its values as CSV.
        QString error;
        const QString png = m_out.filePath(QStringLiteral("heatmap.png")), pdf = m_out.filePath(QStringLiteral("heatmap.pdf"));
        QVERIFY2(exportPlot(view.heatmapPlot(), png, &error), qPrintable(error));
        QVERIFY2(exportPlot(view.heatmapPlot(), pdf, &error), qPrintable(error));
        QVERIFY(QFileInfo(png).size() > 1000);
        QVERIFY(QImage(png).width() > 0);
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");
        QVERIFY(pdfFile.size() > 1000);
        QVERIFY(!exportPlot(view.heatmapPlot(), m_out.filePath(QStringLiteral("heatmap.bmpx")), &error));
        QVERIFY(error.contains(QStringLiteral("bmpx")));
        const QString csv = m_out.filePath(QStringLiteral("gates.csv"));
        QVERIFY2(exportTableCsv(view.gateModel(), csv, &error), qPrintable(error));
        const QStringList lines = csvLines(csv);
        QCOMPARE(lines.size(), 1 + g.relations);
        QVERIFY(lines.first().startsWith(QStringLiteral("Relation,Queries,S·1")));

        // No run: an empty state that says what to do.
        view.setRun(-1);
        QTRY_VERIFY(!view.hasData());
        QVERIFY(view.emptyText().contains(QStringLiteral("Train")));
    }
    void modalitiesTableMatchesTheEnginesPerRelationMetrics()
    {
        ModalitiesView view;
        view.resize(1200, 720);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(!view.hasData());
        const auto relationTester = attachTester(view.relationModel());
        const auto bestTester = attachTester(view.bestModel());
        view.setWorkspaceService(&m_service);
        view.setRun(m_fixture.full.runId);
        QTRY_VERIFY_WITH_TIMEOUT(view.hasData(), 10000);

        const EvaluationReport &test = m_fixture.full.test;
        RelationMetricsModel *model = view.relationModel();
        int withQueries = 0;
        for (const RelationReport &r : test.relations)
            withQueries += r.metrics.both[int(Decoder::Combined)].realistic.count > 0 ? 1 : 0;
        QCOMPARE(model->rowCount(), withQueries);
        QCOMPARE(withQueries, m_fixture.relationNames.size() - 1); // subregionOf has no test triples

        using Metric = RelationMetricsModel::Metric;
        for (Metric metric : {Metric::Mrr, Metric::Hits1, Metric::Hits3, Metric::Hits10}) {
            view.setMetric(metric);
            for (int row = 0; row < model->rowCount(); ++row) {
                const qint64 relation = model->index(row, 0).data(RelationMetricsModel::RelationRole).toLongLong();
                const RelationReport *engine = relationReport(test, relation);
                QVERIFY(engine);
                QCOMPARE(model->index(row, RelationMetricsModel::RelationColumn).data().toString(), engine->name);
                for (int d = 0; d < kDecoderCount; ++d) {
                    const RankMetrics &m = engine->metrics.both[size_t(d)].realistic;
                    const QModelIndex cell = model->index(row, RelationMetricsModel::FirstDecoderColumn + d);
                    const double expected = RelationMetricsModel::metricValue(m, metric);
                    QCOMPARE(cell.data(RelationMetricsModel::ValueRole).toDouble(), expected);
                    QCOMPARE(cell.data().toString(), QString::number(expected, 'f', 1));
                }
            }
        }
        view.setMetric(Metric::Mrr);
        // Tail and head queries separately, as the engine counts them.
        using Direction = RelationMetricsModel::Direction;
        for (Direction direction : {Direction::Tail, Direction::Head}) {
            view.setDirection(direction);
            for (int row = 0; row < model->rowCount(); ++row) {
                const RelationReport *engine = relationReport(test, model->index(row, 0).data(RelationMetricsModel::RelationRole).toLongLong());
                const auto &set = direction == Direction::Tail ? engine->metrics.tail : engine->metrics.head;
                for (int d = 0; d < kDecoderCount; ++d)
                    QCOMPARE(model->index(row, RelationMetricsModel::FirstDecoderColumn + d).data(RelationMetricsModel::ValueRole).toDouble(),
                             set[size_t(d)].realistic.mrr);
            }
        }
        view.setDirection(Direction::Both);

        // Sorting through the proxy by the structure decoder, best first; the bars follow.
        QSortFilterProxyModel *proxy = view.proxyModel();
        view.relationTable()->sortByColumn(RelationMetricsModel::FirstDecoderColumn, Qt::DescendingOrder);
        for (int row = 1; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row - 1, RelationMetricsModel::FirstDecoderColumn).data(RelationMetricsModel::ValueRole).toDouble()
                    >= proxy->index(row, RelationMetricsModel::FirstDecoderColumn).data(RelationMetricsModel::ValueRole).toDouble());
        QCustomPlot *plot = view.barsPlot();
        for (int d = 0; d < kDecoderCount; ++d) {
            auto *bars = qobject_cast<QCPBars *>(plot->plottable(d));
            QVERIFY(bars);
            QCOMPARE(bars->data()->size(), proxy->rowCount());
            for (int row = 0; row < proxy->rowCount(); ++row)
                QCOMPARE(bars->data()->at(row)->value,
                         proxy->index(row, RelationMetricsModel::FirstDecoderColumn + d).data(RelationMetricsModel::ValueRole).toDouble());
        }

        // The case study: each decoder's top relations by MRR, consistent with the table.
        view.setTopRelations(3);
        BestRelationsModel *best = view.bestModel();
        QCOMPARE(best->rowCount(), kDecoderCount);
        for (int row = 0; row < best->rowCount(); ++row) {
            const Decoder decoder = Decoder(best->index(row, 0).data(BestRelationsModel::DecoderRole).toInt());
            const QStringList names = best->index(row, 1).data(BestRelationsModel::RelationsRole).toStringList();
            QCOMPARE(names.size(), 3);
            double lowestListed = 1e9;
            for (const QString &name : names) {
                const RelationReport *r = relationReport(test, m_fixture.relationNames.indexOf(name));
                QVERIFY(r);
                lowestListed = std::min(lowestListed, r->metrics.both[size_t(decoder)].realistic.mrr);
            }
            for (const RelationReport &r : test.relations)
                if (!names.contains(r.name) && r.metrics.both[size_t(decoder)].realistic.count > 0)
                    QVERIFY(r.metrics.both[size_t(decoder)].realistic.mrr <= lowestListed);
            for (const QString &name : names)
                QVERIFY(best->index(row, 1).data().toString().contains(name));
        }
        QCOMPARE(best->index(kDecoderCount - 1, 0).data().toString(), QStringLiteral("Full model"));
        // Ranked by lead: the first relation is where the decoder is furthest ahead of the others.
        view.setBestRelationsOrder(int(ModalityStrengths::Order::ByLead));
        for (int row = 0; row < 4; ++row) {
            const QVector<RelationStrength> list = best->strengths(row);
            QVERIFY(!list.isEmpty());
            for (const RelationStrength &s : ModalityStrengths::best(test, Decoder(row), 0, ModalityStrengths::Order::ByLead))
                QVERIFY(s.lead <= list.first().lead);
        }
        view.setBestRelationsOrder(int(ModalityStrengths::Order::ByMrr));
        view.relationTable()->sortByColumn(RelationMetricsModel::RelationColumn, Qt::AscendingOrder);
        saveScreenshot(&view, QStringLiteral("modalities"));

        // Tables export as CSV rows in the order shown, the plot as PNG.
        QString error;
        const QString csv = m_out.filePath(QStringLiteral("relations.csv"));
        QVERIFY2(exportTableCsv(proxy, csv, &error), qPrintable(error));
        const QStringList lines = csvLines(csv);
        QCOMPARE(lines.size(), 1 + proxy->rowCount());
        QCOMPARE(lines.first(), QStringLiteral("Relation,Ranked answers,S MRR,I MRR,T MRR,joint MRR,combined MRR,Best decoder"));
        for (int row = 0; row < proxy->rowCount(); ++row)
            QCOMPARE(lines[row + 1], displayRow(proxy, row));
        const QString png = m_out.filePath(QStringLiteral("modalities.png"));
        QVERIFY2(exportPlot(plot, png, &error), qPrintable(error));
        QVERIFY(QFileInfo(png).size() > 1000);

        // A run without image or text features: those decoders show no values and no case-study row.
        view.setRun(m_fixture.structureOnly.runId);
        QTRY_VERIFY_WITH_TIMEOUT(!model->decoderActive(Decoder::Image) && model->rowCount() > 0, 10000);
        QCOMPARE(model->index(0, RelationMetricsModel::FirstDecoderColumn + 1).data().toString(), QStringLiteral("–"));
        QCOMPARE(best->rowCount(), 3); // S, joint, full model
        QVERIFY(view.caption().contains(QStringLiteral("not run")));
    }

    void runsListCompareAndAblation()
    {
        RunsView view;
        view.resize(1200, 760);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const auto runTester = attachTester(view.runModel());
        const auto comparisonTester = attachTester(view.comparisonModel());
        const auto ablationTester = attachTester(view.ablationModel());
        QSignalSpy loaded(&view, &RunsView::loaded);
        view.setWorkspaceService(&m_service);
        view.setDataset(m_fixture.datasetId);
        QTRY_VERIFY_WITH_TIMEOUT(view.hasData(), 10000);

        RunListModel *runs = view.runModel();
        QCOMPARE(runs->rowCount(), 3);
        const QLabel *caption = view.findChild<QLabel *>(QStringLiteral("runsCaption"));
        QVERIFY2(caption->text().contains(QStringLiteral(" · 3 runs · ")), qPrintable(caption->text()));
        for (const testing::RecordedRun *r : {&m_fixture.full, &m_fixture.noExid, &m_fixture.structureOnly}) {
            const int row = runs->rowOf(r->runId);
            QVERIFY(row >= 0);
            QCOMPARE(runs->index(row, RunListModel::NameColumn).data().toString(), r->name);
            QCOMPARE(runs->index(row, RunListModel::StatusColumn).data().toString(), QStringLiteral("finished"));
            QCOMPARE(runs->index(row, RunListModel::EpochsColumn).data().toInt(), r->history.size());
            QCOMPARE(runs->index(row, RunListModel::TestColumn).data().toString(), QString::number(r->test.headline().mrr, 'f', 2));
            QCOMPARE(runs->index(row, RunListModel::BestValidColumn).data().toString(),
                     QString::number(r->bestValid.headline().mrr, 'f', 2));
        }
        QVERIFY(runs->index(runs->rowOf(m_fixture.noExid.runId), RunListModel::ConfigColumn).data().toString().contains("w/o ExID"));
        QVERIFY(!runs->index(runs->rowOf(m_fixture.full.runId), RunListModel::ConfigColumn).data().toString().contains("w/o"));

        // Two runs side by side: metrics, the differing switch, and their curves.
        view.selectRuns({m_fixture.full.runId, m_fixture.noExid.runId});
        QCOMPARE(view.selectedRuns().size(), 2);
        RunComparisonModel *cmp = view.comparisonModel();
        QCOMPARE(cmp->columnCount(), 3);
        QCOMPARE(cmp->differingSettings(), QStringList{QStringLiteral("exid")});
        // Both runs' figures in sight beside the plots: a run's column is as wide as its figures
        // need, not as its name ("quick-demo, no ExID (#2)" is elided), which the header's
        // tooltip gives whole.
        QTableView *cmpTable = view.comparisonTable();
        bool elided = false;
        for (int c = 1; c < 3; ++c) {
            const QRect figure = cmpTable->visualRect(cmp->index(RunComparisonModel::TestMrrRow, c));
            QVERIFY2(cmpTable->viewport()->rect().contains(figure),
                     qPrintable(QStringLiteral("column %1 at %2–%3 px, the table shows %4 px")
                                    .arg(c).arg(figure.left()).arg(figure.right()).arg(cmpTable->viewport()->width())));
            for (int row = 0; row < RunComparisonModel::MetricRowCount; ++row)
                QVERIFY(cmpTable->fontMetrics().horizontalAdvance(cmp->index(row, c).data().toString())
                        < cmpTable->columnWidth(c));
            const QString name = cmp->headerData(c, Qt::Horizontal).toString();
            QCOMPARE(cmp->headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString(), name);
            elided = elided || cmpTable->columnWidth(c) < cmpTable->horizontalHeader()->sectionSizeHint(c);
        }
        QVERIFY(elided);
        for (int c = 1; c < 3; ++c) {
            const qint64 id = cmp->headerData(c, Qt::Horizontal, RunComparisonModel::RunIdRole).toLongLong();
            const testing::RecordedRun &r = id == m_fixture.full.runId ? m_fixture.full : m_fixture.noExid;
            QCOMPARE(cmp->index(RunComparisonModel::TestMrrRow, c).data(RunComparisonModel::ValueRole).toDouble(), r.test.headline().mrr);
            QCOMPARE(cmp->index(RunComparisonModel::TestHits10Row, c).data(RunComparisonModel::ValueRole).toDouble(), r.test.headline().hits10);
            QCOMPARE(cmp->index(RunComparisonModel::MetricRowCount, c).data().toString(), id == m_fixture.full.runId ? "on" : "off");
            // Curves: validation MRR per evaluated epoch, loss per epoch.
            QCPGraph *mrr = view.mrrPlot()->graph(c - 1);
            QCPGraph *loss = view.lossPlot()->graph(c - 1);
            QVector<double> validMrr;
            for (const EvaluationReport &e : r.evaluations)
                if (e.split == Split::Valid)
                    validMrr << e.headline().mrr;
            QCOMPARE(mrr->data()->size(), validMrr.size());
            for (int i = 0; i < validMrr.size(); ++i)
                QCOMPARE(mrr->data()->at(i)->value, validMrr[i]);
            QCOMPARE(loss->data()->size(), r.history.size());
            for (int i = 0; i < r.history.size(); ++i)
                QCOMPARE(loss->data()->at(i)->value, r.history[i].mainLoss);
        }
        saveScreenshot(&view, QStringLiteral("runs-compare"));

        // The ablation table: the full model, its decoders alone, and the run without ExID.
        AblationTableModel *ablation = view.ablationModel();
        QVERIFY(ablation->rowCount() >= 10);
        QCOMPARE(ablation->index(0, AblationTableModel::SettingColumn).data().toString(), QStringLiteral("Full model"));
        QCOMPARE(ablation->index(0, 0).data(AblationTableModel::RunIdRole).toLongLong(), m_fixture.full.runId);
        QCOMPARE(ablation->index(0, AblationTableModel::MrrColumn).data(AblationTableModel::ValueRole).toDouble(),
                 m_fixture.full.test.headline().mrr);
        const int structureRow = ablation->rowOf(QStringLiteral("Structure modality"));
        QVERIFY(structureRow > 0);
        QCOMPARE(ablation->index(structureRow, AblationTableModel::Hits1Column).data(AblationTableModel::ValueRole).toDouble(),
                 m_fixture.full.test.overall.both[int(Decoder::Structure)].realistic.hits1);
        const int exidRow = ablation->rowOf(QStringLiteral("w/o ExID"));
        QVERIFY(exidRow > structureRow);
        QCOMPARE(ablation->index(exidRow, 0).data(AblationTableModel::RunIdRole).toLongLong(), m_fixture.noExid.runId);
        QCOMPARE(ablation->index(exidRow, AblationTableModel::MrrColumn).data().toString(),
                 QString::number(m_fixture.noExid.test.headline().mrr, 'f', 2));
        const int noiseRow = ablation->rowOf(QStringLiteral("w/o noise"));
        QVERIFY(noiseRow > 0);
        QCOMPARE(ablation->index(noiseRow, 0).data(AblationTableModel::RunIdRole).toLongLong(), qint64(-1));
        QCOMPARE(ablation->index(noiseRow, AblationTableModel::MrrColumn).data().toString(), QStringLiteral("–"));
        for (int row = 0; row < ablation->rowCount(); ++row) // different features: not an ablation partner
            QVERIFY(ablation->index(row, 0).data(AblationTableModel::RunIdRole).toLongLong() != m_fixture.structureOnly.runId);
        view.tabs()->setCurrentIndex(1);
        saveScreenshot(&view, QStringLiteral("runs-ablation"));

        QString error;
        const QString csv = m_out.filePath(QStringLiteral("ablation.csv"));
        QVERIFY2(exportTableCsv(ablation, csv, &error), qPrintable(error));
        const QStringList lines = csvLines(csv);
        QCOMPARE(lines.size(), 1 + ablation->rowCount());
        QCOMPARE(lines.first(), QStringLiteral("Group,Setting,MRR,Hit@1,Hit@3,Hit@10,Run"));
        for (int row = 0; row < ablation->rowCount(); ++row)
            QCOMPARE(lines[row + 1], displayRow(ablation, row));
        const QString pdf = m_out.filePath(QStringLiteral("curves.pdf"));
        QVERIFY2(exportPlot(view.mrrPlot(), pdf, &error), qPrintable(error));
        QVERIFY(QFileInfo(pdf).size() > 1000);

        // Double-click opens a run.
        QSignalSpy activated(&view, &RunsView::runActivated);
        view.tabs()->setCurrentIndex(0);
        QTableView *table = view.runTable();
        const QModelIndex first = table->model()->index(0, RunListModel::NameColumn);
        const QPoint centre = table->visualRect(first).center();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.first().first().toLongLong(), first.data(RunListModel::RunIdRole).toLongLong());

        // Deleting asks first; declining keeps the run.
        QStringList asked;
        view.setDeleteConfirmation([&](const QString &q) { asked << q; return false; });
        QVERIFY(!view.deleteRun(m_fixture.structureOnly.runId));
        QCOMPARE(asked.size(), 1);
        QVERIFY(asked.first().contains(m_fixture.structureOnly.name));
        QVERIFY2(asked.first().contains(QStringLiteral("with its %1 epochs and").arg(m_fixture.structureOnly.history.size())),
                 qPrintable(asked.first()));
        QCOMPARE(runs->rowCount(), 3);
        view.setDeleteConfirmation([](const QString &) { return true; });
        QSignalSpy deleted(&view, &RunsView::runDeleted);
        QSignalSpy removed(&m_service, &WorkspaceService::runRemoved);
        loaded.clear();
        QVERIFY2(view.deleteRun(m_fixture.structureOnly.runId, &error), qPrintable(error));
        QCOMPARE(deleted.count(), 1);
        // Deleted through the service, which tells every view.
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().first().toLongLong(), m_fixture.structureOnly.runId);
        QTRY_COMPARE_WITH_TIMEOUT(runs->rowCount(), 2, 10000);
        QCOMPARE(runs->rowOf(m_fixture.structureOnly.runId), -1);
        QTRY_VERIFY2(caption->text().contains(QStringLiteral(" · 2 runs · ")), qPrintable(caption->text()));
        auto ws = Workspace::open(m_fixture.workspacePath, &error);
        QVERIFY(ws);
        QVERIFY(!ws->run(m_fixture.structureOnly.runId));

        // Another dataset without runs: an empty state that says what to do.
        view.setDataset(m_fixture.datasetId + 1000);
        QTRY_VERIFY_WITH_TIMEOUT(!view.hasData(), 10000);
        QVERIFY(view.emptyText().contains(QStringLiteral("Train")));
    }

    void everyPlotAndTableOffersExport()
    {
        ExpertsView experts;
        ModalitiesView modalities;
        RunsView runs;
        int plots = 0, tables = 0;
        for (QWidget *view : std::initializer_list<QWidget *>{&experts, &modalities, &runs}) {
            for (QCustomPlot *plot : view->findChildren<QCustomPlot *>()) {
                QCOMPARE(plot->contextMenuPolicy(), Qt::ActionsContextMenu);
                QVERIFY2(plot->findChild<QAction *>(QStringLiteral("exportPngAction")), qPrintable(plot->objectName()));
                QVERIFY2(plot->findChild<QAction *>(QStringLiteral("exportPdfAction")), qPrintable(plot->objectName()));
                ++plots;
            }
            for (QTableView *table : view->findChildren<QTableView *>()) {
                QCOMPARE(table->contextMenuPolicy(), Qt::ActionsContextMenu);
                QVERIFY2(table->findChild<QAction *>(QStringLiteral("exportCsvAction")), qPrintable(table->objectName()));
                ++tables;
            }
        }
        QCOMPARE(plots, 2 + 1 + 2);  // heatmap and gate bars; decoder bars; MRR and loss curves
        QCOMPARE(tables, 0 + 2 + 3); // relation metrics and case study; runs, comparison and ablation
        // The heatmap's values behind the colours export as CSV as well.
        QVERIFY(experts.heatmapPlot()->findChild<QAction *>(QStringLiteral("exportCsvAction")));
    }

    void csvQuotesFieldsAsRfc4180()
    {
        QStandardItemModel model(2, 2);
        model.setHorizontalHeaderLabels({QStringLiteral("name"), QStringLiteral("note")});
        model.setItem(0, 0, new QStandardItem(QStringLiteral("a,b")));
        model.setItem(0, 1, new QStandardItem(QStringLiteral("say \"hi\"")));
        model.setItem(1, 0, new QStandardItem(QStringLiteral("two\nlines")));
        model.setItem(1, 1, new QStandardItem(QStringLiteral("plain")));
        QCOMPARE(tableToCsv(&model), QStringLiteral("name,note\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",plain\r\n"));
        QString error;
        QVERIFY(!exportTableCsv(&model, QStringLiteral("/nonexistent-dir/x.csv"), &error));
        QVERIFY(error.contains(QStringLiteral("nonexistent-dir")));
    }
};

QTEST_MAIN(TestAnalysisViews)
#include "tst_analysisviews.moc"
