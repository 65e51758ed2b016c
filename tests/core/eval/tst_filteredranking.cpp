// Filtered ranks on hand-computed examples, with ties and filtered answers.
#include "eval/EvaluationReport.h"
#include "eval/Evaluator.h"
#include "eval/RankCounter.h"

#include <QJsonObject>
#include <QtTest>

using namespace momok;

class TestFilteredRanking : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void countsAboveAndTies()
    {
        //                   0    1    2    3    4    5    6    7
        const float s[] = {0.9f, 0.5f, 0.7f, 0.5f, 0.2f, 0.5f, 0.95f, 0.1f};
        // Target 1 (0.5): above it 0, 2, 6 → greater 3; ties 3 and 5 → 2.
        FilteredRank r = filteredRank(s, 8, 1, nullptr, nullptr);
        QCOMPARE(r.greater, int64_t(3));
        QCOMPARE(r.ties, int64_t(2));
        QCOMPARE(r.optimistic(), 4.0);
        QCOMPARE(r.pessimistic(), 6.0);
        QCOMPARE(r.realistic(), 5.0);
        // Filtering other true answers 6 (above) and 5 (tie); the target in the list is ignored.
        const int64_t filtered[] = {1, 5, 6};
        r = filteredRank(s, 8, 1, filtered, filtered + 3);
        QCOMPARE(r.greater, int64_t(2));
        QCOMPARE(r.ties, int64_t(1));
        QCOMPARE(r.optimistic(), 3.0);
        QCOMPARE(r.pessimistic(), 4.0);
        QCOMPARE(r.realistic(), 3.5);
        // Top scorer with nothing tied.
        r = filteredRank(s, 8, 6, nullptr, nullptr);
        QCOMPARE(r.realistic(), 1.0);
    }

    void allEqualScoresDoNotFlatter()
    {
        std::vector<float> s(100, 0.25f);
        const FilteredRank r = filteredRank(s.data(), 100, 42, nullptr, nullptr);
        QCOMPARE(r.optimistic(), 1.0);
        QCOMPARE(r.pessimistic(), 100.0);
        QCOMPARE(r.realistic(), 50.5); // a constant model gets the expected rank of random guessing
    }

    void metricsFromRanks()
    {
        // Realistic ranks 1, 3.5 and 12: MRR = (1 + 1/3.5 + 1/12)/3, Hits@1 = 1/3, Hits@3 = 1/3, Hits@10 = 2/3.
        std::vector<FilteredRank> ranks(3);
        ranks[0].greater = 0;
        ranks[1].greater = 2;
        ranks[1].ties = 1;
        ranks[2].greater = 11;
        const RankMetricsTriple m = metricsOf(ranks);
        QVERIFY(qFuzzyCompare(m.realistic.mrr, 100.0 * (1.0 + 1.0 / 3.5 + 1.0 / 12.0) / 3.0));
        QVERIFY(qFuzzyCompare(m.realistic.mr, (1.0 + 3.5 + 12.0) / 3.0));
        QVERIFY(qFuzzyCompare(m.realistic.hits1, 100.0 / 3.0));
        QVERIFY(qFuzzyCompare(m.realistic.hits3, 100.0 / 3.0));
        QVERIFY(qFuzzyCompare(m.realistic.hits10, 200.0 / 3.0));
        QVERIFY(qFuzzyCompare(m.optimistic.hits3, 200.0 / 3.0)); // optimistic rank 3 counts
        QVERIFY(qFuzzyCompare(m.pessimistic.mr, (1.0 + 4.0 + 12.0) / 3.0));
        QCOMPARE(m.realistic.count, int64_t(3));
    }

    // A report read back (report-valid.json, a workspace) keeps its gate tables only when
    // their sizes agree; an edited one loses the gates, not the metrics.
    void reportReadBackKeepsOnlyWholeGateTables()
    {
        EvaluationReport report;
        report.split = Split::Valid;
        report.gates.relations = 2;
        report.gates.experts = 2;
        report.gates.relationNames = {"r0", "r1"};
        for (int i = 0; i < 2 * 3 * 2; ++i)
            report.gates.meanWeight << 0.5;
        report.gates.queryCount = {4, 6};
        report.overall.both[int(Decoder::Combined)].realistic.mrr = 42;
        QJsonObject json = report.toJson();
        const EvaluationReport whole = EvaluationReport::fromJson(json);
        QCOMPARE(whole.gates.meanWeight.size(), 12);
        QCOMPARE(whole.gates.at(1, 2, 1), 0.5);

        QJsonObject gates = json.value("gates").toObject();
        gates.insert("relations", 200000); // claims far more than it holds
        json.insert("gates", gates);
        const EvaluationReport edited = EvaluationReport::fromJson(json);
        QCOMPARE(edited.gates.relations, 0);
        QVERIFY(edited.gates.meanWeight.isEmpty());
        QCOMPARE(edited.headline().mrr, 42.0);
    }
};

QTEST_GUILESS_MAIN(TestFilteredRanking)
#include "tst_filteredranking.moc"
