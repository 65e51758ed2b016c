// Shapes through every module, gate behaviour, ablation switches and the CLUB estimator.
#include "model/ClubEstimator.h"
#include "model/ExpertAdaptor.h"
#include "model/ModalityFusion.h"
#include "model/MoMoKModel.h"
#include "model/TuckerDecoder.h"
#include "model/SmoothedBceLoss.h"
#include "train/BranchedStep.h"

#include <QtTest>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

using namespace momok;

namespace {

ModelConfig smallConfig()
{
    ModelConfig c;
    c.dim = 16;
    c.relationDim = 8;
    c.maxFeatureWidth = 12;
    c.experts = 3;
    return c;
}

int64_t parameterCount(torch::nn::Module &m)
{
    int64_t n = 0;
    for (const auto &p : m.parameters())
        n += p.numel();
    return n;
}

bool hasParameter(torch::nn::Module &m, const std::string &fragment)
{
    for (const auto &item : m.named_parameters())
        if (item.key().find(fragment) != std::string::npos)
            return true;
    return false;
}

MoMoKModel makeModel(const ModelConfig &c, int64_t entities = 30, int64_t relations = 4)
{
    torch::manual_seed(1);
    auto image = prepareFeatures(torch::randn({entities, 40}), c.maxFeatureWidth);
    auto text = prepareFeatures(torch::randn({entities, 20}), c.maxFeatureWidth);
    return MoMoKModel(c, entities, relations, image, text);
}

double entropy(const torch::Tensor &gates)
{
    return -(gates * gates.clamp_min(1e-12).log()).sum(1).mean().item<double>();
}

} // namespace

class TestModelModules : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void featuresArePooledAndNormalised()
    {
        auto f = prepareFeatures(torch::randn({5, 40}) * 7, 12);
        QCOMPARE(f.size(1), int64_t(12));
        auto narrow = prepareFeatures(torch::randn({5, 8}) * 3, 12);
        QCOMPARE(narrow.size(1), int64_t(8));
        QVERIFY(torch::allclose(narrow.norm(2, 1), torch::ones({5}), 1e-5, 1e-5));
    }

    void adaptorShapesAndGates()
    {
        torch::manual_seed(2);
        ExpertAdaptor adaptor(10, 4, 0.0, true);
        torch::nn::init::normal_(adaptor->gateWeights, 0, 1);
        auto x = torch::randn({7, 10});
        auto out = adaptor->forward(x, {}, {});
        QCOMPARE(out.mixed.sizes(), (torch::IntArrayRef{7, 10}));
        QCOMPARE(out.experts.sizes(), (torch::IntArrayRef{7, 4, 10}));
        QCOMPARE(out.gates.sizes(), (torch::IntArrayRef{7, 4}));
        QVERIFY(torch::allclose(out.gates.sum(1), torch::ones({7}), 1e-6, 1e-6));
        // The mixture is the gate-weighted sum of the experts, each W_k·(x − b_k).
        auto expected = (out.gates.unsqueeze(2) * out.experts).sum(1);
        QVERIFY(torch::allclose(out.mixed, expected, 1e-5, 1e-6));
        auto expert2 = (x - adaptor->shifts[2]).mm(adaptor->weights[2].t());
        QVERIFY(torch::allclose(out.experts.select(1, 2), expert2, 1e-5, 1e-6));
    }

    void gatesSharpenAsTemperatureFalls()
    {
        torch::manual_seed(3);
        ExpertAdaptor adaptor(10, 3, 0.0, false);
        torch::nn::init::normal_(adaptor->gateWeights, 0, 1);
        auto x = torch::randn({50, 10});
        double previous = 1e9;
        for (double t : {1.0, 0.7, 0.4, 0.1}) {
            auto gates = adaptor->forward(x, torch::full({50, 1}, t), {}).gates;
            QVERIFY(torch::allclose(gates.sum(1), torch::ones({50}), 1e-6, 1e-6));
            const double h = entropy(gates);
            QVERIFY2(h < previous, qPrintable(QStringLiteral("entropy %1 at temperature %2").arg(h).arg(t)));
            previous = h;
        }
    }

    void gateNoiseOnlyWhileTraining()
    {
        torch::manual_seed(4);
        ExpertAdaptor adaptor(6, 3, 0.0, true);
        auto x = torch::randn({5, 6});
        auto clean = adaptor->forward(x, {}, {}).gates;
        auto noisy = adaptor->forward(x, {}, torch::randn({5, 3})).gates;
        QVERIFY(!torch::allclose(clean, noisy));
        ExpertAdaptor silent(6, 3, 0.0, false);
        QVERIFY(!hasParameter(*silent, "noise_weights"));
        QVERIFY(torch::allclose(silent->forward(x, {}, {}).gates, silent->forward(x, {}, torch::randn({5, 3})).gates));
    }

    void decoderShapes()
    {
        TuckerDecoder decoder(12, 8, 0.3, 0.4, 0.5);
        QCOMPARE(decoder->core.sizes(), (torch::IntArrayRef{8, 12, 12}));
        auto slot = torch::tensor({0, 1, 1, 0, 2}, torch::kLong);
        auto out = decoder->forward(torch::randn({5, 12}), torch::randn({3, 8}), slot, 42);
        QCOMPARE(out.sizes(), (torch::IntArrayRef{5, 12}));
        decoder->eval();
        // Without dropout each query's output is BN(e)·(r·W) exactly.
        auto e = torch::randn({5, 12}), r = torch::randn({3, 8});
        auto got = decoder->forward(e, r, slot, 0);
        QCOMPARE(got.sizes(), (torch::IntArrayRef{5, 12}));
    }

    void fusionShapesAndAblation()
    {
        ModalityFusion adaptive(std::array<int64_t, 3>{16, 12, 10}, 16, 2, 0.2, true);
        ModalityFusion uniform(std::array<int64_t, 3>{16, 12, 10}, 16, 2, 0.2, false);
        QVERIFY(hasParameter(*adaptive, "attention"));
        QVERIFY(!hasParameter(*uniform, "attention"));
        adaptive->eval();
        uniform->eval();
        torch::Tensor weights;
        auto s = torch::randn({4, 16}), i = torch::randn({4, 12}), t = torch::randn({4, 10});
        auto out = adaptive->forward(s, i, t, 0, &weights);
        QCOMPARE(out.sizes(), (torch::IntArrayRef{4, 16}));
        QCOMPARE(weights.sizes(), (torch::IntArrayRef{4, 3}));
        QVERIFY(torch::allclose(weights.sum(1), torch::ones({4}), 1e-6, 1e-6));
        uniform->forward(s, i, t, 0, &weights);
        QVERIFY(torch::allclose(weights, torch::full({4, 3}, 1.0 / 3.0)));
    }

    void modelShapes()
    {
        const ModelConfig c = smallConfig();
        MoMoKModel model = makeModel(c);
        QCOMPARE(int(model->activeDecoders().size()), 4);
        model->train();
        auto candidates = model->candidates(0);
        QCOMPARE(candidates.matrices[int(Decoder::Structure)].sizes(), (torch::IntArrayRef{30, 16}));
        QCOMPARE(candidates.matrices[int(Decoder::Image)].sizes(), (torch::IntArrayRef{30, 12}));
        QCOMPARE(candidates.matrices[int(Decoder::Text)].sizes(), (torch::IntArrayRef{30, 12}));
        QCOMPARE(candidates.matrices[int(Decoder::Joint)].sizes(), (torch::IntArrayRef{30, 16}));
        auto out = model->forward(torch::tensor({0, 5, 7}, torch::kLong), torch::tensor({1, 6, 1}, torch::kLong), 3);
        for (int d = 0; d < kScoringDecoderCount; ++d)
            QCOMPARE(out.vectors[size_t(d)].size(0), int64_t(3));
        QCOMPARE(out.adaptors[int(Modality::Image)].experts.sizes(), (torch::IntArrayRef{3, 3, 12}));
        QCOMPARE(out.adaptors[int(Modality::Text)].gates.sizes(), (torch::IntArrayRef{3, 3}));
    }

    void ablationsRemoveTheirPart()
    {
        const ModelConfig full = smallConfig();
        MoMoKModel reference = makeModel(full);
        const int64_t fullCount = parameterCount(*reference);
        QVERIFY(hasParameter(*reference, "relation_temperature"));
        QVERIFY(hasParameter(*reference, "noise_weights"));
        QVERIFY(hasParameter(*reference, "_club."));
        QVERIFY(hasParameter(*reference, "entity_fusion.attention"));
        QVERIFY(hasParameter(*reference, "joint_decoder"));

        QStringList failures;
        auto without = [&](auto change, const char *gone) -> MoMoKModel {
            ModelConfig c = full;
            change(c);
            MoMoKModel m = makeModel(c);
            if (hasParameter(*m, gone) || parameterCount(*m) >= fullCount)
                failures << QString::fromLatin1(gone);
            return m;
        };
        without([](ModelConfig &c) { c.relationTemperature = false; }, "relation_temperature");
        without([](ModelConfig &c) { c.gateNoise = false; }, "noise_weights");
        without([](ModelConfig &c) { c.exid = false; }, "_club.");
        without([](ModelConfig &c) { c.adaptiveFusion = false; }, "entity_fusion.attention");
        auto noJoint = without([](ModelConfig &c) { c.jointTraining = false; }, "joint_decoder");
        QCOMPARE(int(noJoint->activeDecoders().size()), 3);
        auto structureOnly = without([](ModelConfig &c) { c.useImage = c.useText = c.useJoint = false; }, "image_");
        QVERIFY(!hasParameter(*structureOnly, "text_"));
        QCOMPARE(structureOnly->activeDecoders(), std::vector<int>{int(Decoder::Structure)});
        auto jointOnly = without([](ModelConfig &c) { c.useStructure = c.useImage = c.useText = false; }, "structure_decoder");
        QCOMPARE(jointOnly->activeDecoders(), std::vector<int>{int(Decoder::Joint)});
        QVERIFY(hasParameter(*jointOnly, "image_experts")); // fusion still needs every modality
        QVERIFY2(failures.isEmpty(), qPrintable("switches that did not remove their part: " + failures.join(", ")));

        ModelConfig five = full;
        five.experts = 5;
        MoMoKModel more = makeModel(five);
        QVERIFY(parameterCount(*more) > fullCount);
        more->eval();
        auto out = more->forward(torch::tensor({1}, torch::kLong), torch::tensor({2}, torch::kLong));
        QCOMPARE(out.adaptors[int(Modality::Structure)].gates.size(1), int64_t(5));

        // Outputs change with the switch: ε_r reshapes the gates of a query.
        ModelConfig noTemperature = full;
        noTemperature.relationTemperature = false;
        MoMoKModel a = makeModel(full), b = makeModel(noTemperature);
        for (auto *m : {&a, &b}) {
            (*m)->eval();
            torch::NoGradGuard g;
            for (auto &item : (*m)->named_parameters())
                if (item.key().find("gate_weights") != std::string::npos)
                    item.value().normal_(0, 1);
        }
        auto ga = a->forward(torch::tensor({3}, torch::kLong), torch::tensor({1}, torch::kLong)).adaptors[int(Modality::Image)].gates;
        auto gb = b->forward(torch::tensor({3}, torch::kLong), torch::tensor({1}, torch::kLong)).adaptors[int(Modality::Image)].gates;
        QVERIFY(!torch::allclose(ga, gb, 1e-4, 1e-4));
    }

    void theBranchedStepHasTheOneGraphsGradients()
    {
        // The training step cuts its graph at the adaptors' outputs (train/BranchedStep.h) and
        // runs the modality decoders and the joint decoder on two threads: the same losses to
        // the bit, and one graph's gradients up to the order in which two are added.
        ModelConfig c = smallConfig();
        c.inputDropout = c.hiddenDropout = c.outputDropout = 0.2;
        c.expertDropout = 0.1;
        MoMoKModel model = makeModel(c);
        model->train();
        const auto entities = torch::tensor({0, 3, 5, 7, 9, 11, 2, 4, 28, 17}, torch::kLong);
        const auto relations = torch::tensor({0, 1, 2, 3, 0, 1, 5, 6, 7, 5}, torch::kLong);
        const auto labels = torch::tensor({1, 30 + 4, 2 * 30 + 6, 5 * 30 + 29, 9 * 30 + 0}, torch::kLong);
        const uint64_t step = 7;
        torch::Tensor buffer, jointBuffer;
        auto bce = [&](const torch::Tensor &q, const torch::Tensor &cand, torch::Tensor &buf) {
            return smoothedBceScores(q, cand, labels, 0.1, buf);
        };
        auto experts = [](const torch::Tensor &e) { return 0.01 * e.pow(2).mean(); }; // stands in for the CLUB bound
        auto takeGradients = [&] {
            std::vector<torch::Tensor> out;
            for (auto &p : model->parameters()) {
                out.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
                p.mutable_grad() = torch::Tensor();
            }
            return out;
        };

        // One graph.
        torch::manual_seed(5); // the gate noise
        const CandidateMatrices candidates = model->candidates(step);
        const QueryOutput out = model->forward(entities, relations, step);
        std::array<torch::Tensor, kScoringDecoderCount> oneGraphLoss;
        torch::Tensor total;
        for (int d : model->activeDecoders()) {
            oneGraphLoss[size_t(d)] = bce(out.vectors[size_t(d)], candidates.matrices[size_t(d)], buffer);
            total = total.defined() ? total + oneGraphLoss[size_t(d)] : oneGraphLoss[size_t(d)];
        }
        for (const auto &a : out.adaptors)
            total = total + experts(a.experts);
        total.backward();
        const auto oneGraph = takeGradients();

        // Branched, the joint branch on another thread, and the adaptors a modality at a time,
        // the last one on another thread.
        torch::manual_seed(5);
        const StepAdaptors adaptors = runAdaptors(model, entities, relations, step, true);
        const auto &mixed = adaptors.candidates;
        const QueryAdaptors &query = adaptors.query;
        QVERIFY(adaptors.temperature.defined()); // shared by the modalities: each has a copy
        const BranchInputs m = detachedBranchInputs(mixed, query, {true, true, true});
        const BranchInputs j = detachedBranchInputs(mixed, query, {});
        std::array<torch::Tensor, kScoringDecoderCount> branchedLoss;
        runBranches(
            true,
            [&] {
                torch::Tensor loss;
                for (Modality modality : kModalities) {
                    const size_t i = size_t(modality);
                    const auto vectors = model->decodeModality(int(modality), m.queries[i], m.relations[i], query.slot, step);
                    branchedLoss[i] = bce(vectors, m.candidates[i], buffer);
                    loss = (loss.defined() ? loss + branchedLoss[i] : branchedLoss[i]) + experts(m.experts[i]);
                }
                loss.backward();
            },
            [&] {
                const auto vectors = model->decodeJoint(j.queries, j.relations, query.slot, step);
                auto &loss = branchedLoss[int(Decoder::Joint)];
                loss = bce(vectors, model->fuseCandidates(j.candidates, step), jointBuffer);
                loss.backward();
            });
        backwardThroughAdaptors(adaptors, m, j, true);
        const auto branched = takeGradients();

        for (int d : model->activeDecoders())
            QCOMPARE(branchedLoss[size_t(d)].item<float>(), oneGraphLoss[size_t(d)].item<float>());
        QCOMPARE(branched.size(), oneGraph.size());
        int compared = 0;
        for (size_t i = 0; i < oneGraph.size(); ++i) {
            QCOMPARE(branched[i].defined(), oneGraph[i].defined());
            if (!oneGraph[i].defined())
                continue;
            const double scale = oneGraph[i].abs().max().item<double>();
            const double gap = (branched[i] - oneGraph[i]).abs().max().item<double>();
            QVERIFY2(gap <= 1e-5 * std::max(scale, 1e-3), qPrintable(QStringLiteral("parameter %1: %2 of %3").arg(i).arg(gap).arg(scale)));
            ++compared;
        }
        QVERIFY(compared > 30); // every module's parameters, the fixed feature tables aside
    }

    void aBranchThatThrowsIsReportedAfterBothEnded()
    {
        std::atomic<bool> secondEnded{false};
        bool thrown = false;
        try {
            runBranches(
                true, [] { throw std::runtime_error("first"); },
                [&] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    secondEnded = true;
                });
        } catch (const std::runtime_error &e) {
            thrown = QByteArray(e.what()) == "first";
            QVERIFY(secondEnded.load());
        }
        QVERIFY(thrown);
        thrown = false;
        try {
            runBranches(true, [] {}, [] { throw std::runtime_error("second"); });
        } catch (const std::runtime_error &e) {
            thrown = QByteArray(e.what()) == "second";
        }
        QVERIFY(thrown);
    }

    // The second branch runs at once with the first, on another thread, whether that thread
    // was spinning or asleep (a pause longer than its spin); branches that start branches of
    // their own get them at once too (the kept thread is taken: LibTorch's pool runs them);
    // and the caller's grad mode goes with the second branch.
    void branchesRunAtOnceEvenInsideBranches()
    {
        // Returns when `other` has started, or false after 10 s: a pair run one after the
        // other would wait here for ever.
        auto meet = [](std::atomic<int> &mine, const std::atomic<int> &other) {
            mine = 1;
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (!other.load())
                if (std::chrono::steady_clock::now() > until)
                    return false;
            return true;
        };
        for (int pause : {0, 20}) {
            std::this_thread::sleep_for(std::chrono::milliseconds(pause));
            std::atomic<int> a{0}, b{0};
            bool aMet = false, bMet = false, secondHadGrad = true;
            std::thread::id firstThread, secondThread;
            {
                torch::NoGradGuard noGrad;
                runBranches(
                    true, [&] { firstThread = std::this_thread::get_id(); aMet = meet(a, b); },
                    [&] {
                        secondThread = std::this_thread::get_id();
                        secondHadGrad = torch::GradMode::is_enabled();
                        bMet = meet(b, a);
                    });
            }
            QVERIFY(aMet && bMet);
            QCOMPARE(firstThread, std::this_thread::get_id());
            QVERIFY(secondThread != firstThread);
            QVERIFY(!secondHadGrad);
        }
        std::array<std::atomic<int>, 4> started{};
        std::array<bool, 4> met{};
        auto pair = [&](size_t i, size_t j) {
            runBranches(true, [&, i, j] { met[i] = meet(started[i], started[j]); },
                        [&, i, j] { met[j] = meet(started[j], started[i]); });
        };
        runBranches(true, [&] { pair(0, 1); }, [&] { pair(2, 3); });
        for (size_t i = 0; i < met.size(); ++i)
            QVERIFY2(met[i], qPrintable(QStringLiteral("inner branch %1").arg(i)));
    }

    void clubSeparatesDependentFromIndependent()
    {
        torch::manual_seed(5);
        // Fit Q_θ on one sample, estimate the bound on fresh data from the same distribution.
        auto estimate = [](const std::function<torch::Tensor(const torch::Tensor &)> &makeY) {
            ClubEstimator club(8, 8, 32);
            torch::optim::Adam opt(club->parameters(), 1e-2);
            auto x = torch::randn({1024, 8});
            auto y = makeY(x);
            for (int i = 0; i < 300; ++i) {
                opt.zero_grad();
                auto loss = -club->logLikelihood(x, y);
                loss.backward();
                opt.step();
            }
            torch::NoGradGuard g;
            auto fresh = torch::randn({1024, 8});
            return club->upperBound(fresh, makeY(fresh)).item<double>();
        };
        const double dependent = estimate([](const torch::Tensor &x) { return x * 0.9 + 0.1 * torch::randn_like(x); });
        const double independent = estimate([](const torch::Tensor &x) { return torch::randn_like(x); });
        QVERIFY2(dependent > 5.0 && independent < 0.5,
                 qPrintable(QStringLiteral("dependent %1, independent %2").arg(dependent).arg(independent)));
        QVERIFY(dependent > 1.0);
    }

    void clubBoundMatchesTheQuadraticForm()
    {
        // The O(N·D) bound equals the direct average over all other samples.
        torch::manual_seed(6);
        ClubEstimator club(4, 3, 8);
        auto x = torch::randn({6, 4}), y = torch::randn({6, 3});
        torch::NoGradGuard g;
        const double fast = club->upperBound(x, y).item<double>();
        // Recompute with log Q(y_j|x_i) = −(y_j − μ_i)²/(2σ_i²) − log σ_i − const.
        double direct = 0;
        for (int i = 0; i < 6; ++i) {
            double positive = 0, negative = 0;
            auto xi = x.slice(0, i, i + 1);
            for (int j = 0; j < 6; ++j) {
                // logLikelihood of a single pair includes −logvar/2 − log(2π)/2: those cancel in the bound.
                const double ll = club->logLikelihood(xi, y.slice(0, j, j + 1)).item<double>();
                if (j == i)
                    positive = ll;
                else
                    negative += ll / 5.0;
            }
            direct += (positive - negative) / 6.0;
        }
        QVERIFY2(std::abs(fast - direct) < 1e-4, qPrintable(QStringLiteral("%1 vs %2").arg(fast).arg(direct)));
    }
};

QTEST_GUILESS_MAIN(TestModelModules)
#include "tst_modelmodules.moc"
