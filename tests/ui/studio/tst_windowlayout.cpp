// The window gives the analyst room: with the default layout (no saved settings), the
// Predictions table shows at least 10 whole rows in a 1600×1000 window and 6 in a
// 1366×768 one, after a trained run is selected, as after the quick demo; the bottom dock
// gets what the table has beyond ten rows, enough for the whole gate heatmap at 1600×1000.
// The gate charts fold away, and the layout (dock sizes, folded gates) is remembered.
#include "MainWindow.h"
#include "entities/EntitySearchPanel.h"
#include "StudioFixture.h"

#include "analysis/ExpertsView.h"
#include "common/Appearance.h"
#include "training/TrainingPanel.h"
#include "common/QCustomPlotInclude.h"
#include "predictions/GateChart.h"
#include "predictions/PredictionModel.h"
#include "predictions/PredictionsView.h"
#include "studio/ModelViews.h"

#include <QAccessible>
#include <QAction>
#include <QDockWidget>
#include <QLineEdit>
#include <QHeaderView>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QToolButton>
#include <QtTest>

using namespace momok;
using namespace momok::ui;

namespace {
constexpr int kTimeoutMs = 60000;

// Rows whose whole height lies inside the table's viewport.
int wholeVisibleRows(const QTableView *table)
{
    const int viewport = table->viewport()->height();
    int rows = 0;
    for (int r = 0; r < table->model()->rowCount(); ++r) {
        const int top = table->rowViewportPosition(r);
        if (top >= 0 && top + table->rowHeight(r) <= viewport)
            ++rows;
    }
    return rows;
}
} // namespace

class TestWindowLayout : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    Trainer m_trainer;
    int m_settingsGeneration = 0;
    ModelViews *m_views = nullptr; // the last window's

    // A fresh user's settings (no saved layout) unless keepSettings.
    void useFreshSettings()
    {
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings-%1").arg(++m_settingsGeneration)));
    }

    std::unique_ptr<MainWindow> openWindow(const QSize &size)
    {
        auto window = std::make_unique<MainWindow>(currentComputeInfo());
        m_views = new ModelViews(window.get());
        window->resize(size);
        window->show();
        [&] { QVERIFY(QTest::qWaitForWindowExposed(window.get())); }();
        QSignalSpy workspaceOpened(window.get(), &MainWindow::workspaceChanged);
        window->openWorkspace(m_dir.filePath("layout.sqlite"));
        [&] { QTRY_COMPARE_WITH_TIMEOUT(workspaceOpened.count(), 1, kTimeoutMs); }();
        QSignalSpy opened(window.get(), &MainWindow::datasetChanged);
        window->openDataset(testing::countriesDir());
        [&] { QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs); }();
        if (window->workspace()->runs(window->currentDatasetId()).isEmpty()) {
            QString error;
            const qint64 runId = testing::recordRun(*window->workspace(), window->currentDatasetId(), m_trainer,
                                                    QStringLiteral("layout"), &error);
            [&] { QVERIFY2(runId >= 0, qPrintable(error)); }();
        }
        window->refreshRuns();
        PredictionsView *predictions = window->predictionsView();
        predictions->topKSpin()->setValue(40); // more rows than any layout shows
        window->showEntity(window->currentDataset()->entityId(QStringLiteral("Japan")));
        [&] { QTRY_VERIFY_WITH_TIMEOUT(predictions->model()->rowCount() >= 30, kTimeoutMs); }();
        QCoreApplication::processEvents();
        return window;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        configureComputeEnvironment(2);
        QString error;
        QVERIFY2(testing::trainQuickDemo(m_dir.filePath("run"), 1, &m_trainer, &error), qPrintable(error));
    }

    void defaultLayoutShowsEnoughRows_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("minimumRows");
        QTest::newRow("1600x1000") << QSize(1600, 1000) << 10;
        QTest::newRow("1366x768") << QSize(1366, 768) << 6;
    }

    void defaultLayoutShowsEnoughRows()
    {
        QFETCH(QSize, size);
        QFETCH(int, minimumRows);
        useFreshSettings();
        std::unique_ptr<MainWindow> window = openWindow(size);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(window->size(), size); // the window fits: its minimum size is below the screen's
        QTableView *table = window->predictionsView()->table();
        const int rows = wholeVisibleRows(table);
        QVERIFY2(rows >= minimumRows, qPrintable(QStringLiteral("%1 whole rows visible in a %2×%3 window (viewport %4 px)")
                                                      .arg(rows)
                                                      .arg(size.width())
                                                      .arg(size.height())
                                                      .arg(table->viewport()->height())));
        // The bottom dock is there, with room for its plots, and the gate charts are shown
        // or folded under their header.
        QVERIFY(window->bottomDock()->isVisible());
        QVERIFY2(window->bottomDock()->height() >= 180, qPrintable(QString::number(window->bottomDock()->height())));
        qInfo("%dx%d: %d whole rows, dock %d px, gates %s", size.width(), size.height(), rows,
              window->bottomDock()->height(), window->predictionsView()->gatesExpanded() ? "shown" : "folded");
    }

    // An educator's first look at the Experts tab in the default layout of a 1600×1000 window:
    // the heatmap beside the selected relation's bars, every one of countries' relations in
    // view without scrolling, and the bars no shorter than their minimum. The bottom dock got
    // the height the Predictions table has beyond its ten rows.
    void defaultLayoutShowsTheWholeHeatmap()
    {
        useFreshSettings();
        std::unique_ptr<MainWindow> window = openWindow(QSize(1600, 1000));
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(window->bottomDock()->height() > 1000 / 4, qPrintable(QString::number(window->bottomDock()->height())));
        ExpertsView *experts = m_views->expertsView();
        window->bottomTabs()->setCurrentPage(experts);
        QTRY_VERIFY_WITH_TIMEOUT(experts->hasData(), kTimeoutMs);
        QCoreApplication::processEvents();
        QVERIFY(experts->panesSideBySide());
        auto *scroll = experts->findChild<QScrollArea *>(QStringLiteral("expertsHeatmapScroll"));
        QVERIFY(scroll);
        QCustomPlot *heatmap = experts->heatmapPlot();
        QVERIFY2(scroll->viewport()->height() >= heatmap->height(),
                 qPrintable(QStringLiteral("viewport %1 px, heatmap %2 px").arg(scroll->viewport()->height()).arg(heatmap->height())));
        const int relations = window->currentDataset()->relationNames.size();
        for (int row = 0; row < relations; ++row) {
            const int y = int(heatmap->yAxis->coordToPixel(row));
            QVERIFY2(y > 0 && y < heatmap->height(), qPrintable(QStringLiteral("row %1 at %2 of %3 px").arg(row).arg(y).arg(heatmap->height())));
        }
        QVERIFY(experts->barsPlot()->height() >= experts->barsPlot()->minimumHeight());
        QVERIFY(experts->barsPlot()->isVisible());
        qInfo("dock %d px; heatmap %d px in a %d px viewport, %d relations", window->bottomDock()->height(), heatmap->height(),
              scroll->viewport()->height(), relations);

        // Narrow and tall (the dock floated beside the window, say), one above the other again.
        window->bottomDock()->setFloating(true);
        window->bottomDock()->resize(600, 700);
        QTRY_VERIFY(!experts->panesSideBySide());
    }

    // Folding the gates gives their height to the table; the choice and the dock's height
    // survive a restart.
    void gatesFoldAndLayoutIsRemembered()
    {
        useFreshSettings();
        int rowsShown = 0, dockHeight = 0;
        {
            std::unique_ptr<MainWindow> window = openWindow(QSize(1600, 1000));
            if (QTest::currentTestFailed())
                return;
            PredictionsView *predictions = window->predictionsView();
            auto *toggle = predictions->findChild<QToolButton *>(QStringLiteral("gatesToggle"));
            QVERIFY(toggle);
            predictions->setGatesExpanded(true);
            QVERIFY(predictions->gateChart(0)->isVisible());
            QTRY_VERIFY(predictions->gateChart(0)->height() > 60);
            QTest::qWait(50);
            rowsShown = wholeVisibleRows(predictions->table());
            toggle->click(); // fold
            QVERIFY(!predictions->gatesExpanded());
            QVERIFY(!predictions->gateChart(0)->isVisible());
            QTRY_VERIFY2(wholeVisibleRows(predictions->table()) >= rowsShown + 3,
                         qPrintable(QStringLiteral("%1 → %2").arg(rowsShown).arg(wholeVisibleRows(predictions->table()))));
            window->resizeDocks({window->bottomDock()}, {260}, Qt::Vertical);
            QCoreApplication::processEvents();
            dockHeight = window->bottomDock()->height();
            window->close(); // saves the layout
        }
        std::unique_ptr<MainWindow> again = openWindow(QSize(1600, 1000));
        if (QTest::currentTestFailed())
            return;
        QVERIFY(!again->predictionsView()->gatesExpanded());
        QVERIFY(!again->predictionsView()->gateChart(0)->isVisible());
        QVERIFY2(qAbs(again->bottomDock()->height() - dockHeight) <= 4,
                 qPrintable(QStringLiteral("%1 against %2").arg(again->bottomDock()->height()).arg(dockHeight)));
    }

    // Keyboard use and what a screen reader is told: Tab reaches the predictions from the
    // search field, every plot has a name, the gate charts and score bars say their values,
    // and the gate heatmap's relations are chosen with the arrow keys.
    void keyboardAndAccessibleNames()
    {
        useFreshSettings();
        std::unique_ptr<MainWindow> window = openWindow(QSize(1600, 1000));
        if (QTest::currentTestFailed())
            return;
        window->activateWindow();
        PredictionsView *predictions = window->predictionsView();

        QWidget *search = window->searchPanel()->searchField();
        QVERIFY(search);
        search->setFocus(Qt::TabFocusReason);
        QSet<QWidget *> reached;
        for (int i = 0; i < 80 && !(reached.contains(predictions->table()) && reached.contains(predictions->relationChooser())); ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            reached.insert(QApplication::focusWidget());
        }
        QVERIFY(reached.contains(predictions->relationChooser()));
        QVERIFY(reached.contains(predictions->table()));

        for (QCustomPlot *plot : window->findChildren<QCustomPlot *>())
            QVERIFY2(!QAccessible::queryAccessibleInterface(plot)->text(QAccessible::Name).isEmpty(),
                     qPrintable(plot->objectName()));
        predictions->setGatesExpanded(true);
        const QString gates = QAccessible::queryAccessibleInterface(predictions->gateChart(0))->text(QAccessible::Description);
        QVERIFY2(gates.contains("E1: 0.") || gates.contains("E1: 1.0"), qPrintable(gates));
        const QModelIndex structureScore = predictions->model()->index(0, PredictionModel::StructureColumn);
        QVERIFY2(structureScore.data(Qt::AccessibleTextRole).toString().contains("score 0."),
                 qPrintable(structureScore.data(Qt::AccessibleTextRole).toString()));

        ExpertsView *experts = m_views->expertsView();
        window->bottomTabs()->setCurrentPage(experts);
        QTRY_VERIFY_WITH_TIMEOUT(experts->hasData(), kTimeoutMs);
        experts->heatmapPlot()->setFocus();
        QTest::keyClick(experts->heatmapPlot(), Qt::Key_Home);
        QCOMPARE(experts->selectedRelation(), experts->relationAtRow(0));
        QTest::keyClick(experts->heatmapPlot(), Qt::Key_Down);
        QCOMPARE(experts->selectedRelation(), experts->relationAtRow(1));
        const QString row = QAccessible::queryAccessibleInterface(experts->heatmapPlot())->text(QAccessible::Description);
        const QString relation = window->currentDataset()->relationNames.value(experts->relationAtRow(1));
        QVERIFY2(row.startsWith(relation + ", row 2 of") && row.contains("expert 1 0."), qPrintable(row));
    }

    // View → Appearance → Dark: the palette turns dark and the plots follow it (background,
    // axes, neutral lines), before every replot; the joint's near-black score bar turns
    // light; Light brings the light palette back.
    void darkAppearanceReachesThePlots()
    {
        useFreshSettings();
        installPlotTheming();
        std::unique_ptr<MainWindow> window = openWindow(QSize(1600, 1000));
        if (QTest::currentTestFailed())
            return;
        auto *dark = window->findChild<QAction *>(QStringLiteral("appearance-dark"));
        QVERIFY(dark);
        dark->trigger();
        QCOMPARE(savedAppearance(), Appearance::Dark);
        QCoreApplication::processEvents();
        const QPalette palette = QApplication::palette();
        QVERIFY(palette.color(QPalette::Base).lightnessF() < 0.3);
        QCustomPlot *loss = m_views->trainingPanel()->lossPlot();
        loss->replot();
        QCOMPARE(loss->toPixmap(200, 150).toImage().pixelColor(1, 1), palette.color(QPalette::Base));
        QCOMPARE(loss->xAxis->tickLabelColor(), palette.color(QPalette::WindowText));
        for (int i = 0; i < loss->graphCount(); ++i)
            QVERIFY2(loss->graph(i)->pen().color().lightnessF() > 0.3 || loss->graph(i)->pen().color().hsvSaturation() > 40,
                     qPrintable(loss->graph(i)->name()));
        QVERIFY(legibleColor(QColor(0x33, 0x33, 0x33), palette).lightnessF() > 0.7);
        QCOMPARE(legibleColor(QColor(0x00, 0x72, 0xB2), palette), QColor(0x00, 0x72, 0xB2)); // a modality's colour stays

        auto *light = window->findChild<QAction *>(QStringLiteral("appearance-light"));
        light->trigger();
        QCoreApplication::processEvents();
        loss->replot();
        QVERIFY(QApplication::palette().color(QPalette::Base).lightnessF() > 0.8);
        QCOMPARE(loss->toPixmap(200, 150).toImage().pixelColor(1, 1), QApplication::palette().color(QPalette::Base));
        applyAppearance(Appearance::System, false);
    }
};

QTEST_MAIN(TestWindowLayout)
#include "tst_windowlayout.moc"
