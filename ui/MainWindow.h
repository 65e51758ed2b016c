#pragma once
// The analyst's window: datasets and entity search on the left, the entity card
// with its known triples and the selected run's predictions in the centre, a
// bottom dock whose tabs (training, experts, modalities, runs) are added by the
// application, and a run chooser in the toolbar.
#include "common/DockTabWidget.h"
#include "data/KgDataset.h"
#include "runtime/ComputeEnvironment.h"
#include "storage/WorkspaceRecords.h"

#include <QMainWindow>

#include <functional>
#include <QSet>

#include <memory>

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace momok {
class Workspace;
}

namespace momok::ui {

class EntityCard;
class WelcomePage;
class EntitySearchPanel;
class KnownTriplesModel;
class NavigationHistory;
class PredictionsView;
class WorkspaceService;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(const ComputeInfo &computeInfo, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens workspaceFile if given, else the last workspace (or the default one); then
    // datasetDir if given, else the welcome page at the first start (or when the user
    // asked for it), else the last dataset, else the bundled countries dataset.
    void startUp(const QString &datasetDir = {}, const QString &workspaceFile = {});
    // Opens (creating the file if needed) off the UI thread through the workspace service;
    // then workspaceChanged() or workspaceOpenFailed(), and done(ok, error) if given. On
    // failure the previous workspace stays open.
    void openWorkspace(const QString &path, std::function<void(bool ok, const QString &error)> done = {});
    // Reads, checks and imports the folder off the UI thread, then selects it.
    void openDataset(const QString &directory);
    // One of the workspace's datasets (read from its folder off the UI thread).
    void selectDataset(qint64 datasetId);

    // The bottom dock's tabs: add the training, experts, modalities and runs views here.
    DockTabWidget *bottomTabs() const;
    // Menus that the model views extend with their own actions.
    QMenu *fileMenu() const { return m_fileMenu; }
    QMenu *modelMenu() const { return m_modelMenu; }
    QMenu *viewMenu() const { return m_viewMenu; }
    WelcomePage *welcomePage() const { return m_welcome; }
    bool isWelcomeShown() const;
    // Asked before the window closes (e.g. "stop the running training?"); false keeps it open.
    void setCloseGuard(std::function<bool(QWidget *parent)> guard) { m_closeGuard = std::move(guard); }
    QDockWidget *bottomDock() const { return m_bottomDock; }
    // The one owner of the workspace; views are handed it (ModelViews).
    WorkspaceService *workspaceService() const { return m_service; }
    Workspace *workspace() const; // the service's UI-thread connection
    QString workspacePath() const;
    qint64 currentDatasetId() const { return m_datasetId; }
    QString currentDatasetPath() const { return m_datasetPath; }
    std::shared_ptr<const KgDataset> currentDataset() const { return m_dataset; }
    qint64 currentRunId() const { return m_runId; }
    // The selected run's directory (where run.json and its checkpoints are), or empty.
    QString currentRunDir() const;
    qint64 currentEntityId() const;

    EntitySearchPanel *searchPanel() const { return m_searchPanel; }
    EntityCard *entityCard() const { return m_card; }
    KnownTriplesModel *knownTriplesModel() const { return m_knownModel; }
    QTableView *knownTriplesView() const { return m_knownView; }
    PredictionsView *predictionsView() const { return m_predictions; }
    QComboBox *runChooser() const { return m_runChooser; }
    QAction *backAction() const { return m_back; }
    QAction *forwardAction() const { return m_forward; }

    // A run's directory: the folder of its best (else latest) checkpoint.
    static QString runDirectory(const RunRecord &run);

public Q_SLOTS:
    // The status bar shows the threads a running training uses (0: back to the start-up figure).
    void showTrainingThreads(int threads, const QString &device);
    // A training's line on where it stands (TrainingPanel::activityChanged; empty once it has
    // ended): the predictions' no-run state shows it while the open dataset is the one it trains.
    void showTrainingActivity(const QString &datasetDir, const QString &progress);
    // Re-reads the current dataset's runs (call when a training finishes).
    void refreshRuns();
    void selectRun(qint64 runId);
    // The run the next refreshRuns() selects if it lists it (a training that just finished).
    void preferRun(qint64 runId) { m_preferredRun = runId; }
    // Navigates to the entity (adds it to the back/forward history).
    void showEntity(qint64 entityId);
    // Help → Welcome page: the bundled datasets, the quick demo and recent workspaces.
    void showWelcome();
    void goBack();
    void goForward();

Q_SIGNALS:
    void workspaceChanged(const QString &path);
    void workspaceOpenFailed(const QString &path, const QString &error);
    void datasetChanged(qint64 datasetId, const QString &datasetDir);
    void datasetOpenFailed(const QString &directory, const QString &reason);
    void currentRunChanged(qint64 runId);
    void entityChanged(qint64 entityId);
    // Emitted once per dataset when it has no trained run: offer a quick training.
    void trainingSuggested(const QString &datasetDir, qint64 datasetId);
    // The user asked for a quick training from the empty predictions view (its button
    // only shows when something is connected here).
    void trainingRequested(const QString &datasetDir, qint64 datasetId);
    // The welcome page's quick demo: the dataset is open and has no trained run; train
    // the quick demo on it now, without asking again.
    void quickDemoRequested(const QString &datasetDir, qint64 datasetId);

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void connectNotify(const QMetaMethod &signal) override;

private:
    void buildMenus();
    void buildToolBar();
    void buildCentre();
    void buildDocks();
    void showAbout();
    void chooseWorkspace(bool create);
    void chooseDataset();
    void showTeachingDialog();
    void onWorkspaceOpened();
    void onWorkspaceOpenFailed(const QString &path, const QString &error);
    void openStartDataset(const QString &datasetDir);
    void refreshDatasets();
    void importDataset(const QString &directory, std::shared_ptr<KgDataset> dataset);
    void applyDataset(qint64 datasetId, std::shared_ptr<const KgDataset> dataset);
    void applyRun(qint64 runId);
    void displayEntity(qint64 entityId);
    void updateNavigationActions();
    void fitFirstStartToScreen();
    void applyDefaultLayout();
    void fitDockToPredictionRows();
    // The default layout's first bottom dock height: a quarter of the window, at least the dock's minimum.
    int quarterDockHeight() const;
    // The default layout shows the gate charts in windows at least this tall.
    static constexpr int kGatesShownFromHeight = 1100;
    // The Predictions table's whole rows the default layout keeps (the default top 10).
    static constexpr int kDefaultPredictionRows = 10;
    // The default layout's bottom dock is never shorter than this, or than a quarter of the
    // window where that is less: its plots need the room more than the table its tenth row.
    static constexpr int kDockFloor = 200;

    ComputeInfo m_computeInfo;
    WorkspaceService *m_service = nullptr;
    std::function<void(bool, const QString &)> m_afterOpen; // openWorkspace()'s done
    qint64 m_datasetId = -1;
    QString m_datasetPath;
    QString m_trainingDatasetDir, m_trainingProgress; // showTrainingActivity's
    QString m_pendingDataset; // the folder being read or imported
    std::shared_ptr<const KgDataset> m_dataset;
    qint64 m_runId = -1;
    qint64 m_preferredRun = -1;
    QVector<RunRecord> m_runs;
    QSet<qint64> m_trainingSuggestedFor;

    NavigationHistory *m_history = nullptr;
    EntitySearchPanel *m_searchPanel = nullptr;
    EntityCard *m_card = nullptr;
    KnownTriplesModel *m_knownModel = nullptr;
    QTableView *m_knownView = nullptr;
    QLabel *m_knownTitle = nullptr;
    PredictionsView *m_predictions = nullptr;
    QDockWidget *m_searchDock = nullptr;
    QDockWidget *m_bottomDock = nullptr;
    DockTabWidget *m_bottomTabs = nullptr;
    QMenu *m_fileMenu = nullptr;
    QMenu *m_modelMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QStackedWidget *m_centreStack = nullptr; // the welcome page, then the analysis
    WelcomePage *m_welcome = nullptr;
    bool m_welcomeAtStart = false;
    QString m_trainAfterOpen; // the welcome page's quick demo: train once this dataset is open
    std::function<bool(QWidget *)> m_closeGuard;
    QComboBox *m_runChooser = nullptr;
    QAction *m_back = nullptr;
    QAction *m_forward = nullptr;
    bool m_dockFitPending = false; // applyDefaultLayout() done, fitDockToPredictionRows() not yet
    bool m_entityShown = false;    // the card has shown an entity (not only a message)
    bool m_defaultLayoutPending = false; // no saved layout: applyDefaultLayout() on first show
    QLabel *m_computeLabel = nullptr;
    QLabel *m_workspaceLabel = nullptr;
};

} // namespace momok::ui
