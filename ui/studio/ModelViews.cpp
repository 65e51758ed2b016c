#include "studio/ModelViews.h"

#include "MainWindow.h"
#include "analysis/EmbeddingExportDialog.h"
#include "analysis/ExpertsView.h"
#include "analysis/ModalitiesView.h"
#include "analysis/RunsView.h"
#include "analysis/SimilarView.h"
#include "common/DockTabWidget.h"
#include "common/ExportActions.h"
#include "domain/Vocabulary.h"
#include "predictions/GateChart.h"
#include "predictions/NewEntityDialog.h"
#include "predictions/PredictionsView.h"
#include "training/TrainingPanel.h"
#include "workspace/WorkspaceService.h"

#include <QDir>
#include <QDockWidget>
#include <QMessageBox>
#include <QMenu>
#include <QSettings>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

namespace momok::ui {

ModelViews::ModelViews(MainWindow *window) : QObject(window), m_window(window)
{
    m_training = new TrainingPanel(window);
    m_experts = new ExpertsView(window);
    m_modalities = new ModalitiesView(window);
    m_runs = new RunsView(window);
    m_similar = new SimilarView(window);
    m_similar->setObjectName(QStringLiteral("similarView"));
    m_training->setObjectName(QStringLiteral("trainingPanel"));
    m_experts->setObjectName(QStringLiteral("expertsView"));
    m_modalities->setObjectName(QStringLiteral("modalitiesView"));
    m_runs->setObjectName(QStringLiteral("runsView"));

    DockTabWidget *tabs = window->bottomTabs();
    const std::pair<QWidget *, QString> pages[] = {{m_training, tr("Training")}, {m_experts, tr("Experts")},
                                                   {m_modalities, tr("Modalities")}, {m_runs, tr("Runs")},
                                                   {m_similar, tr("Similar")}};
    // Each tab is a View menu entry with its shortcut (Ctrl+1 … Ctrl+5), shown in the menu.
    window->viewMenu()->addSeparator();
    for (int i = 0; i < int(std::size(pages)); ++i) {
        QWidget *page = pages[i].first;
        tabs->addPage(page, pages[i].second);
        QAction *show = window->viewMenu()->addAction(tr("%1 tab").arg(pages[i].second), this, [this, page] {
            m_window->bottomDock()->show();
            m_window->bottomTabs()->setCurrentPage(page);
            page->setFocus(Qt::ShortcutFocusReason);
        });
        show->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }
    installExports();

    QAction *train = window->modelMenu()->addAction(tr("&Train…"), m_training, &TrainingPanel::showTrainingDialog);
    train->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    window->modelMenu()->addAction(tr("&Cancel training"), m_training, &TrainingPanel::cancelTraining);
    window->modelMenu()->addSeparator();
    window->modelMenu()->addAction(tr("&New entity…"), this, &ModelViews::showNewEntityDialog);
    QAction *exportEmbeddings = new QAction(tr("Export &embeddings…"), this);
    connect(exportEmbeddings, &QAction::triggered, this, &ModelViews::showExportEmbeddingsDialog);
    QMenu *file = window->fileMenu();
    file->insertAction(file->actions().value(file->actions().size() - 2), exportEmbeddings); // above Quit's separator

    // The window's workspace service and state flow into the views...
    WorkspaceService *service = window->workspaceService();
    m_training->setWorkspaceService(service);
    m_experts->setWorkspaceService(service);
    m_modalities->setWorkspaceService(service);
    m_runs->setWorkspaceService(service);
    connect(window, &MainWindow::datasetChanged, this, [this](qint64 datasetId, const QString &dir) {
        m_training->setDataset(dir, datasetId);
        m_runs->setDataset(datasetId);
    });
    connect(window, &MainWindow::currentRunChanged, m_experts, &ExpertsView::setRun);
    connect(window, &MainWindow::currentRunChanged, m_modalities, &ModalitiesView::setRun);
    connect(window, &MainWindow::currentRunChanged, m_training, &TrainingPanel::showRun);
    // The Similar panel asks the predictions' engine, which holds the run's model once.
    m_similar->setEngine(window->predictionsView()->engine());
    connect(window, &MainWindow::datasetChanged, this, [this] { m_similar->setDataset(m_window->currentDataset()); });
    connect(window, &MainWindow::currentRunChanged, m_similar, &SimilarView::setRun);
    connect(window, &MainWindow::entityChanged, m_similar, &SimilarView::setEntity);
    connect(m_similar, &SimilarView::entityActivated, window, &MainWindow::showEntity);

    // ...and what the views do flows back.
    connect(window, &MainWindow::trainingRequested, m_training, [this] {
        m_window->bottomTabs()->setCurrentPage(m_training);
        m_training->offerQuickDemo();
    });
    // A dataset without a trained run: the Training tab comes forward (no question over the
    // window; the predictions' empty state and the welcome page offer the quick demo).
    connect(window, &MainWindow::trainingSuggested, this, [this] {
        if (!m_training->isTraining())
            m_window->bottomTabs()->setCurrentPage(m_training);
    });
    connect(window, &MainWindow::quickDemoRequested, m_training, [this] {
        m_window->bottomTabs()->setCurrentPage(m_training);
        m_training->startQuickDemo();
    });
    connect(m_training, &TrainingPanel::runStarted, this, [this] {
        m_window->bottomTabs()->setCurrentPage(m_training);
        // The trainer records through its own connection: the service hears of the new run here.
        m_window->workspaceService()->checkRuns();
    });
    connect(m_training, &TrainingPanel::runFinished, this, &ModelViews::onRunFinished);
    connect(m_training, &TrainingPanel::computeThreadsChanged, window, &MainWindow::showTrainingThreads);
    connect(m_training, &TrainingPanel::activityChanged, window, &MainWindow::showTrainingActivity);
    connect(m_runs, &RunsView::runActivated, window, &MainWindow::selectRun);
    window->setCloseGuard([this](QWidget *parent) { return m_training->confirmAndStopForClose(parent); });
}

void ModelViews::installExports()
{
    installPlotExport(m_training->lossPlot());
    installPlotExport(m_training->miPlot());
    installPlotExport(m_training->metricsPlot());
    PredictionsView *predictions = m_window->predictionsView();
    installTableExport(predictions->table());
    for (int m = 0; m < kModalityCount; ++m)
        if (predictions->gateChart(m))
            installPlotExport(predictions->gateChart(m));
    installTableExport(m_window->knownTriplesView());
}

void ModelViews::onRunFinished(qint64 runId, Outcome outcome)
{
    // A finished run becomes the analyst's run, so predictions, experts and modalities fill
    // at once. The service's change signals then refresh the run lists and the window, whose
    // current run moves the experts and modalities views: each loads once.
    if (outcome == Outcome::Finished && runId >= 0)
        m_window->preferRun(runId);
    m_window->workspaceService()->checkRuns();
}

void ModelViews::showNewEntityDialog()
{
    if (m_window->currentRunId() < 0 || !m_window->currentDataset()) {
        QMessageBox::information(m_window, tr("New entity"),
                                 tr("Predictions for a new entity come from a trained model: train one first "
                                    "(Model → Train…) or choose a run in the toolbar."));
        return;
    }
    auto *dialog = new NewEntityDialog(m_window->predictionsView()->engine(), m_window->currentDataset(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewEntityDialog::entityActivated, m_window, &MainWindow::showEntity);
    // The dialog asks the run it was opened for: another run chosen meanwhile closes it.
    connect(m_window, &MainWindow::currentRunChanged, dialog, &QDialog::close);
    dialog->show();
}

void ModelViews::showExportEmbeddingsDialog()
{
    if (m_window->currentRunId() < 0) {
        QMessageBox::information(m_window, tr("Export embeddings"),
                                 tr("Embeddings come from a trained model: train one first (Model → Train…) or "
                                    "choose a run in the toolbar."));
        return;
    }
    const QString suggested = QDir(m_window->currentRunDir()).filePath(QStringLiteral("embeddings"));
    auto *dialog = new EmbeddingExportDialog(m_window->predictionsView()->engine(), suggested, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_window, &MainWindow::currentRunChanged, dialog, &QDialog::close);
    dialog->show();
}

} // namespace momok::ui
