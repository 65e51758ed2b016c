// The ablation table's matching of runs and the case study's ranking, on hand-made
// records (the views' suite covers them on real trainings).
#include "analysis/AblationTable.h"
#include "analysis/ModalityStrengths.h"
#include "model/ModelConfig.h"
#include "train/RunSpec.h"

#include <QtTest>

using namespace momok;

namespace {

AblationCandidate candidate(qint64 id, const ModelConfig &config, double mrr, bool randomFeatures = true)
{
    RunSpec spec;
    spec.datasetDir = QStringLiteral("/data/countries");
    spec.randomFeatures = randomFeatures;
    spec.config = config;
    AblationCandidate c;
    c.runId = id;
    c.name = QStringLiteral("run %1").arg(id);
    c.spec = spec.toJson();
    c.finished = true;
    c.createdAt = QDateTime(QDate(2026, 1, 1), QTime(0, 0)).addSecs(id);
    RankMetrics m;
    m.mrr = mrr;
    m.hits1 = mrr / 2;
    m.count = 10;
    c.test = m;
    for (int d = 0; d < kDecoderCount; ++d) {
        c.decoders[size_t(d)] = m;
        c.decoders[size_t(d)].mrr = mrr - d;
    }
    return c;
}

const AblationRow *row(const QVector<AblationRow> &rows, const QString &labelPart)
{
    for (const AblationRow &r : rows)
        if (r.label.contains(labelPart))
            return &r;
    return nullptr;
}

RelationReport relation(int64_t id, const QString &name, std::array<double, 5> mrr)
{
    RelationReport r;
    r.relation = id;
    r.name = name;
    for (int d = 0; d < kDecoderCount; ++d) {
        r.metrics.both[size_t(d)].realistic.mrr = mrr[size_t(d)];
        r.metrics.both[size_t(d)].realistic.count = mrr[size_t(d)] < 0 ? 0 : 4;
    }
    return r;
}

} // namespace

class TestAblationTable : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesRunsThatDifferOnlyInAblationSwitches()
    {
        ModelConfig full;
        full.epochs = 10;
        ModelConfig noExid = full;
        noExid.exid = false;
        ModelConfig noNoise = full;
        noNoise.gateNoise = false;
        ModelConfig twoOff = full;
        twoOff.exid = false;
        twoOff.relationTemperature = false;
        ModelConfig twoExperts = full;
        twoExperts.experts = 2;
        ModelConfig otherLr = full;
        otherLr.learningRate = 1e-2;
        otherLr.exid = false;
        ModelConfig otherThreads = noNoise;
        otherThreads.threads = 7; // how fast, not what: still comparable

        QVector<AblationCandidate> runs{candidate(1, full, 40), candidate(2, noExid, 35), candidate(3, otherThreads, 38),
                                        candidate(4, twoOff, 30), candidate(5, twoExperts, 39), candidate(6, otherLr, 20),
                                        candidate(7, noExid, 33, false)};
        QCOMPARE(AblationTable::chooseBaseline(runs), 0);
        const QVector<AblationRow> rows = AblationTable::build(runs);
        QCOMPARE(rows.first().label, QStringLiteral("Full model"));
        QCOMPARE(rows.first().runId, 1);
        QCOMPARE(row(rows, "Structure modality")->metrics->mrr, 40.0);
        QCOMPARE(row(rows, "Image modality")->metrics->mrr, 39.0);
        QCOMPARE(row(rows, "w/o ExID")->runId, 2);
        QCOMPARE(row(rows, "w/o noise")->runId, 3);
        QVERIFY(!row(rows, "w/o adaptive fusion")->metrics);
        QVERIFY(row(rows, "w/o adaptive fusion")->hint.contains(QStringLiteral("adaptive fusion")));
        QCOMPARE(row(rows, "K = 2 experts")->runId, 5);
        QCOMPARE(row(rows, "w/o relational ε_r, w/o ExID")->runId, 4);
        for (const AblationRow &r : rows) {
            QVERIFY(r.runId != 6); // another learning rate
            QVERIFY(r.runId != 7); // other features
        }
        QCOMPARE(AblationTable::ablationDifference(runs[0].spec, runs[5].spec), std::nullopt);
        QCOMPARE(*AblationTable::ablationDifference(runs[0].spec, runs[1].spec), QStringList{QStringLiteral("exid")});
    }

    void noBaselineWithoutAFinishedFullModel()
    {
        ModelConfig noExid;
        noExid.exid = false;
        ModelConfig full;
        AblationCandidate unfinished = candidate(2, full, 40);
        unfinished.finished = false;
        QVERIFY(AblationTable::build({candidate(1, noExid, 30), unfinished}).isEmpty());
        // Among several full models the one with the most partners wins, then the newest.
        QVector<AblationCandidate> runs{candidate(1, full, 40), candidate(2, noExid, 30), candidate(3, full, 41)};
        QCOMPARE(AblationTable::chooseBaseline(runs), 2);
        runs[2].spec = candidate(3, full, 41, false).spec; // other features: no partner
        QCOMPARE(AblationTable::chooseBaseline(runs), 0);
    }

    void bestRelationsByMrrAndByLead()
    {
        EvaluationReport report;
        report.relations = {relation(0, "a", {50, 10, 10, 20, 40}), relation(1, "b", {30, 5, 5, 5, 25}),
                            relation(2, "c", {10, 60, 20, 30, 45}), relation(3, "d", {-1, -1, -1, -1, -1})};
        for (int d = 0; d < kDecoderCount; ++d)
            report.overall.both[size_t(d)].realistic.count = 12;
        const auto byMrr = ModalityStrengths::best(report, Decoder::Structure, 2);
        QCOMPARE(byMrr.size(), 2);
        QCOMPARE(byMrr[0].name, QStringLiteral("a"));
        QCOMPARE(byMrr[1].name, QStringLiteral("b"));
        QCOMPARE(byMrr[0].lead, 30.0); // 50 - joint's 20
        // By lead: a is 30 points ahead, b 25, c trails the image decoder by 50.
        const auto byLead = ModalityStrengths::best(report, Decoder::Structure, 0, ModalityStrengths::Order::ByLead);
        QCOMPARE(byLead.size(), 3); // d has no queries
        QCOMPARE(byLead[0].name, QStringLiteral("a"));
        QCOMPARE(byLead[2].name, QStringLiteral("c"));
        QCOMPARE(byLead[2].lead, -50.0);
        QCOMPARE(ModalityStrengths::best(report, Decoder::Image, 1).first().name, QStringLiteral("c"));
        report.overall.both[int(Decoder::Text)].realistic.count = 0;
        QVERIFY(ModalityStrengths::best(report, Decoder::Text, 3).isEmpty());
        QVERIFY(!ModalityStrengths::active(report, Decoder::Text));
    }
};

QTEST_MAIN(TestAblationTable)
#include "tst_ablationtable.moc"
