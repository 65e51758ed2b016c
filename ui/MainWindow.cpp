#include "MainWindow.h"

#include "common/AboutDialog.h"
#include "common/AppPaths.h"
#include "common/Appearance.h"
#include "common/DockTabWidget.h"
#include "data/DatasetReader.h"
#include "domain/Plural.h"
#include "entities/EntityCard.h"
#include "entities/EntitySearchModel.h"
#include "entities/EntitySearchPanel.h"
#include "entities/KnownTriplesModel.h"
#include "entities/NavigationHistory.h"
#include "predictions/PredictionsView.h"
#include "teaching/TeachingDatasetDialog.h"
#include "train/RunDescription.h"
#include "storage/Workspace.h"
#include "workspace/ValidationReportDialog.h"
#include "workspace/WorkspaceService.h"
#include "welcome/WelcomePage.h"

#include <QAbstractItemView>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenuBar>
#include <QMetaMethod>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace momok::ui {

namespace {

const QString kSettingsWorkspace = QStringLiteral("workspace/last");
const QString kSettingsDataset = QStringLiteral("dataset/last");
const QString kSettingsGeometry = QStringLiteral("window/geometry");
const QString kSettingsState = QStringLiteral("window/state");
const QString kSettingsRecentWorkspaces = QStringLiteral("workspace/recent");
const QString kSettingsWelcomeAtStart = QStringLiteral("welcome/showAtStart");
constexpr int kRecentWorkspaces = 8;

struct ImportOutcome {
    qint64 datasetId = -1;
    QString error;
};

bool hasCheckpoint(const RunRecord &run)
{
    const bool usable = run.status == RunStatus::Finished || runStoppedEarly(run.status);
    return usable && !(run.bestCheckpointPath.isEmpty() && run.checkpointPath.isEmpty());
}

} // namespace

MainWindow::MainWindow(const ComputeInfo &computeInfo, QWidget *parent)
    : QMainWindow(parent), m_computeInfo(computeInfo)
{
    setWindowTitle(QStringLiteral("MoMoK Studio"));
    setObjectName(QStringLiteral("MainWindow"));
    resize(1360, 860);
    m_history = new NavigationHistory(this);
    // Connected before any view is handed the service: the window's run list and
    // current run are up to date when the views hear of a change.
    m_service = new WorkspaceService(this);
    connect(m_service, &WorkspaceService::workspaceOpened, this, &MainWindow::onWorkspaceOpened);
    connect(m_service, &WorkspaceService::openFailed, this, &MainWindow::onWorkspaceOpenFailed);
    connect(m_service, &WorkspaceService::runsChanged, this, &MainWindow::refreshRuns);
    connect(m_history, &NavigationHistory::changed, this, &MainWindow::updateNavigationActions);

    buildCentre();
    buildDocks();
    buildToolBar();
    buildMenus();

    m_computeLabel = new QLabel(shortDescription(m_computeInfo), this);
    m_computeLabel->setObjectName(QStringLiteral("computeLabel"));
    m_computeLabel->setToolTip(longDescription(m_computeInfo));
    m_workspaceLabel = new QLabel(this);
    m_workspaceLabel->setObjectName(QStringLiteral("workspaceLabel"));
    statusBar()->addPermanentWidget(m_computeLabel);
    statusBar()->addPermanentWidget(m_workspaceLabel);

    QSettings settings;
    if (!restoreGeometry(settings.value(kSettingsGeometry).toByteArray()))
        fitFirstStartToScreen();
    m_defaultLayoutPending = !restoreState(settings.value(kSettingsState).toByteArray());
    // The dock stays hidden until something is added to it, whatever the saved state says.
    m_bottomDock->setVisible(m_bottomTabs->count() > 0);
    updateNavigationActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::showTrainingThreads(int threads, const QString &device)
{
    if (threads <= 0) {
        m_computeLabel->setText(shortDescription(m_computeInfo));
        return;
    }
    ComputeInfo training = m_computeInfo;
    training.intraOpThreads = threads;
    training.device = device;
    m_computeLabel->setText(tr("%1 (training)").arg(shortDescription(training)));
}

void MainWindow::showTrainingActivity(const QString &datasetDir, const QString &progress)
{
    m_trainingDatasetDir = datasetDir;
    m_trainingProgress = progress;
    const bool thisDataset = m_dataset && !progress.isEmpty() && Workspace::folderPath(m_datasetPath) == datasetDir;
    m_predictions->setTrainingProgress(thisDataset ? progress : QString());
}

void MainWindow::buildCentre()
{
    m_card = new EntityCard(this);

    m_knownModel = new KnownTriplesModel(this);
    m_knownView = new QTableView(this);
    m_knownView->setTabKeyNavigation(false); // Tab leaves the table; arrows move inside
    m_knownView->setObjectName(QStringLiteral("knownTriplesView"));
    m_knownView->setModel(m_knownModel);
    m_knownView->verticalHeader()->hide();
    m_knownView->setShowGrid(false);
    m_knownView->setAlternatingRowColors(true);
    m_knownView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_knownView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_knownView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_knownView->setIconSize(QSize(32, 24));
    m_knownView->verticalHeader()->setDefaultSectionSize(28);
    QHeaderView *header = m_knownView->horizontalHeader();
    header->resizeSection(KnownTriplesModel::DirectionColumn, 28);
    header->resizeSection(KnownTriplesModel::RelationColumn, 140);
    header->setSectionResizeMode(KnownTriplesModel::NeighbourColumn, QHeaderView::Stretch);
    header->resizeSection(KnownTriplesModel::SplitColumn, 52);
    connect(m_knownView, &QTableView::activated, this, [this](const QModelIndex &index) {
        if (index.isValid())
            showEntity(index.data(KnownTriplesModel::NeighbourIdRole).toLongLong());
    });
    m_knownTitle = new QLabel(tr("<b>Known triples</b>"), this);
    auto *knownPanel = new QWidget(this);
    auto *knownLayout = new QVBoxLayout(knownPanel);
    knownLayout->setContentsMargins(4, 4, 4, 4);
    knownLayout->addWidget(m_knownTitle);
    knownLayout->addWidget(m_knownView, 1);

    m_predictions = new PredictionsView(this);
    connect(m_predictions, &PredictionsView::entityActivated, this, &MainWindow::showEntity);
    connect(m_predictions, &PredictionsView::trainRequested, this,
            [this] { Q_EMIT trainingRequested(m_datasetPath, m_datasetId); });

    auto *below = new QSplitter(Qt::Horizontal, this);
    below->setObjectName(QStringLiteral("centreSplitter"));
    below->addWidget(knownPanel);
    below->addWidget(m_predictions);
    below->setStretchFactor(0, 2);
    below->setStretchFactor(1, 5);
    below->setSizes({430, 850});
    below->setChildrenCollapsible(false);

    auto *centre = new QSplitter(Qt::Vertical, this);
    centre->setObjectName(QStringLiteral("centre"));
    centre->addWidget(m_card);
    centre->addWidget(below);
    centre->setStretchFactor(0, 0);
    centre->setStretchFactor(1, 1);
    centre->setChildrenCollapsible(false);
    centre->setSizes({EntityCard::kImageBox.height() + 24, 800}); // the card as tall as its image, no more

    m_welcome = new WelcomePage(this);
    m_welcome->setShowAtStart(QSettings().value(kSettingsWelcomeAtStart, false).toBool());
    connect(m_welcome, &WelcomePage::quickDemoRequested, this, [this] {
        m_trainAfterOpen = QDir::cleanPath(bundledDatasetDir());
        openDataset(bundledDatasetDir());
    });
    connect(m_welcome, &WelcomePage::countriesRequested, this, [this] { openDataset(bundledDatasetDir()); });
    connect(m_welcome, &WelcomePage::teachingGraphRequested, this, &MainWindow::showTeachingDialog);
    connect(m_welcome, &WelcomePage::openDatasetRequested, this, &MainWindow::chooseDataset);
    connect(m_welcome, &WelcomePage::workspaceRequested, this, [this](const QString &path) {
        openWorkspace(path, [this, path](bool ok, const QString &error) {
            if (ok)
                openStartDataset(QString());
            else
                QMessageBox::warning(this, tr("Workspace"), tr("%1 cannot be opened:\n%2").arg(QDir::toNativeSeparators(path), error));
        });
    });
    connect(m_welcome, &WelcomePage::showAtStartChanged, this,
            [](bool show) { QSettings().setValue(kSettingsWelcomeAtStart, show); });
    m_centreStack = new QStackedWidget(this);
    m_centreStack->addWidget(m_welcome);
    m_centreStack->addWidget(centre);
    m_centreStack->setCurrentWidget(centre);
    setCentralWidget(m_centreStack);
}

bool MainWindow::isWelcomeShown() const { return m_centreStack->currentWidget() == m_welcome; }

void MainWindow::showWelcome()
{
    m_welcome->setRecentWorkspaces(QSettings().value(kSettingsRecentWorkspaces).toStringList());
    m_centreStack->setCurrentWidget(m_welcome);
    m_welcome->setFocus(Qt::OtherFocusReason);
}

void MainWindow::chooseDataset()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open dataset folder"));
    if (!dir.isEmpty())
        openDataset(dir);
}

void MainWindow::showTeachingDialog()
{
    auto *dialog = new TeachingDatasetDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &TeachingDatasetDialog::datasetGenerated, this, &MainWindow::openDataset);
    dialog->open();
}

void MainWindow::buildDocks()
{
    m_searchPanel = new EntitySearchPanel(this);
    connect(m_searchPanel, &EntitySearchPanel::entityActivated, this, &MainWindow::showEntity);
    connect(m_searchPanel, &EntitySearchPanel::datasetChosen, this, &MainWindow::selectDataset);
    m_searchDock = new QDockWidget(tr("Entities"), this);
    m_searchDock->setObjectName(QStringLiteral("entitiesDock"));
    m_searchDock->setWidget(m_searchPanel);
    m_searchDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::LeftDockWidgetArea, m_searchDock);

    m_bottomTabs = new DockTabWidget(this);
    m_bottomTabs->setObjectName(QStringLiteral("bottomTabs"));
    m_bottomTabs->setDocumentMode(true);
    m_bottomDock = new QDockWidget(tr("Model"), this);
    m_bottomDock->setObjectName(QStringLiteral("bottomDock"));
    m_bottomDock->setWidget(m_bottomTabs);
    m_bottomDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::BottomDockWidgetArea, m_bottomDock);
    // The left dock spans the full height, as in a file browser.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    connect(m_bottomTabs, &DockTabWidget::tabCountChanged, this, [this](int count) {
        const bool wasEmpty = count == 1;
        if (count == 0)
            m_bottomDock->hide();
        else if (wasEmpty)
            m_bottomDock->show();
    });
}

void MainWindow::buildToolBar()
{
    QToolBar *bar = addToolBar(tr("Navigation"));
    bar->setObjectName(QStringLiteral("navigationToolBar"));
    bar->setMovable(false);
    m_back = bar->addAction(style()->standardIcon(QStyle::SP_ArrowBack), tr("Back"), this, &MainWindow::goBack);
    m_back->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    m_back->setToolTip(tr("Back to the previous entity (Alt+Left)"));
    m_forward = bar->addAction(style()->standardIcon(QStyle::SP_ArrowForward), tr("Forward"), this, &MainWindow::goForward);
    m_forward->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
    m_forward->setToolTip(tr("Forward (Alt+Right)"));

    auto *spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    auto *runLabel = new QLabel(tr("run: "), bar);
    bar->addWidget(runLabel);
    m_runChooser = new QComboBox(bar);
    m_runChooser->setObjectName(QStringLiteral("runChooser"));
    // Entries carry the run's description: the toolbar keeps a readable width and the
    // popup widens to show them whole (see refreshRuns()).
    m_runChooser->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_runChooser->setMinimumContentsLength(48);
    m_runChooser->setToolTip(tr("The trained run whose model answers the predictions"));
    bar->addWidget(m_runChooser);
    connect(m_runChooser, &QComboBox::activated, this,
            [this](int index) { selectRun(m_runChooser->itemData(index).toLongLong()); });
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    m_fileMenu = file;
    file->addAction(tr("&New workspace…"), this, [this] { chooseWorkspace(true); });
    file->addAction(tr("Open &workspace…"), this, [this] { chooseWorkspace(false); });
    file->addSeparator();
    QAction *open = file->addAction(tr("&Open dataset…"), this, &MainWindow::chooseDataset);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("New &teaching dataset…"), this, &MainWindow::showTeachingDialog);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *dataset = menuBar()->addMenu(tr("&Dataset"));
    dataset->addAction(tr("Open the bundled &countries dataset"), this, [this] { openDataset(bundledDatasetDir()); });
    QAction *find = dataset->addAction(tr("&Find entity"), this, [this] {
        m_searchDock->show();
        m_searchPanel->searchField()->setFocus();
        m_searchPanel->searchField()->selectAll();
    });
    find->setShortcut(QKeySequence::Find);

    QMenu *model = menuBar()->addMenu(tr("&Model"));
    m_modelMenu = model;
    model->addAction(tr("&Refresh runs"), this, &MainWindow::refreshRuns);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_viewMenu = view;
    view->addAction(m_back);
    view->addAction(m_forward);
    view->addSeparator();
    view->addAction(m_searchDock->toggleViewAction());
    view->addAction(m_bottomDock->toggleViewAction());
    view->addSeparator();
    // The palette for the whole app (plots included), remembered per user.
    QMenu *appearance = view->addMenu(tr("&Appearance"));
    auto *appearances = new QActionGroup(appearance);
    const std::pair<Appearance, QString> choices[] = {
        {Appearance::System, tr("Follow the &system")}, {Appearance::Light, tr("&Light")}, {Appearance::Dark, tr("&Dark")}};
    for (const auto &[choice, label] : choices) {
        QAction *action = appearance->addAction(label, this, [choice] { applyAppearance(choice); });
        action->setCheckable(true);
        action->setChecked(savedAppearance() == choice);
        action->setObjectName(QStringLiteral("appearance-") + appearanceKey(choice));
        appearances->addAction(action);
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *welcome = help->addAction(tr("&Welcome page"), this, &MainWindow::showWelcome);
    welcome->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    help->addAction(tr("&About MoMoK Studio"), this, &MainWindow::showAbout);
}

DockTabWidget *MainWindow::bottomTabs() const
{
    return m_bottomTabs;
}

Workspace *MainWindow::workspace() const { return m_service->workspace(); }

QString MainWindow::workspacePath() const
{
    return m_service->path();
}

qint64 MainWindow::currentEntityId() const
{
    return m_history->current();
}

QString MainWindow::runDirectory(const RunRecord &run)
{
    const QString checkpoint = run.bestCheckpointPath.isEmpty() ? run.checkpointPath : run.bestCheckpointPath;
    return checkpoint.isEmpty() ? QString() : QFileInfo(checkpoint).absolutePath();
}

QString MainWindow::currentRunDir() const
{
    for (const RunRecord &run : m_runs)
        if (run.id == m_runId)
            return runDirectory(run);
    return {};
}

void MainWindow::startUp(const QString &datasetDir, const QString &workspaceFile)
{
    // The welcome page at the first start (no dataset opened before) and when the user
    // asked for it; a dataset or workspace named on the command line is opened instead.
    const QSettings settings;
    m_welcomeAtStart = datasetDir.isEmpty() && workspaceFile.isEmpty()
                       && (settings.value(kSettingsWelcomeAtStart, false).toBool() || !settings.contains(kSettingsDataset));
    // A workspace named on the command line (opening a .momok file) comes before the last one.
    const QString last = workspaceFile.isEmpty() ? settings.value(kSettingsWorkspace).toString() : workspaceFile;
    auto openDefault = [this, datasetDir](const QString &lastError) {
        if (!lastError.isEmpty())
            statusBar()->showMessage(tr("The last workspace cannot be opened (%1); using the default one.").arg(lastError), 10000);
        openWorkspace(defaultWorkspacePath(), [this, datasetDir](bool ok, const QString &error) {
            if (!ok) {
                QMessageBox::warning(this, tr("No workspace"),
                                     tr("The workspace %1 cannot be opened:\n%2\n\nChoose another one with File → Open workspace….")
                                         .arg(QDir::toNativeSeparators(defaultWorkspacePath()), error));
                return;
            }
            openStartDataset(datasetDir);
        });
    };
    if (last.isEmpty()) {
        openDefault(QString());
        return;
    }
    openWorkspace(last, [this, datasetDir, openDefault](bool ok, const QString &error) {
        if (ok)
            openStartDataset(datasetDir);
        else
            openDefault(error);
    });
}

void MainWindow::openStartDataset(const QString &datasetDir)
{
    if (std::exchange(m_welcomeAtStart, false)) {
        showWelcome();
        return;
    }
    if (!datasetDir.isEmpty()) {
        openDataset(datasetDir);
        return;
    }
    const QString lastDataset = QSettings().value(kSettingsDataset).toString();
    if (!lastDataset.isEmpty()) {
        const QVector<DatasetRecord> datasets = workspace()->datasets();
        for (const DatasetRecord &d : datasets) {
            if (QDir::cleanPath(d.path) == QDir::cleanPath(lastDataset)) {
                selectDataset(d.id);
                return;
            }
        }
        if (QFileInfo(lastDataset).isDir()) {
            openDataset(lastDataset);
            return;
        }
    }
    // A workspace opened for the first time here: its dataset with the latest run.
    const QVector<RunRecord> runs = workspace()->runs();
    if (!runs.isEmpty()) {
        const auto latest = std::max_element(runs.begin(), runs.end(),
                                             [](const RunRecord &a, const RunRecord &b) { return a.id < b.id; });
        selectDataset(latest->datasetId);
        return;
    }
    openDataset(bundledDatasetDir());
}

void MainWindow::openWorkspace(const QString &path, std::function<void(bool ok, const QString &error)> done)
{
    m_afterOpen = std::move(done);
    m_service->open(path);
}

void MainWindow::onWorkspaceOpenFailed(const QString &path, const QString &error)
{
    statusBar()->showMessage(tr("Cannot open workspace %1: %2").arg(QDir::toNativeSeparators(path), error), 10000);
    Q_EMIT workspaceOpenFailed(path, error);
    if (auto done = std::exchange(m_afterOpen, {}))
        done(false, error);
}

void MainWindow::onWorkspaceOpened()
{
    const QString path = m_service->path();
    m_searchPanel->setWorkspace(workspace());
    QSettings settings;
    settings.setValue(kSettingsWorkspace, path);
    QStringList recent = settings.value(kSettingsRecentWorkspaces).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    settings.setValue(kSettingsRecentWorkspaces, recent.mid(0, kRecentWorkspaces));
    m_welcome->setRecentWorkspaces(recent.mid(0, kRecentWorkspaces));
    m_workspaceLabel->setText(tr("workspace: %1").arg(QDir::toNativeSeparators(path)));
    m_workspaceLabel->setToolTip(path);
    Q_EMIT workspaceChanged(path);
    m_datasetId = -1;
    m_datasetPath.clear();
    m_dataset.reset();
    m_runs.clear();
    m_history->clear();
    m_knownModel->setDataset(nullptr);
    m_predictions->setDataset(nullptr);
    m_predictions->setRun(-1, {});
    m_card->showMessage(tr("No dataset open"), tr("Choose a dataset on the left, or open a folder with File → Open dataset…."));
    refreshDatasets();
    refreshRuns();
    if (m_service->interruptedOnOpen() > 0)
        statusBar()->showMessage(
            pluralised(tr("%n run(s) stopped unexpectedly last time and can be resumed in the Training tab.", nullptr,
                          m_service->interruptedOnOpen()),
                       m_service->interruptedOnOpen()),
            10000);
    if (auto done = std::exchange(m_afterOpen, {}))
        done(true, QString());
}

void MainWindow::chooseWorkspace(bool create)
{
    const QString start = workspace() ? QFileInfo(workspacePath()).absolutePath() : QDir::homePath();
    const QString filter = tr("MoMoK Studio workspaces (*.momok *.sqlite);;All files (*)");
    const QString path = create ? QFileDialog::getSaveFileName(this, tr("New workspace"),
                                                               start + QLatin1Char('/') + defaultWorkspaceFileName(), filter)
                                : QFileDialog::getOpenFileName(this, tr("Open workspace"), start, filter);
    if (path.isEmpty())
        return;
    if (create && QFileInfo::exists(path)) {
        QMessageBox::information(this, tr("New workspace"),
                                 tr("%1 exists already; it is opened instead.").arg(QDir::toNativeSeparators(path)));
    }
    openWorkspace(path, [this, path](bool ok, const QString &error) {
        if (!ok)
            QMessageBox::warning(this, tr("Workspace"), tr("%1 cannot be opened:\n%2").arg(QDir::toNativeSeparators(path), error));
    });
}

void MainWindow::refreshDatasets()
{
    m_searchPanel->setDatasets(workspace() ? workspace()->datasets() : QVector<DatasetRecord>{}, m_datasetId);
}

void MainWindow::openDataset(const QString &directory)
{
    const QString dir = QDir::cleanPath(QFileInfo(directory).absoluteFilePath());
    m_pendingDataset = dir;
    statusBar()->showMessage(tr("Reading %1…").arg(QDir::toNativeSeparators(dir)));
    if (m_datasetId < 0)
        m_card->showMessage(tr("Reading %1…").arg(QFileInfo(dir).fileName()), QDir::toNativeSeparators(dir));
    // Large graphs take a while to parse: read off the UI thread.
    auto *watcher = new QFutureWatcher<DatasetLoadResult>(this);
    connect(watcher, &QFutureWatcher<DatasetLoadResult>::finished, this, [this, watcher, dir] {
        watcher->deleteLater();
        if (dir != m_pendingDataset)
            return; // another dataset was opened meanwhile
        DatasetLoadResult result = watcher->result();
        if (!result.problems.isEmpty()) {
            auto *report = new ValidationReportDialog(dir, result.problems, result.ok(), this);
            report->setAttribute(Qt::WA_DeleteOnClose);
            report->show();
        }
        if (!result.ok()) {
            m_pendingDataset.clear();
            const QString reason = result.problems.isEmpty() ? tr("it is not a dataset folder") : result.problems.first().reason;
            statusBar()->showMessage(tr("%1 cannot be used: %2").arg(QDir::toNativeSeparators(dir), reason), 10000);
            if (m_datasetId < 0)
                m_card->showMessage(tr("%1 cannot be used").arg(QFileInfo(dir).fileName()),
                                    tr("See the dataset check for each problem (file, line, reason); fix them and open the "
                                       "folder again, or open another dataset with File → Open dataset…."));
            Q_EMIT datasetOpenFailed(dir, reason);
            return;
        }
        importDataset(dir, std::make_shared<KgDataset>(std::move(*result.dataset)));
    });
    watcher->setFuture(QtConcurrent::run([dir] { return DatasetReader::read(dir); }));
}

void MainWindow::importDataset(const QString &directory, std::shared_ptr<KgDataset> dataset)
{
    if (!workspace()) {
        Q_EMIT datasetOpenFailed(directory, tr("no workspace is open"));
        return;
    }
    statusBar()->showMessage(tr("Importing %1 into the workspace…").arg(QDir::toNativeSeparators(directory)));
    const QString workspacePath = this->workspacePath();
    auto *watcher = new QFutureWatcher<ImportOutcome>(this);
    connect(watcher, &QFutureWatcher<ImportOutcome>::finished, this, [this, watcher, directory, dataset, workspacePath] {
        watcher->deleteLater();
        if (directory != m_pendingDataset || this->workspacePath() != workspacePath)
            return;
        m_pendingDataset.clear();
        const ImportOutcome outcome = watcher->result();
        if (outcome.datasetId < 0) {
            statusBar()->showMessage(tr("Import failed"), 10000);
            QMessageBox::warning(this, tr("Import failed"),
                                 tr("%1 could not be stored in the workspace:\n%2\n\nThe workspace is unchanged.")
                                     .arg(QDir::toNativeSeparators(directory), outcome.error));
            Q_EMIT datasetOpenFailed(directory, outcome.error);
            return;
        }
        statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(directory)), 5000);
        applyDataset(outcome.datasetId, dataset);
    });
    // A workspace connection belongs to one thread: the worker opens its own.
    watcher->setFuture(QtConcurrent::run([workspacePath, dataset] {
        ImportOutcome outcome;
        std::unique_ptr<Workspace> workspace = WorkspaceService::openConnection(workspacePath, &outcome.error);
        if (!workspace)
            return outcome;
        const QString hash = Workspace::contentHash(dataset->directory.isEmpty() ? QString() : dataset->directory, &outcome.error);
        if (hash.isEmpty())
            return outcome;
        if (!workspace->importDataset(*dataset, hash, &outcome.datasetId, &outcome.error))
            outcome.datasetId = -1;
        return outcome;
    }));
}

void MainWindow::selectDataset(qint64 datasetId)
{
    if (!workspace() || datasetId < 0)
        return;
    if (datasetId == m_datasetId && m_dataset)
        return;
    const std::optional<DatasetRecord> record = workspace()->dataset(datasetId);
    if (!record)
        return;
    const QString dir = record->path;
    m_pendingDataset = dir;
    statusBar()->showMessage(tr("Reading %1…").arg(QDir::toNativeSeparators(dir)));
    auto *watcher = new QFutureWatcher<DatasetLoadResult>(this);
    connect(watcher, &QFutureWatcher<DatasetLoadResult>::finished, this, [this, watcher, dir, datasetId] {
        watcher->deleteLater();
        if (dir != m_pendingDataset)
            return;
        m_pendingDataset.clear();
        DatasetLoadResult result = watcher->result();
        if (!result.ok()) {
            const QString reason = result.problems.isEmpty() ? tr("the folder cannot be read") : result.problems.first().reason;
            QMessageBox::warning(this, tr("Dataset"),
                                 tr("%1 can no longer be read (%2).\nIts runs stay in the workspace; restore the folder or "
                                    "open another dataset.")
                                     .arg(QDir::toNativeSeparators(dir), reason));
            refreshDatasets();
            Q_EMIT datasetOpenFailed(dir, reason);
            return;
        }
        statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(dir)), 5000);
        applyDataset(datasetId, std::make_shared<KgDataset>(std::move(*result.dataset)));
    });
    watcher->setFuture(QtConcurrent::run([dir] { return DatasetReader::read(dir); }));
}

void MainWindow::applyDataset(qint64 datasetId, std::shared_ptr<const KgDataset> dataset)
{
    m_datasetId = datasetId;
    m_dataset = std::move(dataset);
    const std::optional<DatasetRecord> record = workspace()->dataset(datasetId);
    m_datasetPath = record ? record->path : m_dataset->directory;
    QSettings().setValue(kSettingsDataset, m_datasetPath);
    setWindowTitle(tr("%1 — MoMoK Studio").arg(record ? record->name : QFileInfo(m_datasetPath).fileName()));
    m_history->clear();
    m_knownModel->setDataset(m_dataset);
    m_predictions->setDataset(m_dataset);
    showTrainingActivity(m_trainingDatasetDir, m_trainingProgress); // a training of this dataset, or none
    refreshDatasets();
    m_searchPanel->setDataset(datasetId);
    // Views that follow the dataset hear of it before they hear of its runs.
    m_centreStack->setCurrentIndex(1); // the analysis, not the welcome page
    Q_EMIT datasetChanged(datasetId, m_datasetPath);
    refreshRuns();
    // The welcome page's quick demo, for that dataset only and only once (another dataset
    // opened meanwhile cancels it).
    const QString trainAfterOpen = std::exchange(m_trainAfterOpen, QString());
    if (!trainAfterOpen.isEmpty() && QDir::cleanPath(m_datasetPath) == trainAfterOpen && m_runs.isEmpty())
        Q_EMIT quickDemoRequested(m_datasetPath, datasetId);
    // Start on the first entity rather than a blank card.
    const QModelIndex first = m_searchPanel->model()->index(0, 0);
    if (first.isValid())
        showEntity(first.data(EntitySearchModel::EntityIdRole).toLongLong());
    else
        m_card->showMessage(tr("This dataset has no entities"), QString());
}

void MainWindow::refreshRuns()
{
    const qint64 previous = m_runId;
    QSet<qint64> known;
    for (const RunRecord &run : m_runs)
        known.insert(run.id);
    const bool sameDataset = !m_runs.isEmpty() && m_runs.first().datasetId == m_datasetId;
    m_runs.clear();
    if (workspace() && m_datasetId >= 0) {
        for (const RunRecord &run : workspace()->runs(m_datasetId))
            if (hasCheckpoint(run))
                m_runs << run;
    }
    {
        const QSignalBlocker blocker(m_runChooser);
        m_runChooser->clear();
        for (const RunRecord &run : m_runs) {
            QString text = QStringLiteral("%1 · %2").arg(run.datasetName, run.name);
            if (run.status != RunStatus::Finished)
                text += QStringLiteral(" (%1)").arg(runStatusName(run.status));
            if (run.bestValidMrr)
                text += tr(" · MRR %1").arg(*run.bestValidMrr, 0, 'f', 1);
            // The popup names each run by what it is (decoders, features, ablations), as the Runs tab does.
            const QString description = describeRun(run.config).summary();
            if (!description.isEmpty())
                text += QStringLiteral(" · %1").arg(description);
            m_runChooser->addItem(text, run.id);
            m_runChooser->setItemData(m_runChooser->count() - 1,
                                      tr("Run %1, %2, created %3\n%4\n%5")
                                          .arg(run.id)
                                          .arg(counted(run.epochCount, tr("epoch(s)")))
                                          .arg(QLocale().toString(run.createdAt.toLocalTime(), QLocale::ShortFormat),
                                               description, QDir::toNativeSeparators(runDirectory(run))),
                                      Qt::ToolTipRole);
        }
        if (m_runs.isEmpty())
            m_runChooser->addItem(m_datasetId < 0 ? tr("no dataset") : tr("no trained run yet"), qint64(-1));
        m_runChooser->view()->setMinimumWidth(m_runChooser->view()->sizeHintForColumn(0));
        m_runChooser->setEnabled(!m_runs.isEmpty());
    }
    qint64 chosen = -1;
    const qint64 preferred = std::exchange(m_preferredRun, -1);
    for (const RunRecord &run : m_runs)
        if (run.id == previous)
            chosen = previous;
    for (const RunRecord &run : m_runs)
        if (run.id == preferred)
            chosen = preferred;
    // A run that just appeared (a training finished) is what the user wants to see.
    if (!m_runs.isEmpty() && (preferred < 0 || chosen != preferred) && (chosen < 0 || (sameDataset && !known.contains(m_runs.first().id))))
        chosen = m_runs.first().id; // newest first
    applyRun(chosen);
    if (previous != chosen)
        Q_EMIT currentRunChanged(chosen);
    if (m_runs.isEmpty() && m_datasetId >= 0 && !m_trainingSuggestedFor.contains(m_datasetId)) {
        m_trainingSuggestedFor.insert(m_datasetId);
        Q_EMIT trainingSuggested(m_datasetPath, m_datasetId);
    }
}

void MainWindow::selectRun(qint64 runId)
{
    if (runId == m_runId)
        return;
    applyRun(runId);
    Q_EMIT currentRunChanged(runId);
}

void MainWindow::applyRun(qint64 runId)
{
    m_runId = runId;
    const int index = m_runChooser->findData(runId);
    if (index >= 0) {
        const QSignalBlocker blocker(m_runChooser);
        m_runChooser->setCurrentIndex(index);
    }
    // The chosen run's description, or what the chooser is for.
    const QString runTip = index >= 0 ? m_runChooser->itemData(index, Qt::ToolTipRole).toString() : QString();
    m_runChooser->setToolTip(runTip.isEmpty() ? tr("The trained run whose model answers the predictions") : runTip);
    const QString message = m_datasetId < 0 ? QString()
                                            : tr("No trained model for this dataset yet — train one in the Training tab "
                                                 "(the “Quick demo” preset takes under a minute).");
    m_predictions->setRun(runId, currentRunDir(), message);
}

void MainWindow::showEntity(qint64 entityId)
{
    if (!m_dataset || entityId < 0 || entityId >= m_dataset->entityCount())
        return;
    m_history->visit(entityId);
    displayEntity(entityId);
}

void MainWindow::goBack()
{
    const qint64 entity = m_history->back();
    if (entity >= 0)
        displayEntity(entity);
}

void MainWindow::goForward()
{
    const qint64 entity = m_history->forward();
    if (entity >= 0)
        displayEntity(entity);
}

void MainWindow::displayEntity(qint64 entityId)
{
    std::optional<EntityHit> hit = workspace() ? workspace()->entity(m_datasetId, entityId) : std::nullopt;
    if (!hit) {
        // Not in the workspace (should not happen): fall back on what the dataset knows.
        const EntityInfo &info = m_dataset->entities[int(entityId)];
        hit = EntityHit{};
        hit->entityId = entityId;
        hit->name = info.name;
        hit->displayName = info.displayName;
        hit->description = info.description;
        hit->type = info.type;
        hit->imagePaths = info.imagePaths;
        hit->hasImage = !info.imagePaths.isEmpty();
        hit->hasText = !info.description.isEmpty();
    }
    m_knownModel->setEntity(entityId);
    m_knownView->scrollToTop();
    m_knownTitle->setText(tr("<b>Known triples</b> · %n (double-click one to open it)", nullptr, m_knownModel->rowCount()));
    m_card->setEntity(*hit, m_knownModel->rowCount() > 0);
    m_entityShown = true;
    if (m_dockFitPending)
        QTimer::singleShot(0, this, &MainWindow::fitDockToPredictionRows);
    // Keep the search list's highlight on the entity shown, when it is listed.
    QListView *list = m_searchPanel->resultView();
    const QModelIndexList rows = m_searchPanel->model()->match(m_searchPanel->model()->index(0, 0),
                                                               EntitySearchModel::EntityIdRole, entityId, 1, Qt::MatchExactly);
    if (rows.isEmpty())
        list->clearSelection();
    else
        list->setCurrentIndex(rows.first());
    m_predictions->setEntity(entityId);
    Q_EMIT entityChanged(entityId);
}

void MainWindow::updateNavigationActions()
{
    m_back->setEnabled(m_history->canGoBack());
    m_forward->setEnabled(m_history->canGoForward());
}

void MainWindow::showAbout()
{
    auto *about = new AboutDialog(m_computeInfo, this);
    about->setAttribute(Qt::WA_DeleteOnClose);
    about->show();
}

void MainWindow::connectNotify(const QMetaMethod &signal)
{
    QMainWindow::connectNotify(signal);
    if (signal == QMetaMethod::fromSignal(&MainWindow::trainingRequested))
        m_predictions->setTrainingOffered(true);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    // Once the window is laid out at its size (the dock sizes are shares of it).
    if (std::exchange(m_defaultLayoutPending, false))
        QTimer::singleShot(0, this, &MainWindow::applyDefaultLayout);
}

void MainWindow::fitFirstStartToScreen()
{
    // A first start fills nine tenths of a screen with room for more than the default size
    // (the views have more to show than the minimum); a smaller screen keeps the default.
    const QScreen *screen = this->screen();
    if (!screen)
        return;
    const QRect available = screen->availableGeometry();
    const QSize fitted = available.size() * 0.9;
    if (fitted.width() <= width() || fitted.height() <= height())
        return;
    resize(fitted);
    move(available.center() - rect().center());
}

int MainWindow::quarterDockHeight() const
{
    return std::max(int(height() * 0.25), m_bottomDock->minimumSizeHint().height());
}

void MainWindow::applyDefaultLayout()
{
    // For a first start (no saved layout): the Predictions table is what an analyst came
    // for, so it keeps ten whole rows (the default top 10), and the gate charts are shown
    // only where it keeps them beside the charts. The bottom dock's plots and heatmap get the
    // rest: a quarter of the height first, then (fitDockToPredictionRows) what the table has
    // beyond its ten rows.
    const int h = height();
    resizeDocks({m_bottomDock}, {quarterDockHeight()}, Qt::Vertical);
    resizeDocks({m_searchDock}, {std::clamp(int(width() * 0.17), 220, 300)}, Qt::Horizontal);
    m_predictions->setGatesExpanded(h >= kGatesShownFromHeight);
    m_dockFitPending = true;
    if (m_entityShown)
        QTimer::singleShot(0, this, &MainWindow::fitDockToPredictionRows);
}

void MainWindow::fitDockToPredictionRows()
{
    // Measured once the layout has settled with an entity's card above the table (the card
    // of a message is shorter), so it runs after the default layout or after the first
    // entity shown, whichever comes last. The dock grows by what the table has beyond its
    // ten rows, up to half the window, or, where the table is a little short of ten, shrinks
    // down to kDockFloor pixels.
    if (!std::exchange(m_dockFitPending, false) || !m_bottomDock->isVisible())
        return;
    const int floor = std::max(m_bottomDock->minimumSizeHint().height(), std::min(quarterDockHeight(), kDockFloor));
    const int spare = m_predictions->heightBeyondRows(kDefaultPredictionRows);
    const int dockHeight = std::clamp(m_bottomDock->height() + spare, floor, std::max(floor, height() / 2));
    if (dockHeight != m_bottomDock->height())
        resizeDocks({m_bottomDock}, {dockHeight}, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_closeGuard && !m_closeGuard(this)) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(kSettingsGeometry, saveGeometry());
    settings.setValue(kSettingsState, saveState());
    QMainWindow::closeEvent(event);
}

} // namespace momok::ui
