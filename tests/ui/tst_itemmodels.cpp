// Every item model of the UI that is not checked inside its view's suite, under
// QAbstractItemModelTester: filled, changed and emptied again, each model must answer
// consistently (counts, indexes, data types of each role, header data) and announce
// each change with the right signals. The analysis models are checked the same way in
// tst_analysisviews, on real runs.
#include "analysis/RunListModel.h"
#include "data/DatasetReader.h"
#include "entities/EntitySearchModel.h"
#include "entities/KnownTriplesModel.h"
#include "predictions/PredictionEngine.h"
#include "predictions/PredictionModel.h"
#include "workspace/DatasetProblemModel.h"

#include <QAbstractItemModelTester>
#include <QJsonObject>
#include <QtTest>

#include <cmath>
#include <memory>

using namespace momok;
using namespace momok::ui;

namespace {

const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");

std::unique_ptr<QAbstractItemModelTester> attachTester(QAbstractItemModel *model)
{
    return std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
}

// Reads every cell and header in every role the views ask for (the tester checks types).
void readEverything(const QAbstractItemModel *model)
{
    const int roles[] = {Qt::DisplayRole, Qt::DecorationRole, Qt::ToolTipRole, Qt::TextAlignmentRole,
                         Qt::ForegroundRole, Qt::BackgroundRole, Qt::FontRole, Qt::UserRole + 1, Qt::UserRole + 2};
    for (int c = 0; c < model->columnCount(); ++c)
        for (int role : roles)
            model->headerData(c, Qt::Horizontal, role);
    for (int r = 0; r < model->rowCount(); ++r)
        for (int c = 0; c < model->columnCount(); ++c)
            for (int role : roles)
                model->index(r, c).data(role);
}

} // namespace

class TestItemModels : public QObject
{
    Q_OBJECT
private:
    std::shared_ptr<const KgDataset> m_countries;

private Q_SLOTS:
    void initTestCase()
    {
        DatasetLoadResult loaded = DatasetReader::read(kCountries);
        QVERIFY2(loaded.ok(), qPrintable(loaded.summary()));
        m_countries = std::make_shared<KgDataset>(std::move(*loaded.dataset));
        QVERIFY(m_countries->entityCount() > 10);
    }

    void knownTriplesModel()
    {
        KnownTriplesModel model;
        const auto tester = attachTester(&model);
        model.setDataset(m_countries);
        model.setEntity(m_countries->entityId(QStringLiteral("Japan")));
        QVERIFY(model.rowCount() > 0);
        readEverything(&model);
        model.setEntity(m_countries->entityId(QStringLiteral("Asia")));
        QVERIFY(model.rowCount() > 0);
        readEverything(&model);
        model.setDataset(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }

    void entitySearchModel()
    {
        EntitySearchModel model;
        const auto tester = attachTester(&model);
        QVector<EntityHit> hits;
        for (int e = 0; e < 5; ++e) {
            const EntityInfo &info = m_countries->entities[e];
            EntityHit hit;
            hit.entityId = e;
            hit.name = info.name;
            hit.displayName = info.displayName;
            hit.description = info.description;
            hit.type = info.type;
            hit.imagePaths = info.imagePaths;
            hit.hasImage = !info.imagePaths.isEmpty();
            hit.hasText = !info.description.isEmpty();
            hits << hit;
        }
        model.setHits(hits);
        QCOMPARE(model.rowCount(), 5);
        readEverything(&model);
        model.setHits(hits.mid(2));
        QCOMPARE(model.rowCount(), 3);
        readEverything(&model);
        model.setHits({});
        QCOMPARE(model.rowCount(), 0);
    }

    void predictionModel()
    {
        PredictionModel model;
        const auto tester = attachTester(&model);
        model.setDataset(m_countries);
        PredictionAnswer answer;
        answer.query.entity = 0;
        answer.query.relation = 0;
        answer.decoderActive = {true, false, false, true};
        for (int e = 1; e <= 8; ++e) {
            PredictionEntry entry;
            entry.relation = 0;
            entry.row.entity = e;
            entry.row.rank = e;
            entry.row.score = 1.0 / e;
            entry.row.decoderScore = {0.5, std::nan(""), std::nan(""), 0.25};
            entry.row.decoderRank = {double(e), std::nan(""), std::nan(""), double(e + 1)};
            entry.row.knownTrain = e % 2 == 0;
            entry.row.knownTest = e % 3 == 0;
            answer.rows << entry;
        }
        model.setAnswer(answer);
        QCOMPARE(model.rowCount(), 8);
        readEverything(&model);
        answer.rows.resize(3);
        model.setAnswer(answer);
        QCOMPARE(model.rowCount(), 3);
        readEverything(&model);
        // The column labels are the decoders' keys, as they always were.
        QCOMPARE(model.headerData(PredictionModel::StructureColumn, Qt::Horizontal).toString(), QStringLiteral("S"));
        QCOMPARE(model.headerData(PredictionModel::TextColumn, Qt::Horizontal).toString(), QStringLiteral("T"));
        QCOMPARE(model.headerData(PredictionModel::JointColumn, Qt::Horizontal).toString(), QStringLiteral("Joint"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void datasetProblemModel()
    {
        DatasetProblemModel model;
        const auto tester = attachTester(&model);
        DatasetProblem error;
        error.file = QStringLiteral("train.txt");
        error.line = 2;
        error.reason = QStringLiteral("a triple needs three fields");
        DatasetProblem warning;
        warning.severity = DatasetProblem::Warning;
        warning.file = QStringLiteral("images");
        warning.reason = QStringLiteral("no image for 3 entities");
        model.setProblems({error, warning});
        QCOMPARE(model.rowCount(), 2);
        readEverything(&model);
        model.setProblems({warning});
        QCOMPARE(model.rowCount(), 1);
        readEverything(&model);
        model.setProblems({});
        QCOMPARE(model.rowCount(), 0);
    }

    void runListModel()
    {
        RunListModel model;
        const auto tester = attachTester(&model);
        QVector<RunRecord> runs;
        for (int i = 0; i < 3; ++i) {
            RunRecord run;
            run.id = i + 1;
            run.name = QStringLiteral("run %1").arg(i + 1);
            run.status = i == 0 ? RunStatus::Running : RunStatus::Finished;
            run.createdAt = QDateTime::currentDateTimeUtc();
            run.epochCount = i;
            if (i > 0)
                run.bestValidMrr = 0.25 * i;
            runs << run;
        }
        model.setRuns(runs);
        QCOMPARE(model.rowCount(), 3);
        readEverything(&model);
        runs.removeFirst();
        model.setRuns(runs);
        QCOMPARE(model.rowCount(), 2);
        readEverything(&model);
        model.setRuns({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestItemModels)
#include "tst_itemmodels.moc"
