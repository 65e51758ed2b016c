// The section profiler behind `momok bench --profile`: time and FLOPs land in the section
// whose code ran them, backward steps in the section of their forward operation.
#include "runtime/WorkProfiler.h"

#include <torch/torch.h>

#include <QtTest>

using namespace momok;

class TestWorkProfiler : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void productsAndTheirBackwardCountInTheirSection()
    {
        auto a = torch::randn({64, 32}, torch::requires_grad());
        auto b = torch::randn({32, 48}, torch::requires_grad());
        WorkProfiler profiler;
        profiler.start();
        torch::Tensor scores;
        {
            ProfileScope scope(ProfileSection::EntityScoring);
            scores = a.mm(b);
        }
        torch::Tensor loss;
        {
            ProfileScope scope(ProfileSection::Loss);
            loss = scores.pow(2).sum();
        }
        loss.backward();
        {
            ProfileScope scope(ProfileSection::Ranking);
            profileFlop(1000); // a hand-written kernel's own count
        }
        const ProfileReport report = profiler.stop();

        const double product = 2.0 * 64 * 32 * 48;
        const auto &scoring = report.sections[size_t(ProfileSection::EntityScoring)];
        // The forward product and both of its gradient products (MmBackward), nothing else.
        QCOMPARE(scoring.flop, 3 * product);
        QVERIFY(scoring.calls >= 2); // the forward operator and its backward step
        QVERIFY(scoring.seconds > 0);
        const auto &loss0 = report.sections[size_t(ProfileSection::Loss)];
        QCOMPARE(loss0.flop, 0.0);
        QVERIFY(loss0.calls >= 4); // pow and sum, forward and backward
        QCOMPARE(report.sections[size_t(ProfileSection::Ranking)].flop, 1000.0);
        // The leaves' gradients are accumulated by the optimiser's section.
        QVERIFY(report.sections[size_t(ProfileSection::Optimiser)].calls >= 2);
        QCOMPARE(report.totalFlop(), 3 * product + 1000);
        // Exclusive times add up to the wall time (Other takes what nothing else claimed).
        double sum = 0;
        for (const ProfileFigures &f : report.sections)
            sum += f.seconds;
        QVERIFY(std::abs(sum - report.wallSeconds) < 1e-6 + 1e-3 * report.wallSeconds);
        QVERIFY(report.table(100.0).contains(QStringLiteral("entity scoring products")));
        QCOMPARE(report.toJson().value("sections").toArray().size(), kProfileSectionCount);
    }

    void allocationsAreTheirOwnSection()
    {
        WorkProfiler profiler;
        profiler.start();
        {
            ProfileScope scope(ProfileSection::DataPreparation);
            auto t = torch::zeros({1000, 1000});
            t.add_(1);
        }
        const ProfileReport report = profiler.stop();
        QVERIFY(report.sections[size_t(ProfileSection::Allocation)].calls >= 1);
        QVERIFY(report.sections[size_t(ProfileSection::DataPreparation)].calls >= 2); // the scope and add_
    }

    void scopesCostNothingWithoutAProfiler()
    {
        // No recording profiler: scopes and counts are ignored, and a later profile is clean.
        {
            ProfileScope scope(ProfileSection::Fusion);
            profileFlop(5);
            torch::ones({4}).sum();
        }
        WorkProfiler profiler;
        profiler.start();
        const ProfileReport report = profiler.stop();
        QCOMPARE(report.totalFlop(), 0.0);
        QCOMPARE(report.sections[size_t(ProfileSection::Fusion)].calls, int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestWorkProfiler)
#include "tst_workprofiler.moc"
