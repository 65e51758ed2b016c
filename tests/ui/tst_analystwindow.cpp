// Drives the real main window over the bundled countries dataset: first start,
// search, entity card, known triples, navigation, and predictions of a run
// trained in the fixture. Saves a screenshot of each view into screenshots/.
#include "MainWindow.h"
#include "welcome/WelcomePage.h"
#include "StudioFixture.h"
#include "SyntheticGraph.h"

#include "common/AboutDialog.h"
#include "entities/EntityCard.h"
#include "entities/EntitySearchModel.h"
#include "entities/EntitySearchPanel.h"
#include "entities/KnownTriplesModel.h"
#include "predictions/GateChart.h"
#include "predictions/PredictionEngine.h"
#include "predictions/PredictionModel.h"
#include "predictions/PredictionsView.h"
#include "storage/Workspace.h"
#include "workspace/DatasetProblemModel.h"
#include "workspace/ValidationReportDialog.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QListWidget>
#include <QCryptographicHash>
#include <QtTest>

using namespace momok;
using ui::MainWindow;

namespace {

constexpr int kTimeoutMs = 60000;

bool isKnown(const KgDataset &d, Split split, int64_t head, int64_t relation, int64_t tail)
{
    for (const Triple &t : d.split(split))
        if (t.head == head && t.relation == relation && t.tail == tail)
            return true;
    return false;
}

} // namespace

class TestAnalystWindow : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_shots;
    Trainer m_trainer;
    qint64 m_japan = -1, m_asia = -1, m_locatedInRegion = -1;

    void saveShot(QWidget *widget, const QString &name)
    {
        QCoreApplication::processEvents();
        const QPixmap shot = widget->grab();
        QVERIFY(!shot.isNull());
        QVERIFY(shot.save(QDir(m_shots).filePath(name + ".png")));
    }

    // A window on a fresh workspace with the countries dataset opened and selected.
    void openCountries(MainWindow &window, const QString &workspace)
    {
        QSignalSpy workspaceOpened(&window, &MainWindow::workspaceChanged);
        window.openWorkspace(m_dir.filePath(workspace));
        QTRY_COMPARE_WITH_TIMEOUT(workspaceOpened.count(), 1, kTimeoutMs);
        QSignalSpy opened(&window, &MainWindow::datasetChanged);
        window.openDataset(testing::countriesDir());
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        QVERIFY(window.currentDataset());
        m_japan = window.currentDataset()->entityId("Japan");
        m_asia = window.currentDataset()->entityId("Asia");
        m_locatedInRegion = window.currentDataset()->relationId("locatedInRegion");
        QVERIFY(m_japan >= 0 && m_asia >= 0 && m_locatedInRegion >= 0);
    }

    // Records the fixture's run in the window's workspace and waits for its model to load.
    void addTrainedRun(MainWindow &window)
    {
        QString error;
        const qint64 runId = testing::recordRun(*window.workspace(), window.currentDatasetId(), m_trainer,
                                                QStringLiteral("quick-demo"), &error);
        QVERIFY2(runId >= 0, qPrintable(error));
        QSignalSpy runChanged(&window, &MainWindow::currentRunChanged);
        window.refreshRuns();
        QCOMPARE(runChanged.count(), 1);
        QCOMPARE(runChanged.first().first().toLongLong(), runId);
        QCOMPARE(window.currentRunId(), runId);
        QCOMPARE(QDir(window.currentRunDir()).absolutePath(), QDir(m_trainer.spec().runDir).absolutePath());
        QVERIFY(window.runChooser()->currentText().contains("quick-demo"));
    }

    // Every row's known markers agree with the dataset's splits.
    void checkKnownMarkers(const KgDataset &d, ui::PredictionModel *model, qint64 entity, bool head)
    {
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row, 0);
            const int64_t candidate = index.data(ui::PredictionModel::EntityIdRole).toLongLong();
            const int64_t relation = index.data(ui::PredictionModel::RelationIdRole).toLongLong();
            const int64_t h = head ? candidate : entity, t = head ? entity : candidate;
            QCOMPARE(index.data(ui::PredictionModel::KnownTrainRole).toBool(), isKnown(d, Split::Train, h, relation, t));
            QCOMPARE(index.data(ui::PredictionModel::KnownValidRole).toBool(), isKnown(d, Split::Valid, h, relation, t));
            QCOMPARE(index.data(ui::PredictionModel::KnownTestRole).toBool(), isKnown(d, Split::Test, h, relation, t));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Never touch the user's settings or workspace.
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
        configureComputeEnvironment(2);
        m_shots = QDir::current().absoluteFilePath("screenshots");
        QVERIFY(QDir().mkpath(m_shots));
        QString error;
        QVERIFY2(testing::trainQuickDemo(m_dir.filePath("run"), 2, &m_trainer, &error), qPrintable(error));
    }

    // The first start shows the welcome page (no question over the window); its quick-demo
    // button opens the bundled countries and asks for the quick demo once it is open.
    void firstStartShowsWelcomeThenCountriesWithQuickDemo()
    {
        QSettings().setValue("workspace/last", m_dir.filePath("first/momok.sqlite"));
        QSettings().remove("dataset/last");
        MainWindow window(currentComputeInfo());
        window.resize(1400, 900);
        QSignalSpy suggested(&window, &MainWindow::trainingSuggested);
        QSignalSpy quickDemo(&window, &MainWindow::quickDemoRequested);
        QSignalSpy opened(&window, &MainWindow::datasetChanged);
        QSignalSpy workspaceOpened(&window, &MainWindow::workspaceChanged);
        window.show();
        window.startUp();
        QTRY_COMPARE_WITH_TIMEOUT(workspaceOpened.count(), 1, kTimeoutMs);
        QTRY_VERIFY(window.isWelcomeShown());
        QCOMPARE(opened.count(), 0); // nothing opened behind the page
        ui::WelcomePage *welcome = window.welcomePage();
        QCOMPARE(welcome->recentList()->count(), 1);
        QCOMPARE(welcome->recentList()->item(0)->data(Qt::UserRole).toString(), m_dir.filePath("first/momok.sqlite"));
        saveShot(&window, "welcome-page");
        auto *button = welcome->findChild<QPushButton *>(QStringLiteral("welcomeQuickDemo"));
        QVERIFY(button && button->isVisible());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        QVERIFY(!window.isWelcomeShown());
        QCOMPARE(quickDemo.count(), 1);
        QCOMPARE(QDir(quickDemo.first().at(0).toString()).canonicalPath(), QDir(testing::countriesDir()).canonicalPath());
        QCOMPARE(quickDemo.first().at(1).toLongLong(), window.currentDatasetId());
        QCOMPARE(window.workspacePath(), m_dir.filePath("first/momok.sqlite"));
        QCOMPARE(QDir(window.currentDatasetPath()).canonicalPath(), QDir(testing::countriesDir()).canonicalPath());
        QCOMPARE(suggested.count(), 1);
        QCOMPARE(QDir(suggested.first().at(0).toString()).canonicalPath(), QDir(testing::countriesDir()).canonicalPath());
        QCOMPARE(suggested.first().at(1).toLongLong(), window.currentDatasetId());
        QCOMPARE(window.currentRunId(), -1);
        QVERIFY(!window.runChooser()->isEnabled());
        QVERIFY2(window.predictionsView()->emptyStateText().contains("No trained model"),
                 qPrintable(window.predictionsView()->emptyStateText()));
        // The switcher lists the workspace's one dataset; the card shows an entity, not a blank.
        QCOMPARE(window.searchPanel()->datasetSwitcher()->count(), 1);
        QVERIFY(window.searchPanel()->datasetSwitcher()->currentText().contains("countries"));
        QVERIFY(window.currentEntityId() >= 0);
        // Offered once, not on every refresh.
        window.refreshRuns();
        QCOMPARE(suggested.count(), 1);
        // The empty state's button asks for a training once the application listens.
        QPushButton *train = window.predictionsView()->trainButton();
        QVERIFY(!train->isVisible());
        QSignalSpy requested(&window, &MainWindow::trainingRequested);
        QVERIFY(train->isVisible());
        QTest::mouseClick(train, Qt::LeftButton);
        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.first().at(1).toLongLong(), window.currentDatasetId());
        saveShot(&window, "first-start");
        window.close();
        QCOMPARE(QDir(QSettings().value("dataset/last").toString()).canonicalPath(),
                 QDir(testing::countriesDir()).canonicalPath());
    }

    void restartReopensLastWorkspaceAndDataset()
    {
        // The previous test left its workspace and dataset in the settings.
        MainWindow window(currentComputeInfo());
        QSignalSpy opened(&window, &MainWindow::datasetChanged);
        window.startUp();
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        QCOMPARE(window.workspacePath(), m_dir.filePath("first/momok.sqlite"));
        QCOMPARE(window.workspace()->datasets().size(), 1); // selected, not imported twice
        QVERIFY(window.currentDatasetPath().endsWith("countries"));
    }

    void searchFindsJapanAndShowsItsCard()
    {
        MainWindow window(currentComputeInfo());
        window.resize(1400, 900);
        window.show();
        openCountries(window, "search.sqlite");
        ui::EntitySearchPanel *panel = window.searchPanel();
        QTest::keyClicks(panel->searchField(), "Japan");
        QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowCount() > 0
                                     && panel->model()->index(0, 0).data().toString() == QStringLiteral("Japan"),
                                 5000);
        saveShot(panel, "search-panel");
        // A click on the hit opens it.
        const QModelIndex hit = panel->model()->index(0, 0);
        QCOMPARE(hit.data(ui::EntitySearchModel::EntityIdRole).toLongLong(), m_japan);
        QSignalSpy entityChanged(&window, &MainWindow::entityChanged);
        QListView *list = panel->resultView();
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualRect(hit).center());
        QCOMPARE(entityChanged.count(), 1);
        QCOMPARE(window.currentEntityId(), m_japan);

        // The card: a flag, the name, the modalities.
        ui::EntityCard *card = window.entityCard();
        QCOMPARE(card->entityId(), m_japan);
        QVERIFY(card->imageCount() >= 1);
        QVERIFY(!card->currentPixmap().isNull());
        QCOMPARE(card->findChild<QLabel *>("entityName")->text(), QStringLiteral("Japan"));
        QVERIFY(card->findChild<QLabel *>("badgeI")->isEnabled());
        QVERIFY(card->findChild<QLabel *>("badgeS")->isEnabled());

        // Known triples in both directions, exactly those of the dataset.
        const KgDataset &d = *window.currentDataset();
        int expected = 0;
        for (Split s : {Split::Train, Split::Valid, Split::Test})
            for (const Triple &t : d.split(s))
                expected += (t.head == m_japan || t.tail == m_japan) ? 1 : 0;
        ui::KnownTriplesModel *known = window.knownTriplesModel();
        QCOMPARE(known->rowCount(), expected);
        bool asia = false;
        for (int r = 0; r < known->rowCount(); ++r) {
            const QModelIndex i = known->index(r, 0);
            if (i.data(ui::KnownTriplesModel::OutgoingRole).toBool()
                && i.data(ui::KnownTriplesModel::RelationIdRole).toLongLong() == m_locatedInRegion
                && i.data(ui::KnownTriplesModel::NeighbourIdRole).toLongLong() == m_asia) {
                asia = true;
                QCOMPARE(known->index(r, ui::KnownTriplesModel::NeighbourColumn).data().toString(), QStringLiteral("Asia"));
                QCOMPARE(known->index(r, ui::KnownTriplesModel::DirectionColumn).data().toString(), QStringLiteral("→"));
            }
            QVERIFY(i.data(ui::KnownTriplesModel::OutgoingRole).toBool()); // an island: nothing points to Japan
        }
        QVERIFY2(asia, "Japan → locatedInRegion → Asia is missing");
        saveShot(card, "entity-card");
        saveShot(window.knownTriplesView(), "known-triples");

        // An entity without a flag shows the "no image" state.
        window.showEntity(d.entityId("French_Guiana"));
        QVERIFY(window.entityCard()->currentPixmap().isNull());
        QCOMPARE(window.entityCard()->findChild<QLabel *>("entityImage")->text(), QStringLiteral("No image"));
        QVERIFY(!card->findChild<QLabel *>("badgeI")->isEnabled());
        saveShot(card, "entity-card-no-image");

        // A region is the tail of its countries' triples: those rows point the other way.
        window.showEntity(m_asia);
        int incoming = 0;
        for (int r = 0; r < known->rowCount(); ++r) {
            const QModelIndex i = known->index(r, 0);
            if (!i.data(ui::KnownTriplesModel::OutgoingRole).toBool()) {
                ++incoming;
                QCOMPARE(known->index(r, ui::KnownTriplesModel::DirectionColumn).data().toString(), QStringLiteral("←"));
            }
        }
        int expectedIncoming = 0;
        for (Split s : {Split::Train, Split::Valid, Split::Test})
            for (const Triple &t : d.split(s))
                expectedIncoming += t.tail == m_asia ? 1 : 0;
        QCOMPARE(incoming, expectedIncoming);
        QVERIFY(incoming > 40);
        saveShot(window.knownTriplesView(), "known-triples-region");
    }

    void filtersNarrowTheSearch()
    {
        MainWindow window(currentComputeInfo());
        openCountries(window, "filters.sqlite");
        ui::EntitySearchPanel *panel = window.searchPanel();
        const int all = panel->model()->rowCount();
        QCOMPARE(all, 353);
        const int region = panel->typeFilter()->findData(QStringLiteral("region"));
        QVERIFY(region > 0);
        panel->typeFilter()->setCurrentIndex(region);
        QCOMPARE(panel->model()->rowCount(), 6);
        for (const EntityHit &h : panel->model()->hits())
            QCOMPARE(h.type, QStringLiteral("region"));
        panel->typeFilter()->setCurrentIndex(panel->typeFilter()->findData(QStringLiteral("country")));
        panel->imageFilter()->setChecked(true);
        QCOMPARE(panel->model()->rowCount(), 236); // 14 territories have no flag of their own
        for (const EntityHit &h : panel->model()->hits())
            QVERIFY(h.hasImage);
        // A query that matches nothing says so.
        panel->searchField()->setText("zzzqqq");
        panel->searchNow();
        QCOMPARE(panel->model()->rowCount(), 0);
        QVERIFY(panel->findChild<QLabel *>("searchStatus")->text().contains("zzzqqq"));
    }

    void navigatesBackAndForward()
    {
        MainWindow window(currentComputeInfo());
        window.show();
        openCountries(window, "navigation.sqlite");
        window.showEntity(m_japan);
        // Activating Asia in the known triples opens it.
        QTableView *view = window.knownTriplesView();
        QModelIndex asiaRow;
        for (int r = 0; r < view->model()->rowCount(); ++r)
            if (view->model()->index(r, 0).data(ui::KnownTriplesModel::NeighbourIdRole).toLongLong() == m_asia)
                asiaRow = view->model()->index(r, ui::KnownTriplesModel::NeighbourColumn);
        QVERIFY(asiaRow.isValid());
        view->scrollTo(asiaRow);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(asiaRow).center());
        QCOMPARE(window.currentEntityId(), m_japan); // one click selects, it does not navigate
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(asiaRow).center());
        QCOMPARE(window.currentEntityId(), m_asia);
        QCOMPARE(window.entityCard()->findChild<QLabel *>("entityName")->text(), QStringLiteral("Asia"));
        QVERIFY(window.backAction()->isEnabled());
        QVERIFY(!window.forwardAction()->isEnabled());
        window.backAction()->trigger();
        QCOMPARE(window.currentEntityId(), m_japan);
        QCOMPARE(window.entityCard()->entityId(), m_japan);
        QVERIFY(window.forwardAction()->isEnabled());
        // Alt+Right goes forward again.
        QTest::keyClick(&window, Qt::Key_Right, Qt::AltModifier);
        QCOMPARE(window.currentEntityId(), m_asia);
        // Visiting after going back drops the forward part.
        window.goBack();
        window.showEntity(window.currentDataset()->entityId("Europe"));
        QVERIFY(!window.forwardAction()->isEnabled());
        window.goBack();
        QCOMPARE(window.currentEntityId(), m_japan);
    }

    void predictionsShowKnownMarkersAndHideThem()
    {
        MainWindow window(currentComputeInfo());
        window.resize(1400, 900);
        window.show();
        openCountries(window, "predictions.sqlite");
        addTrainedRun(window);
        ui::PredictionsView *view = window.predictionsView();
        ui::PredictionModel *model = view->model();
        QSignalSpy shown(view, &ui::PredictionsView::predictionsShown);
        QVERIFY(view->typedCandidatesSwitch()->isChecked()); // on by default in the app
        view->typedCandidatesSwitch()->setChecked(false);   // every entity, as evaluation ranks them
        window.showEntity(m_japan);
        // All relations, tail direction, top 10 by default.
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1 && model->rowCount() == 10, kTimeoutMs);
        const KgDataset &d = *window.currentDataset();
        checkKnownMarkers(d, model, m_japan, false);
        for (int r = 1; r < model->rowCount(); ++r)
            QVERIFY(model->index(r, ui::PredictionModel::ScoreColumn).data(ui::PredictionModel::ScoreRole).toDouble()
                    <= model->index(r - 1, ui::PredictionModel::ScoreColumn).data(ui::PredictionModel::ScoreRole).toDouble());
        // Every decoder of the run is live: its bar has a score in [0, 1].
        for (int c = ui::PredictionModel::StructureColumn; c <= ui::PredictionModel::JointColumn; ++c) {
            const double s = model->index(0, c).data(ui::PredictionModel::ScoreRole).toDouble();
            QVERIFY2(s >= 0 && s <= 1, qPrintable(QString::number(s)));
        }
        for (int m = 0; m < 3; ++m) {
            const QVector<double> g = view->gateChart(m)->gates();
            QVERIFY(!g.isEmpty());
            double sum = 0;
            for (double w : g)
                sum += w;
            QVERIFY2(qAbs(sum - 1.0) < 1e-3, qPrintable(QString::number(sum)));
            QCOMPARE(view->gateChart(m)->bars()->data()->size(), g.size());
        }
        saveShot(&window, "main-window");
        saveShot(view, "predictions-all-relations");

        // One relation, every candidate: Asia is there and marked, as the splits say.
        view->relationChooser()->setCurrentIndex(view->relationChooser()->findData(m_locatedInRegion));
        view->topKSpin()->setValue(int(d.entityCount()));
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == d.entityCount()
                                     && model->answer().query.relation == m_locatedInRegion,
                                 kTimeoutMs);
        checkKnownMarkers(d, model, m_japan, false);
        int knownRows = 0;
        for (int r = 0; r < model->rowCount(); ++r) {
            const QModelIndex i = model->index(r, 0);
            if (i.data(ui::PredictionModel::EntityIdRole).toLongLong() == m_asia)
                QVERIFY(!i.data(ui::PredictionModel::KnownRole).toString().isEmpty());
            knownRows += i.data(ui::PredictionModel::KnownRole).toString().isEmpty() ? 0 : 1;
        }
        QCOMPARE(knownRows, 1); // Japan lies in one region
        view->topKSpin()->setValue(10);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 10, kTimeoutMs);
        saveShot(view, "predictions-one-relation");

        // Hide known: the known answer leaves, the rest keep their order.
        view->topKSpin()->setValue(int(d.entityCount()));
        view->hideKnownSwitch()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(model->answer().query.hideKnown && model->answer().query.topK == d.entityCount(), kTimeoutMs);
        QCOMPARE(model->rowCount(), int(d.entityCount()) - knownRows);
        for (int r = 0; r < model->rowCount(); ++r) {
            QVERIFY(model->index(r, 0).data(ui::PredictionModel::KnownRole).toString().isEmpty());
            QCOMPARE(model->index(r, ui::PredictionModel::RankColumn).data().toInt(), r + 1);
        }

        // Head direction: which countries lie in Asia? Markers again follow the splits.
        view->hideKnownSwitch()->setChecked(false);
        view->topKSpin()->setValue(60);
        view->directionChooser()->setCurrentIndex(1);
        window.showEntity(m_asia);
        QTRY_VERIFY_WITH_TIMEOUT(model->answer().query.entity == m_asia && model->answer().query.headPrediction
                                     && model->rowCount() == 60,
                                 kTimeoutMs);
        checkKnownMarkers(d, model, m_asia, true);

        // Double-clicking a candidate opens it.
        const QModelIndex candidate = model->index(0, ui::PredictionModel::CandidateColumn);
        const qint64 target = candidate.data(ui::PredictionModel::EntityIdRole).toLongLong();
        QTableView *table = view->table();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(candidate).center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(candidate).center());
        QCOMPARE(window.currentEntityId(), target);
    }

    void staleAnswersAreDropped()
    {
        ui::PredictionEngine engine;
        QSignalSpy loaded(&engine, &ui::PredictionEngine::runLoaded);
        QSignalSpy answered(&engine, &ui::PredictionEngine::answered);
        engine.loadRun(7, m_trainer.spec().runDir);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kTimeoutMs);
        QVERIFY2(loaded.first().at(1).toBool(), qPrintable(loaded.first().at(2).toString()));
        // The user clicks through three entities faster than the model answers: only the last one counts.
        for (qint64 entity : {qint64(0), qint64(1), qint64(2)}) {
            ui::PredictionQuery query;
            query.entity = entity;
            engine.request(query);
        }
        QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 1, kTimeoutMs);
        // The worker runs queries in order: once a later query is answered, nothing older can arrive.
        ui::PredictionQuery last;
        last.entity = 3;
        last.relation = m_locatedInRegion;
        engine.request(last);
        QTRY_COMPARE_WITH_TIMEOUT(answered.count(), 2, kTimeoutMs);
        const auto first = answered.at(0).at(0).value<ui::PredictionAnswer>();
        const auto second = answered.at(1).at(0).value<ui::PredictionAnswer>();
        QCOMPARE(first.query.entity, 2);
        QCOMPARE(first.runId, 7);
        QCOMPARE(second.query.entity, 3);
        QCOMPARE(second.query.relation, m_locatedInRegion);
        for (const ui::PredictionEntry &e : second.rows)
            QCOMPARE(e.relation, m_locatedInRegion);
    }

    // A damaged run folder in the app: the model is not loaded, the error names the file and
    // what is wrong (the predictions view shows it), and the folder is left as it was.
    // Opening a workspace file (the desktop's "open with", `momok-studio FILE`) on a first
    // start: no welcome page in front of it, and its dataset with the latest run is shown.
    void aWorkspaceNamedAtStartOpensItsDataset()
    {
        qint64 datasetId = -1;
        const QString file = m_dir.filePath("opened-with/shared.momok");
        {
            MainWindow first(currentComputeInfo());
            openCountries(first, "opened-with/shared.momok");
            datasetId = first.currentDatasetId();
            addTrainedRun(first);
        }
        QSettings().remove("dataset/last");
        QSettings().remove("workspace/last");
        MainWindow window(currentComputeInfo());
        QSignalSpy opened(&window, &MainWindow::datasetChanged);
        window.show();
        window.startUp(QString(), file);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        QVERIFY(!window.isWelcomeShown());
        QCOMPARE(window.currentDatasetId(), datasetId);
    }

    void damagedRunIsNamedAndLeftAlone()
    {
        const QString damaged = m_dir.filePath("damaged-run");
        QVERIFY(QDir().mkpath(damaged));
        for (const QFileInfo &f : QDir(m_trainer.spec().runDir).entryInfoList(QDir::Files))
            QVERIFY(QFile::copy(f.absoluteFilePath(), damaged + "/" + f.fileName()));
        QFile best(damaged + "/best.pt");
        QVERIFY(best.open(QIODevice::ReadWrite));
        QVERIFY(best.resize(best.size() / 2));
        best.close();
        auto digest = [&damaged] {
            QCryptographicHash hash(QCryptographicHash::Sha256);
            for (const QFileInfo &f : QDir(damaged).entryInfoList(QDir::Files, QDir::Name)) {
                QFile file(f.absoluteFilePath());
                if (file.open(QIODevice::ReadOnly))
                    hash.addData(f.fileName().toUtf8() + file.readAll());
            }
            return hash.result();
        };
        const QByteArray before = digest();
        ui::PredictionEngine engine;
        QSignalSpy loaded(&engine, &ui::PredictionEngine::runLoaded);
        engine.loadRun(9, damaged);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kTimeoutMs);
        QVERIFY(!loaded.first().at(1).toBool());
        const QString error = loaded.first().at(2).toString();
        QVERIFY2(error.contains(damaged + "/best.pt") && error.contains("cannot read checkpoint"), qPrintable(error));
        QCOMPARE(digest(), before);
    }

    // While a model for the open dataset trains, the predictions' no-run state says so with
    // the training's line, and offers no second training; a training of another dataset, or
    // its end, brings the offer back.
    void aTrainingOfThisDatasetShowsInThePredictionsPane()
    {
        MainWindow window(currentComputeInfo());
        window.resize(1400, 900);
        window.show();
        openCountries(window, "activity.sqlite");
        QCOMPARE(window.currentRunId(), -1);
        QSignalSpy requested(&window, &MainWindow::trainingRequested); // the application listens
        ui::PredictionsView *predictions = window.predictionsView();
        QPushButton *train = predictions->trainButton();
        QVERIFY(train->isVisible());
        QVERIFY(predictions->emptyStateText().contains("No trained model"));

        // Named as the trainer names it: another route to the same folder is the same dataset.
        const QString countries = Workspace::folderPath(testing::countriesDir() + "/../countries");
        window.showTrainingActivity(countries, QStringLiteral("preparing the data and the model"));
        QVERIFY2(predictions->emptyStateText().contains("is training: preparing the data and the model"),
                 qPrintable(predictions->emptyStateText()));
        QVERIFY(!train->isVisible());
        window.showTrainingActivity(countries, QStringLiteral("epoch 3 of 100 · about 0:04 left"));
        QVERIFY2(predictions->emptyStateText().contains("is training: epoch 3 of 100 · about 0:04 left"),
                 qPrintable(predictions->emptyStateText()));
        QVERIFY(!train->isVisible());
        saveShot(&window, "predictions-while-training");

        // Another dataset's training leaves this one's offer as it was.
        window.showTrainingActivity(Workspace::folderPath(m_dir.filePath("elsewhere")), QStringLiteral("epoch 4 of 100"));
        QVERIFY2(predictions->emptyStateText().contains("No trained model"), qPrintable(predictions->emptyStateText()));
        QVERIFY(train->isVisible());

        // This dataset's training again. Another dataset opened meanwhile offers its own
        // training; the training's dataset opened again says where that training stands.
        window.showTrainingActivity(countries, QStringLiteral("epoch 5 of 100"));
        QVERIFY(predictions->emptyStateText().contains("is training: epoch 5 of 100"));
        const QString community = m_dir.filePath("community");
        testing::writeCommunityGraph(community);
        QSignalSpy opened(&window, &MainWindow::datasetChanged);
        window.openDataset(community);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        QVERIFY2(predictions->emptyStateText().contains("No trained model"), qPrintable(predictions->emptyStateText()));
        QVERIFY(train->isVisible());
        window.openDataset(testing::countriesDir());
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, kTimeoutMs);
        QVERIFY2(predictions->emptyStateText().contains("is training: epoch 5 of 100"),
                 qPrintable(predictions->emptyStateText()));
        QVERIFY(!train->isVisible());
        window.showTrainingActivity(countries, QString());
        QVERIFY2(predictions->emptyStateText().contains("No trained model"), qPrintable(predictions->emptyStateText()));
        QVERIFY(train->isVisible());
        QCOMPARE(requested.count(), 0);
    }

    void aNewRunIsSelectedWhenTrainingFinishes()
    {
        MainWindow window(currentComputeInfo());
        openCountries(window, "runs.sqlite");
        addTrainedRun(window);
        const qint64 first = window.currentRunId();
        QString error;
        const qint64 second = testing::recordRun(*window.workspace(), window.currentDatasetId(), m_trainer,
                                                 QStringLiteral("again"), &error);
        QVERIFY2(second > first, qPrintable(error));
        // A run still training has no place in the chooser.
        const qint64 running = window.workspace()->beginRun(window.currentDatasetId(), "running", m_trainer.spec().toJson(), &error);
        QVERIFY(running > second);
        QSignalSpy changed(&window, &MainWindow::currentRunChanged);
        window.refreshRuns();
        QCOMPARE(window.runChooser()->count(), 2);
        QCOMPARE(window.currentRunId(), second);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().toLongLong(), second);
        // Choosing the older one in the toolbar switches back; a refresh keeps that choice.
        const int index = window.runChooser()->findData(first);
        QVERIFY(index >= 0);
        window.runChooser()->setCurrentIndex(index);
        Q_EMIT window.runChooser()->activated(index);
        QCOMPARE(window.currentRunId(), first);
        QCOMPARE(changed.count(), 2);
        window.refreshRuns();
        QCOMPARE(window.currentRunId(), first);
        QCOMPARE(changed.count(), 2);
    }

    void brokenDatasetShowsValidationReport()
    {
        const QString dir = m_dir.filePath("broken");
        QVERIFY(QDir().mkpath(dir));
        auto write = [&](const QString &name, const QByteArray &text) {
            QFile f(QDir(dir).filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        write("train.txt", "a r b .\nb r\nc r a .\n");
        write("valid.txt", "a r c .\n");
        write("test.txt", "b r c .\n");
        MainWindow window(currentComputeInfo());
        window.show();
        QSignalSpy workspaceOpened(&window, &MainWindow::workspaceChanged);
        window.openWorkspace(m_dir.filePath("broken.sqlite"));
        QTRY_COMPARE_WITH_TIMEOUT(workspaceOpened.count(), 1, kTimeoutMs);
        QSignalSpy failed(&window, &MainWindow::datasetOpenFailed);
        window.openDataset(dir);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
        auto *report = window.findChild<ui::ValidationReportDialog *>();
        QVERIFY(report);
        ui::DatasetProblemModel *problems = report->model();
        QVERIFY(problems->rowCount() >= 1);
        bool found = false;
        for (int r = 0; r < problems->rowCount(); ++r)
            found |= problems->index(r, ui::DatasetProblemModel::FileColumn).data().toString() == "train.txt"
                     && problems->index(r, ui::DatasetProblemModel::LineColumn).data().toInt() == 2;
        QVERIFY2(found, "the problem on train.txt line 2 is not listed");
        QVERIFY(window.workspace()->datasets().isEmpty()); // nothing imported
        saveShot(report, "validation-report");
        report->close();
    }

    void aboutListsTheLicences()
    {
        ui::AboutDialog about(currentComputeInfo());
        const QString text = about.text();
        for (const char *needle : {"MIT", "LGPL", "LibTorch", "QCustomPlot", "GPL v3", "OpenBLAS", "ODbL",
                                   "Contains information from world-countries", "flag-icons", "LICENSE-world-countries.txt"})
            QVERIFY2(text.contains(QLatin1String(needle)), needle);
        about.show();
        saveShot(&about, "about");
    }
};

QTEST_MAIN(TestAnalystWindow)
#include "tst_analystwindow.moc"
