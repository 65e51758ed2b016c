// The engine's fused kernels against plain LibTorch formulations of the same math. CTest runs
// this suite twice: as is, and with MOMOK_PORTABLE_KERNELS=1, where every kernel takes the
// device-generic path a GPU takes (model/PortableKernels.h).
#include "model/ClubEstimator.h"
#include "model/FastKernels.h"
#include "model/MaskedCoreProduct.h"
#include "model/PortableKernels.h"
#include "model/TuckerDecoder.h"
#include "model/SmoothedBceLoss.h"
#include "runtime/ComputeEnvironment.h"
#include "runtime/Gemm.h"
#include "runtime/LargeBlockAllocator.h"
#include "train/BranchedStep.h"
#include "train/FusedAdam.h"

#include <QScopeGuard>
#include <QtTest>

#include <ATen/Parallel.h>

#include <limits>
#include <tuple>

using namespace momok;

class TestKernels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // The first test: products made while oneDNN's set-up still runs on its own thread (as a
    // Trainer does while it loads the dataset) wait for it and come out right.
    void productsWhileTheSetUpRuns()
    {
        const GemmPreparation preparation, second; // the second starts nothing
        torch::manual_seed(3);
        for (const auto &[m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{353, 64, 192}, {128, 4096, 64}, {7, 3, 5}}) {
            const auto a = torch::randn({m, k}), b = torch::randn({k, n});
            QVERIFY(torch::allclose(gemm(a, b), a.mm(b), 1e-3, 1e-3));
        }
    }

    void maskedCoreMatchesExplicitMasks()
    {
        torch::manual_seed(1);
        const int64_t batch = 9, w = 13;
        auto x = torch::randn({batch, w}, torch::requires_grad());
        // Relation 3 has no query in the batch: its gradient must be zeros (the kernel writes
        // each gradient row rather than adding into a zeroed one).
        auto matrices = torch::randn({4, w, w}, torch::requires_grad());
        auto slot = torch::tensor({0, 2, 1, 1, 0, 2, 2, 0, 1}, torch::kLong);
        const uint64_t stream = 12345;
        const double p = 0.4;
        auto out = maskedCoreProduct(x, matrices, slot, stream, p);
        auto upstream = torch::randn({batch, w});
        (out * upstream).sum().backward();
        auto gx = x.grad().clone(), gm = matrices.grad().clone();

        // Reference: materialise every query's masked W_r and use autograd.
        auto x2 = x.detach().clone().requires_grad_(true);
        auto m2 = matrices.detach().clone().requires_grad_(true);
        auto masks = maskedCoreMasks(slot, w, stream, p);
        auto perQuery = m2.index_select(0, slot) * masks / (1.0 - p);
        auto expected = x2.unsqueeze(1).bmm(perQuery).squeeze(1);
        (expected * upstream).sum().backward();
        QVERIFY(torch::allclose(out, expected, 1e-4, 1e-5));
        QVERIFY(torch::allclose(gx, x2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(gm, m2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::equal(gm[3], torch::zeros({w, w})));
        // About p of the entries are dropped, and each query has its own mask.
        const double kept = masks.mean().item<double>();
        QVERIFY2(std::abs(kept - 0.6) < 0.05, qPrintable(QString::number(kept)));
        QVERIFY(!torch::equal(masks[1], masks[5])); // same relation, different queries
    }

    // The kernel's gradient for the relation matrices is not zeroed before it is written, so
    // a relation without queries must be zeroed by the kernel itself. Freshly mapped memory is
    // zero already, so the gradient is made to land in a block that held NaNs: a block of the
    // large-block allocator's cache, which the gradient (1 MB) reuses.
    // A relation row per query (the joint decoder's fused relations): the fused path gives
    // what the general one gives with the per-query matrices formed first, on one thread (its
    // ∂r formed swapped) and on two, with W's rows split into column tiles and a last tile of
    // fewer rows (1,000 queries × 40 wide: tiles of 3 of the 40 rows), and with a row offset.
    void maskedQueryCoreMatchesTheGeneralPath()
    {
        const int threadsBefore = at::get_num_threads();
        const auto restore = qScopeGuard([threadsBefore] { at::set_num_threads(threadsBefore); });
        for (int threads : {1, 2}) {
            at::set_num_threads(threads);
            for (const auto &[batch, w, k, offset] : {std::tuple<int64_t, int64_t, int64_t, int64_t>{9, 13, 5, 0},
                                                       {1000, 40, 24, 0}, {128, 64, 32, 7}}) {
                torch::manual_seed(batch + threads);
                const auto x0 = torch::randn({batch, w}), r0 = torch::randn({batch, k}), c0 = torch::randn({k, w * w});
                auto x = x0.clone().requires_grad_(true), r = r0.clone().requires_grad_(true),
                     core = c0.clone().requires_grad_(true);
                auto out = maskedQueryCoreProduct(x, r, core, 4242, 0.4, offset);
                auto upstream = torch::randn({batch, w});
                (out * upstream).sum().backward();

                auto x2 = x0.clone().requires_grad_(true), r2 = r0.clone().requires_grad_(true),
                     core2 = c0.clone().requires_grad_(true);
                const auto matrices = differentiableGemm(r2, core2).view({batch, w, w});
                auto expected = maskedCoreProduct(x2, matrices, torch::arange(batch), 4242, 0.4, offset);
                (expected * upstream).sum().backward();
                const QString where = QStringLiteral("%1 threads, %2×%3").arg(threads).arg(batch).arg(w);
                QVERIFY2(torch::equal(out, expected), qPrintable(where));
                QVERIFY2(torch::equal(x.grad(), x2.grad()), qPrintable(where)); // the same rows, the same sums
                QVERIFY2(torch::allclose(r.grad(), r2.grad(), 1e-4, 1e-4), qPrintable(where));
                QVERIFY2(torch::allclose(core.grad(), core2.grad(), 1e-4, 1e-4), qPrintable(where));
                QVERIFY2(r.grad().abs().sum().item<double>() > 0, qPrintable(where));
            }
        }
    }

    // Told which dropout formed x, both masked core products skip the elements it dropped in
    // their backward pass: the output and every gradient keep their values exactly (zeros may
    // change sign), on one thread and two, with a row offset. An element of x that is 0 but was
    // kept (here set to 0 before the dropout) still gets its gradient.
    void maskedCoreSkipsWhatTheInputDropoutDropped()
    {
        const int threadsBefore = at::get_num_threads();
        const auto restore = qScopeGuard([threadsBefore] { at::set_num_threads(threadsBefore); });
        const InputDropout inputDropout{0.3, 9090};
        for (int threads : {1, 2}) {
            at::set_num_threads(threads);
            for (const auto &[batch, w, offset] : {std::tuple<int64_t, int64_t, int64_t>{40, 13, 0}, {300, 64, 5}}) {
                const QString where = QStringLiteral("%1 threads, %2×%3").arg(threads).arg(batch).arg(w);
                torch::manual_seed(batch + threads);
                auto e0 = torch::randn({batch, w});
                // A kept element made 0: the first one the mask keeps.
                const auto kept = counterDropout(torch::ones({batch, w}), inputDropout.p, true, inputDropout.stream,
                                                 offset) != 0;
                const auto firstKept = kept.flatten().nonzero()[0].item<int64_t>();
                e0.view({-1})[firstKept] = 0.0f;
                const auto m0 = torch::randn({5, w, w}), r0 = torch::randn({batch, 6}), c0 = torch::randn({6, w * w});
                const auto slot = torch::randint(0, 4, {batch}, torch::kLong); // relation 4 has no query
                const auto upstream = torch::randn({batch, w});

                struct Gradients { torch::Tensor out, entity, matrices, relations, core; };
                auto run = [&](bool query, InputDropout told) {
                    auto e = e0.clone().requires_grad_(true), m = m0.clone().requires_grad_(true),
                         r = r0.clone().requires_grad_(true), c = c0.clone().requires_grad_(true);
                    const auto x = counterDropout(e, inputDropout.p, true, inputDropout.stream, offset);
                    const auto out = query ? maskedQueryCoreProduct(x, r, c, 4242, 0.4, offset, told)
                                           : maskedCoreProduct(x, m, slot, 4242, 0.4, offset, told);
                    (out * upstream).sum().backward();
                    return Gradients{out, e.grad(), query ? torch::Tensor() : m.grad(), query ? r.grad() : torch::Tensor(),
                                     query ? c.grad() : torch::Tensor()};
                };
                const Gradients plain = run(false, {}), skipping = run(false, inputDropout);
                QVERIFY2(torch::equal(plain.out, skipping.out), qPrintable(where));
                QVERIFY2(torch::equal(plain.entity, skipping.entity), qPrintable(where));
                QVERIFY2(torch::equal(plain.matrices, skipping.matrices), qPrintable(where));
                QVERIFY2(torch::equal(skipping.matrices[4], torch::zeros({w, w})), qPrintable(where));
                QVERIFY2(skipping.entity.view({-1})[firstKept].item<float>() != 0.0f, qPrintable(where));
                const double droppedShare = 1.0 - kept.to(torch::kDouble).mean().item<double>();
                QVERIFY2(droppedShare > 0.2 && droppedShare < 0.4, qPrintable(where)); // there were some to skip

                const Gradients plainQuery = run(true, {}), skippingQuery = run(true, inputDropout);
                QVERIFY2(torch::equal(plainQuery.out, skippingQuery.out), qPrintable(where));
                QVERIFY2(torch::equal(plainQuery.entity, skippingQuery.entity), qPrintable(where));
                QVERIFY2(torch::equal(plainQuery.relations, skippingQuery.relations), qPrintable(where));
                QVERIFY2(torch::equal(plainQuery.core, skippingQuery.core), qPrintable(where));
                QVERIFY2(skippingQuery.entity.view({-1})[firstKept].item<float>() != 0.0f, qPrintable(where));
            }
        }
    }

    void maskedCoreZeroesRelationsWithoutQueriesInDirtyMemory()
    {
        installLargeBlockAllocator();
        releaseCachedLargeBlocks();
        torch::manual_seed(4);
        const int64_t relations = 16, w = 128;
        auto x = torch::randn({5, w}, torch::requires_grad());
        auto matrices = torch::randn({relations, w, w}, torch::requires_grad());
        QVERIFY(matrices.nbytes() >= size_t(kLargeBlockBytes));
        auto slot = torch::tensor({0, 7, 7, 2, 0}, torch::kLong); // the other 13 relations have none
        auto out = maskedCoreProduct(x, matrices, slot, 777, 0.3);
        auto upstream = torch::randn({5, w});
        torch::full_like(matrices, std::numeric_limits<float>::quiet_NaN()); // freed at once: cached
        const LargeBlockStatistics before = largeBlockStatistics();
        QVERIFY(before.cachedBytes >= int64_t(matrices.nbytes()));
        const auto gradients = torch::autograd::grad({(out * upstream).sum()}, {matrices});
        QVERIFY2(largeBlockStatistics().reuses > before.reuses, "the gradient did not reuse the NaN-filled block");
        const torch::Tensor gm = gradients[0];
        for (int64_t r = 0; r < relations; ++r) {
            const bool used = r == 0 || r == 2 || r == 7;
            QVERIFY2(used ? !torch::equal(gm[r], torch::zeros({w, w})) : torch::equal(gm[r], torch::zeros({w, w})),
                     qPrintable(QStringLiteral("relation %1").arg(r)));
        }
    }

    void groupedProductIsExact()
    {
        auto x = torch::randn({6, 5}), matrices = torch::randn({2, 5, 5});
        auto slot = torch::tensor({1, 0, 1, 1, 0, 0}, torch::kLong);
        auto expected = x.unsqueeze(1).bmm(matrices.index_select(0, slot)).squeeze(1);
        QVERIFY(torch::allclose(groupedCoreProduct(x, matrices, slot), expected, 1e-5, 1e-6));
    }

    void smoothedBceMatchesDenseFormulation()
    {
        torch::manual_seed(2);
        const int64_t rows = 7, entities = 40, w = 6;
        auto q = torch::randn({rows, w}, torch::requires_grad());
        auto c = torch::randn({entities, w}, torch::requires_grad());
        auto positives = torch::tensor({0 * entities + 3, 0 * entities + 9, 2 * entities + 0, 6 * entities + 39}, torch::kLong);
        torch::Tensor buffer;
        auto loss = smoothedBceScores(q, c, positives, 0.1, buffer);
        loss.backward();

        auto q2 = q.detach().clone().requires_grad_(true), c2 = c.detach().clone().requires_grad_(true);
        auto labels = torch::zeros({rows * entities});
        labels.index_put_({positives}, 1.0);
        labels = labels.view({rows, entities}) * 0.9 + 1.0 / double(entities);
        auto expected = torch::binary_cross_entropy(torch::sigmoid(q2.mm(c2.t())), labels);
        expected.backward();
        QVERIFY2(std::abs(loss.item<double>() - expected.item<double>()) < 1e-5,
                 qPrintable(QStringLiteral("%1 vs %2").arg(loss.item<double>()).arg(expected.item<double>())));
        QVERIFY(torch::allclose(q.grad(), q2.grad(), 1e-4, 1e-6));
        QVERIFY(torch::allclose(c.grad(), c2.grad(), 1e-4, 1e-6));
    }

    void mixtureOfExpertsMatchesBroadcastFormula()
    {
        torch::manual_seed(3);
        auto gates = torch::softmax(torch::randn({37, 3}), 1).requires_grad_(true);
        auto experts = torch::randn({37, 3, 20}).requires_grad_(true);
        auto upstream = torch::randn({37, 20});
        auto mixed = mixExperts(gates, experts);
        (mixed * upstream).sum().backward();
        auto g2 = gates.detach().clone().requires_grad_(true), e2 = experts.detach().clone().requires_grad_(true);
        auto expected = (g2.unsqueeze(2) * e2).sum(1);
        (expected * upstream).sum().backward();
        QVERIFY(torch::allclose(mixed, expected, 1e-5, 1e-6));
        QVERIFY(torch::allclose(gates.grad(), g2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(experts.grad(), e2.grad(), 1e-5, 1e-6));
    }

    // The linear experts' mixture that recomputes E in backward: the same values and the
    // same gradients for gates, x, the stacked W_k and the shift row as plain autograd.
    void mixLinearExpertsMatchesAutograd_data()
    {
        QTest::addColumn<qint64>("rows");
        QTest::newRow("one block") << qint64(41);
        QTest::newRow("several row blocks") << qint64(9001); // blocks of 4,096 rows, the last one short
    }

    void mixLinearExpertsMatchesAutograd()
    {
        QFETCH(qint64, rows);
        torch::manual_seed(11);
        const int64_t n = rows, k = 3, w = 16;
        auto gates = torch::softmax(torch::randn({n, k}), 1).requires_grad_(true);
        auto x = torch::randn({n, w}).requires_grad_(true);
        auto stacked = (torch::randn({k * w, w}) * 0.3).requires_grad_(true);
        auto shift = torch::randn({1, k * w}).requires_grad_(true);
        auto upstream = torch::randn({n, w});
        auto mixed = mixLinearExperts(gates, x, stacked, shift);
        (mixed * upstream).sum().backward();

        auto g2 = gates.detach().clone().requires_grad_(true), x2 = x.detach().clone().requires_grad_(true);
        auto s2 = stacked.detach().clone().requires_grad_(true), b2 = shift.detach().clone().requires_grad_(true);
        auto experts = torch::addmm(b2.neg(), x2, s2.t()).view({n, k, w});
        auto expected = (g2.unsqueeze(2) * experts).sum(1);
        (expected * upstream).sum().backward();
        QVERIFY(torch::allclose(mixed, expected, 1e-5, 1e-5));
        QVERIFY(torch::allclose(gates.grad(), g2.grad(), 1e-4, 1e-4));
        QVERIFY(torch::allclose(x.grad(), x2.grad(), 1e-4, 1e-4));
        QVERIFY(torch::allclose(stacked.grad(), s2.grad(), 1e-4, 1e-4));
        QVERIFY(torch::allclose(shift.grad(), b2.grad(), 1e-4, 1e-4));
        // A fixed input (frozen feature table) gets no gradient and the rest is unchanged.
        auto frozen = x.detach();
        stacked.grad().zero_();
        (mixLinearExperts(gates, frozen, stacked, shift) * upstream).sum().backward();
        QVERIFY(!frozen.grad().defined());
        QVERIFY(torch::allclose(stacked.grad(), s2.grad(), 1e-4, 1e-4));
    }

    void narrowProductMatchesMm_data()
    {
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("columns");
        QTest::newRow("one block, the gates' K") << qint64(41) << qint64(3);
        QTest::newRow("several row blocks, gates and noise") << qint64(9001) << qint64(6); // blocks of 512 rows
        QTest::newRow("widest served") << qint64(700) << qint64(kNarrowMaxColumns);
        QTest::newRow("wider: falls back to mm (checks the routing only)") << qint64(700) << qint64(kNarrowMaxColumns + 1);
    }

    // x·W for a few columns against LibTorch's mm: the product and both gradients, and a fixed
    // x (a frozen feature table) that gets none.
    void narrowProductMatchesMm()
    {
        QFETCH(qint64, rows);
        QFETCH(qint64, columns);
        torch::manual_seed(13);
        const int64_t k = 37; // not a multiple of any vector width
        auto x = torch::randn({rows, k}).requires_grad_(true);
        auto weights = torch::randn({k, columns}).requires_grad_(true);
        auto upstream = torch::randn({rows, columns});
        auto out = narrowProduct(x, weights);
        (out * upstream).sum().backward();

        auto x2 = x.detach().clone().requires_grad_(true), w2 = weights.detach().clone().requires_grad_(true);
        auto expected = x2.mm(w2);
        (expected * upstream).sum().backward();
        QVERIFY(torch::allclose(out, expected, 1e-5, 1e-5));
        QVERIFY(torch::allclose(x.grad(), x2.grad(), 1e-5, 1e-5));
        QVERIFY(torch::allclose(weights.grad(), w2.grad(), 1e-4, 1e-4));

        auto frozen = x.detach();
        weights.grad().zero_();
        (narrowProduct(frozen, weights) * upstream).sum().backward();
        QVERIFY(!frozen.grad().defined());
        QVERIFY(torch::allclose(weights.grad(), w2.grad(), 1e-4, 1e-4));
    }

    // The fused attention over modalities against the stack-softmax-sum it replaces, with
    // every modality and with one absent; gradients for the projections and the vector.
    void attentionFusionMatchesPlainFormula_data()
    {
        QTest::addColumn<bool>("imageAbsent");
        QTest::newRow("three modalities") << false;
        QTest::newRow("image absent") << true;
    }

    void attentionFusionMatchesPlainFormula()
    {
        QFETCH(bool, imageAbsent);
        torch::manual_seed(3);
        const int64_t n = 1300, d = 24; // over two of the backward's row blocks
        std::vector<torch::Tensor> p, q;
        for (int m = 0; m < 3; ++m) {
            auto t = torch::relu(torch::randn({n, d}));
            p.push_back(imageAbsent && m == 1 ? torch::Tensor() : t.clone().requires_grad_(true));
            q.push_back(imageAbsent && m == 1 ? torch::Tensor() : t.clone().requires_grad_(true));
        }
        auto v = torch::randn({1, d}).requires_grad_(true), v2 = v.detach().clone().requires_grad_(true);
        auto upstream = torch::randn({n, d});
        auto fused = attentionFusion(p[0], p[1], p[2], v);
        (fused[0] * upstream).sum().backward();

        std::vector<torch::Tensor> present;
        for (const auto &t : q)
            if (t.defined())
                present.push_back(t);
        auto stack = torch::stack(present, 1);
        auto alpha = torch::softmax(stack.matmul(v2.t()).squeeze(-1), 1);
        auto expected = (alpha.unsqueeze(2) * stack).sum(1);
        (expected * upstream).sum().backward();
        QVERIFY(torch::allclose(fused[0], expected, 1e-5, 1e-5));
        QVERIFY(torch::allclose(fused[1], alpha, 1e-5, 1e-6));
        QVERIFY(!fused[1].requires_grad());
        for (int m = 0; m < 3; ++m) {
            if (!p[m].defined())
                continue;
            QVERIFY(torch::allclose(p[m].grad(), q[m].grad(), 1e-4, 1e-5));
        }
        QVERIFY(torch::allclose(v.grad(), v2.grad(), 1e-3, 1e-4));
    }

    // negatedExp against exp in double: over the whole range it is meant for, at its clamps
    // (beyond which exp leaves float's normal numbers), and for an element wherever it sits in
    // the array (the last few values go through the same code as the rest).
    void negatedExpMatchesExp()
    {
        torch::manual_seed(3);
        const auto x = torch::cat({torch::linspace(-88, 87, 3501), torch::tanh(torch::randn({999})),
                                   torch::tensor({-1000.0f, -88.5f, 87.5f, 1000.0f, 0.0f, -0.0f})});
        const int64_t n = x.numel();
        std::vector<float> out(static_cast<size_t>(n));
        negatedExp(x.data_ptr<float>(), out.data(), n);
        const auto got = torch::from_blob(out.data(), {n}, torch::kFloat).to(torch::kDouble);
        const auto expected = torch::exp(-x.to(torch::kDouble).clamp(-88, 87));
        const double worst = ((got - expected).abs() / expected).max().item<double>();
        QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
        QCOMPARE(out[size_t(n - 6)], out[size_t(n - 5)]); // −1000 and −88.5: e^88
        QCOMPARE(out[size_t(n - 3)], out[size_t(n - 4)]); // 1000 and 87.5: e^−87
        QCOMPARE(out[size_t(n - 2)], 1.0f);
        for (int64_t offset : {1, 5, 15, 16, 17}) {
            for (int64_t length : {int64_t(1), int64_t(7), n - offset}) {
                std::vector<float> part(static_cast<size_t>(length));
                negatedExp(x.data_ptr<float>() + offset, part.data(), length);
                for (int64_t i = 0; i < length; ++i)
                    QCOMPARE(part[size_t(i)], out[size_t(offset + i)]);
            }
        }
    }

    // The fused CLUB bound and log-likelihood against their plain LibTorch expressions: values
    // and the gradients to μ, log-variance and y (both experts' outputs receive the bound's).
    void clubTermsMatchPlainFormulas_data()
    {
        QTest::addColumn<int>("rows");
        QTest::newRow("one row") << 1;
        QTest::newRow("batch") << 37;
    }

    void clubTermsMatchPlainFormulas()
    {
        QFETCH(int, rows);
        torch::manual_seed(21);
        const int64_t n = rows, d = 5;
        auto mu = torch::randn({n, d}).requires_grad_(), logVar = torch::tanh(torch::randn({n, d})).requires_grad_();
        auto y = (torch::randn({n, d}) * 0.7 + 0.3).requires_grad_();
        auto mu2 = mu.detach().clone().requires_grad_(), lv2 = logVar.detach().clone().requires_grad_();
        auto y2 = y.detach().clone().requires_grad_();

        auto bound = clubUpperBound(mu, logVar, y);
        auto precision = torch::exp(-lv2);
        auto positive = -(mu2 - y2).pow(2) * precision / 2;
        auto allSquares = y2.pow(2).sum(0, true) - 2 * mu2 * y2.sum(0, true) + double(n) * mu2.pow(2);
        auto others = (allSquares - (y2 - mu2).pow(2)) / double(std::max<int64_t>(1, n - 1));
        auto expected = (positive.sum(1) + (others * precision / 2).sum(1)).mean();
        QVERIFY2(std::abs(bound.item<double>() - expected.item<double>()) < 1e-4,
                 qPrintable(QStringLiteral("%1 vs %2").arg(bound.item<double>()).arg(expected.item<double>())));
        (bound * 3).backward();
        (expected * 3).backward();
        QVERIFY(torch::allclose(mu.grad(), mu2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(logVar.grad(), lv2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(y.grad(), y2.grad(), 1e-4, 1e-5));

        for (auto *t : {&mu, &logVar, &mu2, &lv2})
            t->mutable_grad() = torch::Tensor();
        auto ll = clubLogLikelihood(mu, logVar, y.detach());
        auto ll2 = (-(mu2 - y2.detach()).pow(2) * torch::exp(-lv2) / 2 - lv2 / 2 - std::log(2 * M_PI) / 2).sum(1).mean();
        QVERIFY(std::abs(ll.item<double>() - ll2.item<double>()) < 1e-4);
        (-ll).backward();
        (-ll2).backward();
        QVERIFY(torch::allclose(mu.grad(), mu2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(logVar.grad(), lv2.grad(), 1e-4, 1e-5));
    }

    // The gates from their logits, one pass each way, against the operators they replace
    // (portable::gateSoftmax: narrows, softplus, multiply, add, divide, softmax): values and the
    // gradients to the logits and the temperature, with and without noise and temperature.
    void gateSoftmaxMatchesTheLayers_data()
    {
        QTest::addColumn<bool>("withNoise");
        QTest::addColumn<bool>("withTemperature");
        QTest::newRow("noise and temperature (queries)") << true << true;
        QTest::newRow("noise (candidates)") << true << false;
        QTest::newRow("temperature") << false << true;
        QTest::newRow("neither (evaluation)") << false << false;
    }

    void gateSoftmaxMatchesTheLayers()
    {
        QFETCH(bool, withNoise);
        QFETCH(bool, withTemperature);
        torch::manual_seed(31);
        const int64_t n = 53, k = 3;
        auto logits = (torch::randn({n, withNoise ? 2 * k : k}) * 3).contiguous();
        const auto noise = withNoise ? torch::randn({n, k}) : torch::Tensor();
        if (withNoise) { // row 0: softplus's linear branch (above its threshold of 20), gates far from saturated
            logits[0].narrow(0, 0, k).zero_();
            logits[0][k] = 20.5f;
            noise[0][0] = 0.05f;
        }
        const auto temperature = withTemperature ? torch::sigmoid(torch::randn({n, 1})) : torch::Tensor();
        auto leaf = [](const torch::Tensor &t) { return t.defined() ? t.clone().requires_grad_() : torch::Tensor(); };
        const auto l1 = leaf(logits), l2 = leaf(logits), t1 = leaf(temperature), t2 = leaf(temperature);
        const auto fused = gateSoftmax(l1, noise, t1, 1e-2);
        const auto plain = portable::gateSoftmax(l2, noise, t2, 1e-2);
        QCOMPARE(fused.sizes(), plain.sizes());
        QVERIFY(torch::allclose(fused, plain, 1e-5, 1e-6));
        QVERIFY(torch::allclose(fused.sum(1), torch::ones({n}), 1e-5, 1e-6));
        const auto weights = torch::randn({n, k});
        (fused * weights).sum().backward();
        (plain * weights).sum().backward();
        QVERIFY(torch::allclose(l1.grad(), l2.grad(), 1e-4, 1e-6));
        if (withNoise) // the noise's logits get a gradient (through softplus)
            QVERIFY(l1.grad().narrow(1, k, k).abs().sum().item<double>() > 0);
        if (withTemperature) {
            QCOMPARE(t1.grad().sizes(), t1.sizes());
            QVERIFY(torch::allclose(t1.grad(), t2.grad(), 1e-4, 1e-6));
        }
    }

    // A fusion head's projection, relu(dropout(x)·Wᵀ + b), as one operator against the layers it
    // replaces (counterDropout, a Linear, a ReLU): the same values and gradients, bit for bit
    // on the CPU kernels (the same products in the same layout).
    // With its products on LibTorch's BLAS, as the layers' are, the fused projection gives the
    // layers' bits; on oneDNN (where this LibTorch has it) their values to rounding.
    void projectReluMatchesTheLayers_data()
    {
        QTest::addColumn<double>("p");
        QTest::addColumn<bool>("training");
        QTest::addColumn<qint64>("rowOffset");
        QTest::addColumn<bool>("blasProducts");
        for (const bool blas : {true, false}) {
            const char *library = blas ? "BLAS" : "engine's products";
            QTest::addRow("dropout, %s", library) << 0.3 << true << qint64(0) << blas;
            QTest::addRow("dropout, rows of a split batch, %s", library) << 0.3 << true << qint64(7) << blas;
            QTest::addRow("no dropout, %s", library) << 0.0 << true << qint64(0) << blas;
            QTest::addRow("evaluation, %s", library) << 0.3 << false << qint64(0) << blas;
        }
    }

    void projectReluMatchesTheLayers()
    {
        QFETCH(double, p);
        QFETCH(bool, training);
        QFETCH(qint64, rowOffset);
        QFETCH(bool, blasProducts);
        forceGemmLibrary(blasProducts ? GemmLibrary::Blas : GemmLibrary::OneDnn);
        const bool sameBits = gemmLibrary() == GemmLibrary::Blas;
        auto same = [&](const torch::Tensor &a, const torch::Tensor &b) {
            return sameBits ? torch::equal(a, b) : torch::allclose(a, b, 1e-5, 1e-6);
        };
        torch::manual_seed(29);
        torch::nn::Linear layer(12, 7);
        const auto x = torch::randn({41, 12}).requires_grad_(), x2 = x.detach().clone().requires_grad_();
        const auto weights = torch::randn({41, 7});
        const auto fused = projectRelu(x, layer->weight, layer->bias, p, training, 77, rowOffset);
        const auto plain = torch::relu(layer(counterDropout(x2, p, training, 77, rowOffset)));
        forceGemmLibrary(GemmLibrary::OneDnn);
        QVERIFY(same(fused, plain));
        QVERIFY(fused.eq(0).any().item<bool>() && fused.gt(0).any().item<bool>()); // the ReLU's both sides
        forceGemmLibrary(blasProducts ? GemmLibrary::Blas : GemmLibrary::OneDnn);
        (fused * weights).sum().backward();
        forceGemmLibrary(GemmLibrary::OneDnn);
        const auto gW = layer->weight.grad().clone(), gB = layer->bias.grad().clone();
        layer->weight.mutable_grad() = torch::Tensor();
        layer->bias.mutable_grad() = torch::Tensor();
        (plain * weights).sum().backward();
        QVERIFY(same(x.grad(), x2.grad()));
        QVERIFY(same(gW, layer->weight.grad()));
        QVERIFY(same(gB, layer->bias.grad()));
        if (p > 0 && training) // the mask reaches the input's gradient: dropped elements get none
            QVERIFY(x.grad().eq(0).sum().item<int64_t>() > 41 * 12 / 10);
    }

    // The engine's products (runtime/Gemm.h) against LibTorch's mm, for every layout the kernels
    // hand it: transposed views, rows longer than their width (narrowed columns), a result that
    // is a view into a wider tensor, accumulation, one row or one column, an empty inner
    // dimension; and where autograd would record the product, LibTorch's mm with its graph.
    void gemmMatchesLibTorchsProduct_data()
    {
        QTest::addColumn<QString>("layout");
        for (const char *layout : {"NN", "NT", "TN", "TT", "NN, wider than a column block", "NT, wider than a column block",
                                   "NN, short, wider than a column block", "TN, short, wider than a column block",
                                   "NT, deep, on one thread", "NT, long inner dimension, few results",
                                   "narrowed operands", "into a view", "accumulate",
                                   "one row", "one column", "empty inner dimension", "with bias"})
            QTest::newRow(layout) << QString::fromLatin1(layout);
    }
    void gemmMatchesLibTorchsProduct()
    {
        QFETCH(QString, layout);
        torch::manual_seed(5);
        const bool transposedA = layout.startsWith(QLatin1String("T")),
                   transposedB = layout.startsWith(QLatin1String("NT")) || layout.startsWith(QLatin1String("TT"));
        // Blocks of columns (see Gemm.cpp): 1,024 for a big product (many rows here), many more
        // for a short one (the TuckER decoders' r·W and rᵀ·∂W): two whole blocks and part of a third.
        const bool wide = layout.contains("column block"), shortRows = layout.contains("short");
        const int64_t m = layout == "one row" ? 1 : wide && !shortRows ? 2048 : 37,
                      k = layout == "empty inner dimension" ? 0
                          : layout.contains("deep")         ? 1500
                          : layout.contains("long inner")   ? 3 * 8192 + 100 // the rows' dot products (Gemm.cpp)
                                                            : 19;
        if (wide) {
            const int64_t block = gemmColumnBlock(m, k);
            QCOMPARE(block % 1024, int64_t(0));
            QVERIFY(shortRows ? block > 1024 : block == 1024);
        }
        const int64_t n = layout == "one column" ? 1 : wide ? 2 * gemmColumnBlock(m, k) + 37 : 23;
        // A short product with a deep inner dimension and B transposed goes swapped on one
        // thread, (bᵀ·aᵀ)ᵀ (see Gemm.cpp): the same product either way.
        const int threads = at::get_num_threads();
        auto restoreThreads = qScopeGuard([threads] { at::set_num_threads(threads); });
        if (layout.contains("one thread"))
            at::set_num_threads(1);
        torch::Tensor a = transposedA ? torch::randn({k, m}).t() : torch::randn({m, k});
        torch::Tensor b = transposedB ? torch::randn({n, k}).t() : torch::randn({k, n});
        if (layout == "narrowed operands") {
            a = torch::randn({m, k + 5}).narrow(1, 2, k);
            b = torch::randn({k, n + 3}).narrow(1, 1, n);
        }
        const torch::Tensor expected = a.mm(b);
        if (layout == "with bias") { // one row as well: the bias itself is never the result
            for (const int64_t rows : {m, int64_t(1)}) {
                const auto bias = torch::randn({n}), kept = bias.clone();
                const auto aRows = a.narrow(0, 0, rows);
                QVERIFY(torch::allclose(gemmWithBias(bias, aRows, b), torch::addmm(bias, aRows, b), 1e-5, 1e-5));
                QVERIFY(torch::equal(bias, kept));
            }
            // Recorded by autograd (a bias of either shape): the same values and the same three
            // gradients as LibTorch's addmm.
            for (const auto &biasShape : {std::vector<int64_t>{n}, std::vector<int64_t>{1, n}}) {
                const auto bias = torch::randn(biasShape), weights = torch::randn({m, n});
                const auto bias1 = bias.clone().requires_grad_(true), bias2 = bias.clone().requires_grad_(true);
                const auto a1 = a.detach().clone().requires_grad_(true), a2 = a.detach().clone().requires_grad_(true);
                const auto b1 = b.detach().clone().requires_grad_(true), b2 = b.detach().clone().requires_grad_(true);
                const auto product = gemmWithBias(bias1, a1, b1);
                QVERIFY(product.requires_grad());
                QVERIFY(torch::allclose(product, torch::addmm(bias, a, b), 1e-5, 1e-5));
                (product * weights).sum().backward();
                (torch::addmm(bias2, a2, b2) * weights).sum().backward();
                QCOMPARE(bias1.grad().sizes(), bias1.sizes());
                QVERIFY(torch::allclose(bias1.grad(), bias2.grad(), 1e-4, 1e-4));
                QVERIFY(torch::allclose(a1.grad(), a2.grad(), 1e-4, 1e-4));
                QVERIFY(torch::allclose(b1.grad(), b2.grad(), 1e-4, 1e-4));
            }
            return;
        }
        if (layout == "into a view" || layout == "accumulate") {
            auto padded = torch::randn({m, n + 4});
            const auto before = padded.clone();
            auto view = padded.narrow(1, 1, n);
            gemmInto(view, a, b, layout == "accumulate");
            const auto want = layout == "accumulate" ? before.narrow(1, 1, n) + expected : expected;
            QVERIFY(torch::allclose(view, want, 1e-5, 1e-5));
            QVERIFY(torch::equal(padded.narrow(1, 0, 1), before.narrow(1, 0, 1))); // the columns beside it
            QVERIFY(torch::equal(padded.narrow(1, n + 1, 3), before.narrow(1, n + 1, 3)));
            return;
        }
        if (layout.contains("long inner")) {
            // Parts of the inner dimension summed in a fixed order: the same bits on one thread.
            const auto twoThreads = gemm(a, b);
            at::set_num_threads(1);
            QVERIFY(torch::equal(gemm(a, b), twoThreads));
            at::set_num_threads(threads);
        }
        auto out = torch::full({m, n}, std::numeric_limits<float>::quiet_NaN()); // every element written
        gemmInto(out, a, b);
        const double tolerance = k > 100 ? 1e-3 : 1e-5; // sums of 1,500 products differ more in rounding
        QVERIFY(torch::allclose(out, expected, tolerance, tolerance));
        QVERIFY(torch::allclose(gemm(a, b), expected, tolerance, tolerance));
        // A product autograd must see keeps its graph; differentiableGemm forms both gradients.
        const auto leaf = a.detach().clone().requires_grad_(true);
        gemm(leaf, b).sum().backward();
        QVERIFY(torch::allclose(leaf.grad(), b.sum(1).unsqueeze(0).expand({m, k}), 1e-4, 1e-4));
        const auto weights = torch::randn({m, n});
        const auto a1 = a.detach().clone().requires_grad_(true), b1 = b.detach().clone().requires_grad_(true);
        const auto a2 = a.detach().clone().requires_grad_(true), b2 = b.detach().clone().requires_grad_(true);
        const auto product = differentiableGemm(a1, b1);
        QVERIFY(torch::allclose(product, expected, tolerance, tolerance));
        (product * weights).sum().backward();
        (a2.mm(b2) * weights).sum().backward();
        if (k > 0) {
            // ∂a sums over n: 92,000 terms of size about 1 in the short wide rows, whose
            // rounding differs by more than 1e-4 between two orders of the same sum.
            const double gradientTolerance = n > 10000 ? 1e-2 : 1e-4;
            QVERIFY(torch::allclose(a1.grad(), a2.grad(), 1e-4, gradientTolerance));
            QVERIFY(torch::allclose(b1.grad(), b2.grad(), 1e-4, 1e-4));
        }
    }

    // Q_θ's fused moments against its two MLPs' own layers: values, and the gradients to every
    // parameter and to x, whether both moments, only the mean or only the log-variance carry a
    // gradient. With the portable kernels forced both sides are the layers.
    void qMomentsMatchTheLayers_data()
    {
        QTest::addColumn<int>("used"); // 3: both moments, 1: the mean only, 2: the log-variance only
        QTest::newRow("both") << 3;
        QTest::newRow("mean only") << 1;
        QTest::newRow("log-variance only") << 2;
    }

    void qMomentsMatchTheLayers()
    {
        QFETCH(int, used);
        torch::manual_seed(23);
        ClubEstimator estimator(6, 5, 18); // 9 hidden units per MLP
        // Biases away from zero, so that the ReLU's mask and every bias gradient matter.
        for (auto &p : estimator->parameters())
            p.data().add_(torch::randn_like(p) * 0.3);
        const auto x = torch::randn({29, 6}).requires_grad_(), x2 = x.detach().clone().requires_grad_();
        const auto weights = torch::randn({29, 5});
        auto loss = [&](const std::pair<torch::Tensor, torch::Tensor> &moments) {
            torch::Tensor total = torch::zeros({});
            if (used & 1)
                total = total + (moments.first * weights).sum();
            if (used & 2)
                total = total + (moments.second * weights.flip(0)).sum();
            return total;
        };
        // Undefined gradients kept undefined: Adam skips those parameters, not zero ones.
        auto takeGradients = [&] {
            std::vector<torch::Tensor> out;
            for (auto &p : estimator->parameters()) {
                out.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
                p.mutable_grad() = torch::Tensor();
            }
            return out;
        };
        const auto fused = estimator->meanAndLogVariance(x);
        const auto plain = estimator->plainMeanAndLogVariance(x2);
        QVERIFY(torch::allclose(fused.first, plain.first, 1e-5, 1e-6));
        QVERIFY(torch::allclose(fused.second, plain.second, 1e-5, 1e-6));
        QVERIFY(fused.second.abs().max().item<double>() < 1.0); // tanh
        loss(fused).backward();
        const auto fusedGradients = takeGradients();
        loss(plain).backward();
        const auto plainGradients = takeGradients();
        int withGradient = 0;
        for (size_t i = 0; i < plainGradients.size(); ++i) {
            QCOMPARE(fusedGradients[i].defined(), plainGradients[i].defined());
            if (!plainGradients[i].defined())
                continue;
            QVERIFY2(torch::allclose(fusedGradients[i], plainGradients[i], 1e-4, 1e-5), qPrintable(QString::number(i)));
            QVERIFY(plainGradients[i].abs().sum().item<double>() > 0);
            ++withGradient;
        }
        QCOMPARE(withGradient, used == 3 ? 8 : 4); // only the used MLP's four parameters otherwise
        QVERIFY(torch::allclose(x.grad(), x2.grad(), 1e-4, 1e-5));
    }

    // The one-pass Adam against LibTorch's: the same parameters after several steps, the
    // same state (so checkpoints stay interchangeable), and parameters without a gradient
    // left alone by both. Shared with a second thread, it gives the same bits as on one.
    void fusedAdamMatchesLibTorchAdam()
    {
        torch::manual_seed(5);
        auto a = torch::randn({1000, 37}), b = torch::randn({5}); // a: two chunks of the update
        auto idle = torch::randn({3});
        auto copies = [&] {
            return std::vector<torch::Tensor>{a.clone().requires_grad_(true), b.clone().requires_grad_(true),
                                              idle.clone().requires_grad_(true)};
        };
        std::vector<torch::Tensor> fused = copies(), shared = copies(), plain = copies(), parted = copies();
        FusedAdam fusedOptimiser(fused, torch::optim::AdamOptions(3e-2));
        FusedAdam sharedOptimiser(shared, torch::optim::AdamOptions(3e-2));
        sharedOptimiser.setSecondThread(true);
        // Updated in two parts, each prepared apart and run by two threads at once (as the
        // training step does: the branches' parameters, then the rest through apply()).
        FusedAdam partedOptimiser(parted, torch::optim::AdamOptions(3e-2));
        QVERIFY(partedOptimiser.fusable());
        partedOptimiser.setSecondThread(true);
        torch::optim::Adam plainOptimiser(plain, torch::optim::AdamOptions(3e-2));
        for (int step = 0; step < 5; ++step) {
            auto target = torch::randn({1000, 37});
            for (auto [optimiser, parameters] : {std::pair{&fusedOptimiser, &fused}, std::pair{&sharedOptimiser, &shared}}) {
                optimiser->releaseGradients();
                (((*parameters)[0] - target).pow(2).sum() + (*parameters)[1].pow(3).sum()).backward();
                optimiser->step();
            }
            plainOptimiser.zero_grad();
            ((plain[0] - target).pow(2).sum() + plain[1].pow(3).sum()).backward();
            plainOptimiser.step();
            partedOptimiser.releaseGradients();
            ((parted[0] - target).pow(2).sum() + parted[1].pow(3).sum()).backward();
            for (const std::vector<torch::Tensor> &part : {std::vector<torch::Tensor>{parted[1], parted[2]},
                                                           std::vector<torch::Tensor>{parted[0]}}) {
                AdamUpdate update = partedOptimiser.prepareUpdate(part);
                QCOMPARE(update.elements(), part.size() == 1 ? int64_t(1000 * 37) : int64_t(5)); // not the idle one
                partedOptimiser.apply(update); // the big part's two chunks on two threads
            }
        }
        for (size_t i = 0; i < fused.size(); ++i)
            QVERIFY2(torch::equal(parted[i], fused[i]), qPrintable(QStringLiteral("parameter %1 in parts").arg(i)));
        QVERIFY(torch::allclose(fused[0], plain[0], 1e-5, 1e-6));
        QVERIFY(torch::allclose(fused[1], plain[1], 1e-5, 1e-6));
        QVERIFY(!torch::equal(fused[0], a)); // it did move
        QVERIFY(torch::equal(fused[2], idle));
        QVERIFY(torch::equal(plain[2], idle));
        for (size_t i = 0; i < fused.size(); ++i)
            QVERIFY2(torch::equal(shared[i], fused[i]), qPrintable(QStringLiteral("parameter %1").arg(i)));
        // Its state is Adam's: a LibTorch Adam loaded from it continues identically.
        std::stringstream saved;
        {
            torch::serialize::OutputArchive archive;
            fusedOptimiser.save(archive);
            archive.save_to(saved);
        }
        torch::optim::Adam reloaded(fused, torch::optim::AdamOptions(3e-2));
        torch::serialize::InputArchive input;
        input.load_from(saved);
        reloaded.load(input);
        auto &state = static_cast<torch::optim::AdamParamState &>(
            *reloaded.state().at(adamStateKey(reloaded.state(), fused[0])));
        QCOMPARE(state.step(), int64_t(5));
        QVERIFY(state.exp_avg().abs().sum().item<double>() > 0);
    }

    void fastSigmoidAndDropout()
    {
        auto z = torch::linspace(-30, 30, 100001).view({1, -1}).contiguous();
        torch::Tensor out;
        meanSigmoid({z, z * 0.5}, out);
        auto expected = (torch::sigmoid(z) + torch::sigmoid(z * 0.5)) / 2;
        QVERIFY((out - expected).abs().max().item<float>() < 1e-6);
        // The row form used by evaluation gives the same decision, three decoders at once.
        auto third = (z * -0.25).contiguous(), half = (z * 0.5).contiguous();
        const float *rows[] = {z.data_ptr<float>(), half.data_ptr<float>(), third.data_ptr<float>()};
        std::vector<float> row(size_t(z.numel()));
        meanSigmoidRow(rows, 3, z.numel(), row.data());
        auto expectedRow = (torch::sigmoid(z) + torch::sigmoid(half) + torch::sigmoid(third)) / 3;
        QVERIFY((torch::from_blob(row.data(), {1, z.numel()}) - expectedRow).abs().max().item<float>() < 1e-6);
        auto x = torch::ones({1000, 100});
        auto dropped = counterDropout(x, 0.25, true, 99);
        const double keptFraction = (dropped > 0).to(torch::kFloat).mean().item<double>();
        QVERIFY(std::abs(keptFraction - 0.75) < 0.01);
        QVERIFY(torch::allclose(dropped.masked_select(dropped > 0), torch::full({1}, 1.0 / 0.75)));
        QVERIFY(torch::equal(dropped, counterDropout(x, 0.25, true, 99)));   // a stream replays exactly
        QVERIFY(!torch::equal(dropped, counterDropout(x, 0.25, true, 100))); // another stream differs
        QVERIFY(torch::equal(counterDropout(x, 0.25, false, 99), x));
        // The backward pass regenerates the same mask: the gradient is the mask itself.
        auto leaf = torch::full({1000, 100}, 2.0f).requires_grad_(true);
        counterDropout(leaf, 0.25, true, 99).sum().backward();
        QVERIFY(torch::equal(leaf.grad(), dropped));
    }

    // The kernels split their loops among LibTorch's intra-op threads; every value and every
    // gradient they produce is the same bit for bit on one thread and on three (masks keyed by
    // element, not by thread; partial sums over fixed blocks, added in a fixed order). The
    // sizes span several of each kernel's chunks or row blocks, so three threads share them.
    // The CPU kernels are what is checked here, in both runs of the suite.
    void kernelsGiveTheSameBitsOnAnyThreadCount()
    {
        const int before = at::get_num_threads();
        setPortableKernelsForced(false);
        auto run = [](int threads) {
            at::set_num_threads(threads);
            torch::manual_seed(31);
            std::vector<torch::Tensor> out;
            auto keep = [&](const torch::Tensor &t) { out.push_back(t.detach().clone()); };

            const int64_t batch = 200, w = 24; // the masked core product: rows, and (relation, row) tasks
            auto x = torch::randn({batch, w}, torch::requires_grad());
            auto matrices = torch::randn({5, w, w}, torch::requires_grad());
            auto slot = torch::randint(5, {batch}, torch::kLong);
            auto core = maskedCoreProduct(x, matrices, slot, 77, 0.4);
            (core * torch::randn({batch, w})).sum().backward();
            keep(core), keep(x.grad()), keep(matrices.grad());

            const int64_t n = 9001, k = 3, e = 16; // several 4,096-row blocks of 64-row tasks
            auto gates = torch::softmax(torch::randn({n, k}), 1).requires_grad_(true);
            auto rows = torch::randn({n, e}).requires_grad_(true);
            auto stacked = (torch::randn({k * e, e}) * 0.3).requires_grad_(true);
            auto shift = torch::randn({1, k * e}).requires_grad_(true);
            auto mixed = mixLinearExperts(gates, rows, stacked, shift);
            auto experts = torch::randn({n, k, e}).requires_grad_(true);
            auto plainMix = mixExperts(gates, experts);
            ((mixed + plainMix) * torch::randn({n, e})).sum().backward();
            for (const auto &t : {mixed, plainMix, gates.grad(), rows.grad(), stacked.grad(), shift.grad(), experts.grad()})
                keep(t);

            auto narrowX = torch::randn({n, e}).requires_grad_(true); // the gates' logits: 18 blocks of 512 rows
            auto narrowWeights = torch::randn({e, 2 * k}).requires_grad_(true);
            auto logitsOut = narrowProduct(narrowX, narrowWeights);
            (logitsOut * torch::randn({n, 2 * k})).sum().backward();
            for (const auto &t : {logitsOut, narrowX.grad(), narrowWeights.grad()})
                keep(t);

            std::vector<torch::Tensor> p; // the fused attention: 18 backward blocks of 512 rows
            for (int m = 0; m < 3; ++m)
                p.push_back(torch::relu(torch::randn({n, e})).requires_grad_(true));
            auto v = torch::randn({1, e}).requires_grad_(true);
            auto fused = attentionFusion(p[0], p[1], p[2], v);
            (fused[0] * torch::randn({n, e})).sum().backward();
            for (const auto &t : {fused[0], fused[1], p[0].grad(), p[1].grad(), p[2].grad(), v.grad()})
                keep(t);

            auto wide = torch::randn({700, 1000}).requires_grad_(true); // counter dropout: 11 chunks
            auto dropped = counterDropout(wide, 0.3, true, 5);
            (dropped * 2).sum().backward();
            keep(dropped), keep(wide.grad());

            auto logits = torch::randn({700, 1000}); // the loss: 11 chunks of partial sums
            auto positives = torch::randint(700 * 1000, {300}, torch::kLong);
            keep(torch::tensor(smoothedBceInPlace(logits, positives, 0.1, 0.9, 1.0 / 7e5), torch::kDouble));
            keep(logits);
            torch::Tensor decision;
            meanSigmoid({torch::randn({700, 1000}), torch::randn({700, 1000})}, decision);
            keep(decision);

            auto mu = torch::randn({300, 40}).requires_grad_(true); // the CLUB terms: 5 column ranges
            auto logVar = torch::tanh(torch::randn({300, 40})).requires_grad_(true);
            auto y = torch::randn({300, 40}).requires_grad_(true);
            auto bound = clubUpperBound(mu, logVar, y), likelihood = clubLogLikelihood(mu, logVar, y.detach());
            (bound * 3 - likelihood).backward();
            for (const auto &t : {bound, likelihood, mu.grad(), logVar.grad(), y.grad()})
                keep(t);

            auto gateLogits = torch::randn({5000, 6}).requires_grad_(true); // the gates: 5 row ranges
            auto temperature = torch::sigmoid(torch::randn({5000, 1})).requires_grad_(true);
            auto softGates = gateSoftmax(gateLogits, torch::randn({5000, 3}), temperature, 1e-2);
            (softGates * torch::randn({5000, 3})).sum().backward();
            for (const auto &t : {softGates, gateLogits.grad(), temperature.grad()})
                keep(t);

            auto parameter = torch::randn({300000}).requires_grad_(true); // Adam: 10 chunks
            FusedAdam adam({parameter}, torch::optim::AdamOptions(1e-2));
            for (int step = 0; step < 3; ++step) {
                adam.releaseGradients();
                (parameter * torch::randn({300000})).sum().backward();
                adam.step();
            }
            keep(parameter);
            return out;
        };
        const auto one = run(1), three = run(3);
        at::set_num_threads(before);
        setPortableKernelsForced(qgetenv("MOMOK_PORTABLE_KERNELS") == "1");
        QCOMPARE(one.size(), three.size());
        // Some results pass through BLAS products as well (the experts' weight gradient, for
        // one). OpenBLAS, the project's BLAS, splits a product among threads by rows and
        // columns, so those too are the same bits; MKL (inside PyTorch's own LibTorch) also
        // splits the inner dimension, so there they agree to rounding only: to 1e-4 of the
        // result's largest magnitude (sums of thousands of float terms in another order).
        const bool blasBitsIndependentOfThreads = currentComputeInfo().blasName.startsWith("OpenBLAS");
        for (size_t i = 0; i < one.size(); ++i) {
            if (blasBitsIndependentOfThreads) {
                QVERIFY2(torch::equal(one[i], three[i]), qPrintable(QStringLiteral("result %1 differs").arg(i)));
            } else {
                const double scale = one[i].abs().max().item<double>();
                const double apart = (one[i] - three[i]).abs().max().item<double>();
                QVERIFY2(apart <= 1e-4 * scale, qPrintable(QStringLiteral("result %1 differs beyond rounding (%2): %3 of %4")
                                                              .arg(i).arg(currentComputeInfo().blasName).arg(apart).arg(scale)));
            }
        }
    }

    // A process's share of a batch split across processes (rows r0… of the whole, given
    // rowOffset r0) gets exactly those rows of the whole batch's masks, in both passes; the
    // split falls inside a 65,536-element chunk of the mask's counter on purpose.
    void masksOfAShareAreTheWholeBatchsRows()
    {
        torch::manual_seed(5);
        const int64_t rows = 1000, width = 100, first = 337, count = 401;
        auto whole = torch::randn({rows, width});
        auto share = whole.narrow(0, first, count).contiguous();
        QVERIFY(torch::equal(counterDropout(share, 0.3, true, 42, first), counterDropout(whole, 0.3, true, 42).narrow(0, first, count)));
        auto leaf = share.clone().requires_grad_(true);
        counterDropout(leaf, 0.3, true, 42, first).sum().backward();
        auto wholeLeaf = whole.clone().requires_grad_(true);
        counterDropout(wholeLeaf, 0.3, true, 42).sum().backward();
        QVERIFY(torch::equal(leaf.grad(), wholeLeaf.grad().narrow(0, first, count)));

        const int64_t w = 16, batch = 40, from = 13, taken = 17;
        auto x = torch::randn({batch, w});
        auto matrices = torch::randn({3, w, w});
        auto slot = torch::randint(0, 3, {batch}, torch::kLong);
        auto xs = x.narrow(0, from, taken).contiguous().requires_grad_(true);
        auto ms = matrices.clone().requires_grad_(true);
        auto partial = maskedCoreProduct(xs, ms, slot.narrow(0, from, taken).contiguous(), 77, 0.4, from);
        auto xw = x.clone().requires_grad_(true);
        auto mw = matrices.clone().requires_grad_(true);
        auto full = maskedCoreProduct(xw, mw, slot, 77, 0.4);
        QVERIFY(torch::equal(partial, full.narrow(0, from, taken)));
        auto upstream = torch::randn({taken, w});
        partial.backward(upstream);
        full.backward(torch::zeros({batch, w}).index_copy(0, torch::arange(from, from + taken), upstream));
        QVERIFY(torch::equal(xs.grad(), xw.grad().narrow(0, from, taken)));
        QVERIFY(torch::allclose(ms.grad(), mw.grad(), 1e-5, 1e-6));
    }
    // Whichever path the environment chose, the device-generic one drops exactly what the CPU
    // kernels drop: the same counter-keyed masks bit for bit, across a 65,536-element chunk of
    // the counter and with a row offset (a process's share of a batch).
    void portablePathDropsWhatTheCpuKernelsDrop()
    {
        torch::manual_seed(9);
        auto x = torch::randn({700, 130}); // 91,000 elements: two chunks of the counter
        const int64_t offset = 5;
        auto onPath = [](bool portable, const std::function<torch::Tensor()> &f) {
            setPortableKernelsForced(portable);
            auto result = f();
            setPortableKernelsForced(qgetenv("MOMOK_PORTABLE_KERNELS") == "1");
            return result;
        };
        auto dropout = [&] { return counterDropout(x, 0.3, true, 42, offset); };
        const auto cpu = onPath(false, dropout), portable = onPath(true, dropout);
        QVERIFY(torch::equal(cpu, portable));
        QVERIFY(!torch::equal(cpu, x));

        const int64_t batch = 23, w = 17;
        auto slot = torch::randint(0, 4, {batch}, torch::kLong);
        const auto masks = maskedCoreMasks(slot, w, 77, 0.4, offset);
        QVERIFY(torch::equal(masks, portable::coreKeepMasks(batch, w, 77, 0.4, offset, torch::kCPU).to(torch::kFloat)));
        auto input = torch::randn({batch, w}), matrices = torch::randn({4, w, w});
        auto product = [&] { return maskedCoreProduct(input, matrices, slot, 77, 0.4, offset); };
        QVERIFY(torch::allclose(onPath(false, product), onPath(true, product), 1e-5, 1e-5));

        // The whole decoder in training, with per-query masks and with one mask per relation
        // (--shared-relation-mask, whose masks the generic path builds on the tensors' device).
        TuckerDecoder decoder(w, 6, 0.2, 0.4, 0.3);
        decoder->train();
        auto relations = torch::randn({4, 6});
        for (const bool shared : {false, true}) {
            auto forward = [&] { return decoder->forward(input, relations, slot, 91, shared, offset); };
            const auto viaKernels = onPath(false, forward), viaPortable = onPath(true, forward);
            QVERIFY2(torch::allclose(viaKernels, viaPortable, 1e-5, 1e-5), shared ? "shared mask" : "per-query masks");
        }
        const auto perQuery = decoder->forward(input, relations, slot, 91, false, offset);
        QVERIFY(!torch::allclose(perQuery, decoder->forward(input, relations, slot, 91, true, offset)));
    }
};

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
