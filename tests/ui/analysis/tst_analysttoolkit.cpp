// The analyst's toolkit in the real window: the Similar panel, the evidence beside the
// selected prediction, sensible-type candidates, the New entity dialog and File → Export
// embeddings, over a quick-demo run on countries with extracted flag and text features.
// Saves a screenshot of each into screenshots/.
#include "MainWindow.h"
#include "StudioFixture.h"

#include "analysis/EmbeddingExportDialog.h"
#include "analysis/ExpertsView.h"
#include "common/DockTabWidget.h"
#include "analysis/SimilarEntitiesModel.h"
#include "analysis/SimilarView.h"
#include "predictions/EvidencePanel.h"
#include "predictions/NewEntityDialog.h"
#include "predictions/PredictionModel.h"
#include "predictions/PredictionsView.h"
#include "studio/ModelViews.h"
#include "training/TrainingPanel.h"

#include "common/QCustomPlotInclude.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

using namespace momok;
using namespace momok::ui;

namespace {
constexpr int kTimeoutMs = 60000;
}

class TestAnalystToolkit : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_shots;
    Trainer m_trainer;
    std::unique_ptr<MainWindow> m_window;
    ModelViews *m_views = nullptr;

    void saveShot(QWidget *widget, const QString &name)
    {
        QCoreApplication::processEvents();
        const QPixmap shot = widget->grab();
        QVERIFY(!shot.isNull());
        QVERIFY(shot.save(QDir(m_shots).filePath(name + ".png")));
    }

    qint64 entity(const QString &name) const { return m_window->currentDataset()->entityId(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
        configureComputeEnvironment(2);
        m_shots = QDir::current().absoluteFilePath("screenshots");
        QVERIFY(QDir().mkpath(m_shots));
        QString error;
        QVERIFY2(testing::trainQuickDemo(m_dir.filePath("run"), 3, &m_trainer, &error, /*randomFeatures=*/false),
                 qPrintable(error));

        m_window = std::make_unique<MainWindow>(currentComputeInfo());
        m_window->resize(1400, 900);
        m_views = new ModelViews(m_window.get());
        m_window->show();
        QSignalSpy workspaceOpened(m_window.get(), &MainWindow::workspaceChanged);
        m_window->openWorkspace(m_dir.filePath("toolkit.sqlite"));
        QTRY_COMPARE_WITH_TIMEOUT(workspaceOpened.count(), 1, kTimeoutMs);
        QSignalSpy opened(m_window.get(), &MainWindow::datasetChanged);
        m_window->openDataset(testing::countriesDir());
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        const qint64 runId = testing::recordRun(*m_window->workspace(), m_window->currentDatasetId(), m_trainer,
                                                QStringLiteral("toolkit"), &error);
        QVERIFY2(runId >= 0, qPrintable(error));
        m_window->refreshRuns();
        QCOMPARE(m_window->currentRunId(), runId);
    }

    // A run recorded in the workspace (not trained in this window, as after a restart): the
    // Training tab shows its curves and figures instead of "No training yet".
    void trainingTabShowsTheSelectedRun()
    {
        TrainingPanel *panel = m_views->trainingPanel();
        const QString status = panel->findChild<QLabel *>(QStringLiteral("trainingStatus"))->text();
        QVERIFY2(status.contains("“toolkit”: finished after epoch 3 of 3") && status.contains("test MRR"), qPrintable(status));
        QCOMPARE(panel->lossPlot()->graph(0)->data()->size(), 3);
        auto *progress = panel->findChild<QProgressBar *>(QStringLiteral("trainingProgress"));
        QCOMPARE(progress->value(), 3);
        QCOMPARE(progress->maximum(), 3);
        QCOMPARE(progress->text(), QStringLiteral("3 of 3 epochs")); // epochs done, as while training
        saveShot(panel, "training-tab-selected-run");
    }

    void cleanupTestCase() { m_window.reset(); }

    void similarPanelListsNeighboursPerRepresentation()
    {
        SimilarView *view = m_views->similarView();
        m_window->bottomTabs()->setCurrentPage(view);
        std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
        for (Decoder d : kScoringDecoders)
            testers.push_back(std::make_unique<QAbstractItemModelTester>(
                view->model(d), QAbstractItemModelTester::FailureReportingMode::QtTest));
        QSignalSpy shown(view, &SimilarView::similarShown);
        const qint64 japan = entity("Japan");
        m_window->showEntity(japan);
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() && view->model(Decoder::Joint)->rowCount() == 10, kTimeoutMs);
        for (Decoder d : kScoringDecoders) {
            SimilarEntitiesModel *model = view->model(d);
            QCOMPARE(model->rowCount(), 10);
            double previous = 2;
            for (int r = 0; r < model->rowCount(); ++r) {
                const QModelIndex i = model->index(r, SimilarEntitiesModel::EntityColumn);
                QVERIFY(i.data(SimilarEntitiesModel::EntityIdRole).toLongLong() != japan);
                const double s = i.data(SimilarEntitiesModel::SimilarityRole).toDouble();
                QVERIFY(s <= previous);
                previous = s;
                QVERIFY(!i.data(Qt::DecorationRole).value<QPixmap>().isNull());
            }
        }
        QVERIFY2(view->statusText().contains(" ms"), qPrintable(view->statusText()));
        // Long labels wrap: the window still fits a 1400 px wide screen.
        QVERIFY2(m_window->minimumSizeHint().width() <= 1400, qPrintable(QString::number(m_window->minimumSizeHint().width())));
        QCOMPARE(m_window->width(), 1400);
        saveShot(view, "similar-panel");
        // Under a relation's temperature: another answer, still ten per representation.
        shown.clear();
        view->relationChooser()->setCurrentIndex(view->relationChooser()->findText("under locatedInRegion"));
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
        QCOMPARE(view->model(Decoder::Image)->rowCount(), 10);
        view->relationChooser()->setCurrentIndex(0);
        // Double-click opens an entity.
        QTRY_VERIFY_WITH_TIMEOUT(view->model(Decoder::Structure)->rowCount() == 10, kTimeoutMs);
        QTableView *table = view->table(Decoder::Structure);
        const QModelIndex first = view->model(Decoder::Structure)->index(0, SimilarEntitiesModel::EntityColumn);
        const qint64 target = first.data(SimilarEntitiesModel::EntityIdRole).toLongLong();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(first).center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(first).center());
        QCOMPARE(m_window->currentEntityId(), target);
    }

    void typedCandidatesAndEvidence()
    {
        PredictionsView *view = m_window->predictionsView();
        PredictionModel *model = view->model();
        const KgDataset &d = *m_window->currentDataset();
        const qint64 brazil = entity("Brazil"), language = d.relationId("officialLanguage");
        view->relationChooser()->setCurrentIndex(view->relationChooser()->findData(qint64(language)));
        view->topKSpin()->setValue(int(d.entityCount()));
        QVERIFY(view->typedCandidatesSwitch()->isChecked());
        m_window->showEntity(brazil);
        QTRY_VERIFY_WITH_TIMEOUT(model->answer().query.entity == brazil && model->answer().query.relation == language
                                     && model->answer().query.typedCandidates && model->rowCount() > 0,
                                 kTimeoutMs);
        // Only languages, and the status says how many others left.
        for (int r = 0; r < model->rowCount(); ++r)
            QCOMPARE(d.entities[int(model->index(r, 0).data(PredictionModel::EntityIdRole).toLongLong())].type,
                     QStringLiteral("language"));
        QVERIFY2(view->statusText().contains("of other types hidden"), qPrintable(view->statusText()));
        view->typedCandidatesSwitch()->setChecked(false);
        QTRY_VERIFY_WITH_TIMEOUT(!model->answer().query.typedCandidates && model->rowCount() == d.entityCount(), kTimeoutMs);
        view->typedCandidatesSwitch()->setChecked(true);
        view->topKSpin()->setValue(10);
        QTRY_VERIFY_WITH_TIMEOUT(model->answer().query.typedCandidates && model->rowCount() == 10, kTimeoutMs);

        // Focus that passes to the table by itself selects nothing and asks for no evidence.
        // Here: the Training tab's focused button hidden by a switch to the Experts tab (Qt moves
        // focus along the chain), and Tab into the table, which makes its first row current.
        const QString waiting = QStringLiteral("Select a prediction");
        QTableView *table = view->table();
        table->clearSelection();
        table->selectionModel()->clearCurrentIndex();
        QVERIFY2(view->evidencePanel()->summaryText().startsWith(waiting), qPrintable(view->evidencePanel()->summaryText()));
        DockTabWidget *tabs = m_window->bottomTabs();
        tabs->setCurrentPage(m_views->trainingPanel());
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        auto *trainButton = m_views->trainingPanel()->findChild<QPushButton *>(QStringLiteral("trainButton"));
        trainButton->setFocus(Qt::OtherFocusReason);
        QTRY_VERIFY(trainButton->hasFocus());
        tabs->setCurrentPage(m_views->expertsView());
        QVERIFY(!trainButton->hasFocus());
        table->setFocus(Qt::TabFocusReason);
        QTRY_VERIFY(table->hasFocus());
        QVERIFY(table->currentIndex().isValid()); // what Qt does on focus
        QVERIFY(table->selectionModel()->selectedIndexes().isEmpty());
        QVERIFY2(view->evidencePanel()->summaryText().startsWith(waiting), qPrintable(view->evidencePanel()->summaryText()));
        tabs->setCurrentPage(m_views->trainingPanel());

        // Selecting a prediction shows its evidence beside the table.
        QSignalSpy evidence(view, &PredictionsView::evidenceShown);
        const QModelIndex row = model->index(0, PredictionModel::CandidateColumn);
        view->table()->setCurrentIndex(row);
        QTRY_VERIFY_WITH_TIMEOUT(!evidence.isEmpty(), kTimeoutMs);
        const QString candidate = d.entities[int(row.data(PredictionModel::EntityIdRole).toLongLong())].displayName;
        QVERIFY2(view->evidencePanel()->summaryText().contains("Similar known cases per representation"),
                 qPrintable(view->evidencePanel()->summaryText()));
        for (int i = 0; i < view->evidencePanel()->list()->count(); ++i) {
            const QString line = view->evidencePanel()->list()->item(i)->text();
            QVERIFY2(line.contains("officialLanguage") && line.contains("is known"), qPrintable(line));
        }
        QVERIFY2(m_window->minimumSizeHint().width() <= 1400, qPrintable(QString::number(m_window->minimumSizeHint().width())));
        saveShot(view, "predictions-evidence");
        Q_UNUSED(candidate);
    }

    void newEntityDialogPredictsFromPictureAndText()
    {
        const KgDataset &d = *m_window->currentDataset();
        NewEntityDialog dialog(m_window->predictionsView()->engine(), m_window->currentDataset(), m_window.get());
        dialog.show();
        const EntityInfo &japan = d.entities[int(entity("Japan"))];
        dialog.nameField()->setText(QStringLiteral("Nihon"));
        dialog.descriptionField()->setPlainText(japan.description);
        dialog.setImageFile(japan.imagePaths.value(0));
        QSignalSpy shown(&dialog, &NewEntityDialog::predictionShown);
        dialog.predict();
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
        QCOMPARE(dialog.model()->rowCount(), 10);
        QVERIFY2(dialog.notesText().contains("structure decoder has nothing to say"), qPrintable(dialog.notesText()));
        QVERIFY(!dialog.model()->answer().decoderActive[int(Decoder::Structure)]);
        QVERIFY(dialog.model()->answer().decoderActive[int(Decoder::Joint)]);
        QVERIFY(dialog.similarList()->count() > 0);
        // One relation: its candidates are of the relation's types.
        dialog.relationChooser()->setCurrentIndex(dialog.relationChooser()->findData(qint64(d.relationId("locatedInRegion"))));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.model()->answer().query.relation == d.relationId("locatedInRegion"), kTimeoutMs);
        for (int r = 0; r < dialog.model()->rowCount(); ++r)
            QCOMPARE(d.entities[int(dialog.model()->index(r, 0).data(PredictionModel::EntityIdRole).toLongLong())].type,
                     QStringLiteral("region"));
        saveShot(&dialog, "new-entity");
        // A known triple lets the structure decoder speak.
        QVERIFY(!dialog.addTriple(QStringLiteral("locatedInRegion"), true, QStringLiteral("Atlantis")));
        QVERIFY(dialog.addTriple(QStringLiteral("locatedInRegion"), true, QStringLiteral("Asia")));
        shown.clear();
        dialog.predict();
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), kTimeoutMs);
        QVERIFY(dialog.model()->answer().decoderActive[int(Decoder::Structure)]);
        QVERIFY2(dialog.notesText().contains("fitted"), qPrintable(dialog.notesText()));
        // The given answer is marked as given, not as a training triple.
        bool given = false;
        for (int r = 0; r < dialog.model()->rowCount(); ++r)
            if (dialog.model()->index(r, 0).data(PredictionModel::EntityIdRole).toLongLong() == entity("Asia")) {
                QCOMPARE(dialog.model()->index(r, PredictionModel::KnownColumn).data().toString(), QStringLiteral("✓ given"));
                given = true;
            }
        QVERIFY(given);
    }

    void exportEmbeddingsWritesTheProjectorFolder()
    {
        EmbeddingExportDialog dialog(m_window->predictionsView()->engine(), m_dir.filePath("exported"), m_window.get());
        dialog.show();
        QSignalSpy finished(&dialog, &EmbeddingExportDialog::exportFinished);
        dialog.startExport();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeoutMs);
        QVERIFY2(finished.first().first().toBool(), qPrintable(dialog.resultText()));
        for (const char *file : {"structure/tensors.tsv", "joint/tensors.tsv", "metadata.tsv", "sprite.png",
                                 "projector_config.pbtxt"})
            QVERIFY2(QFile::exists(QDir(m_dir.filePath("exported")).filePath(QString::fromLatin1(file))), file);
        QVERIFY(dialog.resultText().contains("1216×1216"));
    }
};

QTEST_MAIN(TestAnalystToolkit)
#include "tst_analysttoolkit.moc"
