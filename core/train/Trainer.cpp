#include "train/Trainer.h"

#include "runtime/AtomicFile.h"
#include "runtime/ComputeEnvironment.h"
#include "runtime/CrashPoints.h"
#include "runtime/Gemm.h"
#include "runtime/JsonFile.h"
#include "runtime/WorkProfiler.h"

#include "distributed/DistributedGroup.h"
#include "domain/Plural.h"
#include "eval/Evaluator.h"
#include "model/CounterRandom.h"
#include "model/SmoothedBceLoss.h"
#include "train/BranchedStep.h"
#include "train/Checkpoint.h"
#include "train/FusedAdam.h"
#include "train/RunContext.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <future>
#include <optional>
#include <unordered_set>

namespace momok {

namespace {
constexpr uint64_t kExpertPairPurpose = 0xC1B;
// last.pt (the full training state, for --resume) is written after an epoch only when that
// epoch was evaluated, is the last one, ends with a cancel pending, or when this long has
// passed since it was last written. Written after every epoch it cost the countries quick
// demo 3.5 s of its 20 (100 writes of 10 MB and a growing history); a run killed outright
// loses at most this much training.
constexpr qint64 kLastCheckpointIntervalMs = 30000;
// Free memory below this stays with the process when training starts and before each
// evaluation (releaseFreeHeapPages): the page faults that follow a release cost more. MKG-Y's
// benchmark frees 380-390 MB before its evaluation and hands it back; the quick demo frees
// about 25 MB, whose release and the faults after it took about 50 ms of each validation.
constexpr int64_t kHeapHolesWorthReleasing = int64_t(64) << 20;
// Joining a data-parallel run and receiving it may wait this long for the slowest rank to
// start and build its model (it may extract features on another machine).
constexpr std::chrono::minutes kDistributedSetupTimeout{30};

// Rank 0's word to the other ranks after an evaluation.
enum class RankDecision : int64_t { Continue = 0, Stop = 1, Cancel = 2, Fail = 3 };

bool writeJson(const QString &path, const QJsonDocument &doc, QString *error)
{
    return writeFileAtomically(path, doc.toJson(), QStringLiteral("the run's record"), error);
}

// The authors' protocol from the tracked test evaluations in a run's history: for each
// metric separately, its best value over all of them (lowest MR), and the epoch it came from.
QJsonObject trackedTestBest(const QJsonArray &history)
{
    QJsonObject best;
    int evaluations = 0;
    for (const QJsonValue &v : history) {
        const QJsonObject entry = v.toObject();
        if (entry.value("type").toString() != QLatin1String("eval") || entry.value("split").toString() != splitName(Split::Test))
            continue;
        ++evaluations;
        const QJsonObject metrics = entry.value("metrics").toObject();
        for (const char *key : {"mrr", "mr", "hits1", "hits3", "hits10"}) {
            const double value = metrics.value(key).toDouble();
            const QJsonObject current = best.value(key).toObject();
            const bool lowerIsBetter = QLatin1String(key) == QLatin1String("mr");
            if (current.isEmpty() || (lowerIsBetter ? value < current.value("value").toDouble()
                                                    : value > current.value("value").toDouble()))
                best.insert(key, QJsonObject{{"value", value}, {"epoch", entry.value("epoch").toInt()}});
        }
    }
    best.insert("evaluations", evaluations);
    best.insert("protocol", QStringLiteral("best test value of each metric over all evaluations of the run, each from "
                                           "its own epoch (the authors' reporting); not a model selection"));
    return best;
}

EpochRecord epochFromJson(const QJsonObject &o)
{
    EpochRecord r;
    r.epoch = o.value("epoch").toInt();
    r.mainLoss = o.value("loss").toDouble();
    r.bceLoss = o.value("bce").toDouble();
    r.miEstimate = o.value("mi").toDouble();
    r.estimatorLoss = o.value("estimator_loss").toDouble();
    r.learningRate = o.value("lr").toDouble();
    r.seconds = o.value("seconds").toDouble();
    return r;
}

QJsonObject epochToJson(const EpochRecord &r)
{
    return {{"epoch", r.epoch}, {"loss", r.mainLoss}, {"bce", r.bceLoss}, {"mi", r.miEstimate},
            {"estimator_loss", r.estimatorLoss}, {"lr", r.learningRate}, {"seconds", r.seconds}};
}
} // namespace

struct Trainer::Private {
    std::unique_ptr<RunContext> context;
    std::unique_ptr<FusedAdam> optimizer, estimatorOptimizer;
    std::vector<torch::Tensor> branchParameters, adaptorSideParameters; // optimizer's, in two parts
    TrainingState state;
    int savedEpoch = 0; // the epoch last.pt holds: where a resume starts
    // True from the moment this process wrote best.pt until the parameters next change (a
    // step or an estimator's fit): while it holds, the model in memory is the one best.pt
    // holds, bit for bit, and the test needs no reload (40-60 ms on the countries quick demo,
    // whose last evaluation is usually its best).
    bool modelIsBestCheckpoint = false;
    QJsonArray history; // {"type":"epoch",...} and {"type":"eval",...}
    EvaluationReport bestValid, test;
    // The B×E score buffer, reused by every decoder and step: a fresh 60 MB allocation
    // would be page-faulted in again each time.
    torch::Tensor scoreBuffer, jointScoreBuffer; // the joint decoder's, for when the branches run at once
    // The step's two branches on two threads (see BranchedStep.h): set per run by branchThreads().
    bool parallelBranches = false;
    int branchThreadsOverride = 0; // setBranchThreads

    // Data-parallel training (group null: one process).
    DistributedSetup distributedSetup;
    std::function<bool(int, QString *)> launchWorkers;
    std::unique_ptr<DistributedGroup> group;
    std::optional<QTemporaryDir> workerFolder; // a worker's copy of the run's record and state
    bool cancelAgreed = false;                 // some rank asked to cancel: all stop after this step
    int64_t distributedSteps = 0;
    double longestEvaluationSeconds = 0;

    bool build(const RunSpec &spec, Feedback *feedback, QString *error)
    {
        const GemmPreparation preparation; // beside loading the dataset and its features
        context = RunContext::create(spec, error, feedback);
        if (!context)
            return false;
        const ModelConfig &c = spec.config;
        optimizer = std::make_unique<FusedAdam>(context->model->modelParameters(),
                                                torch::optim::AdamOptions(c.learningRate));
        // The main optimiser's parameters in two parts, updated apart by a step whose
        // branches run on two threads: those of the branches and the rest (see step()).
        branchParameters = context->model->branchParameters();
        std::unordered_set<const void *> inBranches;
        for (const auto &p : branchParameters)
            inBranches.insert(p.unsafeGetTensorImpl());
        adaptorSideParameters.clear();
        for (const auto &p : context->model->modelParameters())
            if (!inBranches.count(p.unsafeGetTensorImpl()))
                adaptorSideParameters.push_back(p);
        auto estimatorParameters = context->model->estimatorParameters();
        if (!estimatorParameters.empty())
            estimatorOptimizer = std::make_unique<FusedAdam>(estimatorParameters,
                                                             torch::optim::AdamOptions(c.estimatorLearningRate));
        state.learningRate = c.learningRate;
        return true;
    }

    // Evaluation brings its own score buffers: the training step's B×E buffer and the
    // gradients (backward recreates them with the same values) are let go meanwhile.
    void releaseTrainingBuffers()
    {
        scoreBuffer = torch::Tensor();
        jointScoreBuffer = torch::Tensor();
        for (auto &p : context->model->parameters())
            p.mutable_grad() = torch::Tensor();
        releaseFreeHeapPages(kHeapHolesWorthReleasing); // the holes training left, before evaluation allocates its own
    }

    // --track-test: the test split at this evaluation, kept in the history (not reported to
    // observers: it selects nothing), and the best of each metric so far written out.
    template <typename Say>
    bool trackTest(Evaluator &evaluator, int epoch, Feedback *feedback, const Say &say, QString *error)
    {
        const EvaluationReport report = evaluator.evaluate(Split::Test, context->spec.config.evalBatchSize, feedback, epoch);
        if (!report.split)
            return false;
        const RankMetrics &m = report.headline();
        history.append(QJsonObject{{"type", "eval"}, {"epoch", epoch}, {"split", splitName(Split::Test)},
                                   {"metrics", m.toJson()}});
        say(QStringLiteral("  test @ epoch %1 (tracked, not used for selection): MRR %2  H@1 %3  H@10 %4")
                .arg(epoch).arg(m.mrr, 0, 'f', 2).arg(m.hits1, 0, 'f', 2).arg(m.hits10, 0, 'f', 2));
        return writeJson(QDir(context->spec.runDir).filePath("report-test-tracked.json"),
                         QJsonDocument(trackedTestBest(history)), error);
    }

    void setLearningRate(double lr)
    {
        for (auto &parameterGroup : optimizer->param_groups())
            static_cast<torch::optim::AdamOptions &>(parameterGroup.options()).lr(lr);
    }

    // The whole training state (parameters, both optimisers, the random generator, the
    // history) in the checkpoint format: the run's checkpoints, and what rank 0 sends the
    // other ranks of a data-parallel run.
    bool writeState(const QString &path, QString *error)
    {
        state.historyJson = QString::fromUtf8(QJsonDocument(history).toJson(QJsonDocument::Compact));
        return saveCheckpoint(path, context->model, optimizer.get(), estimatorOptimizer.get(), state,
                              context->spec.toJson(), error);
    }

    // A state writeState wrote, taken over with its history and learning rate.
    bool readState(const QString &path, QString *error)
    {
        modelIsBestCheckpoint = false;
        if (!loadCheckpoint(path, context->model, optimizer.get(), estimatorOptimizer.get(), &state, nullptr, error))
            return false;
        history = QJsonDocument::fromJson(state.historyJson.toUtf8()).array();
        setLearningRate(state.learningRate);
        return true;
    }

    bool saveState(const QString &name, QString *error)
    {
        return writeState(context->checkpointPath(name), error)
            && writeJson(QDir(context->spec.runDir).filePath("history.json"), QJsonDocument(history), error);
    }

    // Positives of a batch as flat indices into its B×E label matrix (never built densely).
    torch::Tensor positives(const std::vector<int64_t> &queries) const
    {
        const QueryIndex &q = context->trainQueries;
        const int64_t entities = context->dataset.entityCount();
        std::vector<int64_t> flat;
        for (size_t row = 0; row < queries.size(); ++row)
            for (const int64_t *a = q.answersBegin(queries[row]); a != q.answersEnd(queries[row]); ++a)
                flat.push_back(int64_t(row) * entities + *a);
        return torch::tensor(flat, torch::kLong);
    }

    // Two distinct experts, chosen per step and purpose from the run's seed.
    std::pair<int64_t, int64_t> expertPair(uint64_t purpose, uint64_t step) const
    {
        const int64_t k = context->spec.config.experts;
        const uint64_t bits = random::mix64(random::streamKey(context->spec.config.seed, step, purpose));
        const int64_t first = int64_t(bits % uint64_t(k));
        const int64_t second = (first + 1 + int64_t((bits >> 32) % uint64_t(k - 1))) % k;
        return {first, second};
    }

    // ---- data-parallel pieces ----

    // Rows of a global batch of `rows` held by each rank, in rank order.
    std::vector<int64_t> rowsPerRank(int64_t rows) const
    {
        const int n = group ? group->size() : 1;
        std::vector<int64_t> out;
        for (int r = 0; r < n; ++r)
            out.push_back(rows * (r + 1) / n - rows * r / n);
        return out;
    }

    // Sums the gradients of these parameters over the ranks in one flat buffer (one
    // all-reduce instead of one per tensor), with `extra` values appended; the parameters'
    // gradients become views of the summed buffer. Returns the summed extras.
    std::vector<double> reduceGradients(const std::vector<torch::Tensor> &parameters, const std::vector<double> &extra,
                                        const char *what)
    {
        int64_t total = int64_t(extra.size());
        for (const auto &p : parameters)
            total += p.numel();
        const torch::Device device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
        auto flat = torch::empty({total}, torch::TensorOptions().dtype(torch::kFloat).device(device));
        int64_t offset = 0;
        for (const auto &p : parameters) {
            auto slice = flat.narrow(0, offset, p.numel());
            if (p.grad().defined())
                slice.copy_(p.grad().reshape({-1}));
            else
                slice.zero_(); // the same on every rank: the graph is the same
            offset += p.numel();
        }
        const int64_t extras = int64_t(extra.size());
        flat.narrow(0, offset, extras).copy_(torch::tensor(std::vector<float>(extra.begin(), extra.end()), torch::kFloat));
        group->allReduceSum(flat, what);
        const auto summedExtras = flat.narrow(0, offset, extras).to(torch::kCPU);
        offset = 0;
        for (const auto &p : parameters) {
            if (p.grad().defined())
                const_cast<torch::Tensor &>(p).mutable_grad() = flat.narrow(0, offset, p.numel()).view_as(p);
            offset += p.numel();
        }
        std::vector<double> out;
        for (int64_t i = 0; i < extras; ++i)
            out.push_back(double(summedExtras[i].item<float>()));
        return out;
    }

    // ---- the estimators' fit ----

    // The estimators fit Q_θ with their own optimiser on the experts' outputs for a step's
    // entities, recomputed after that step's main update without gradients (as the reference
    // does), so that they track the experts as they now are. What the fit reads (the experts'
    // parameters, the entity tables) does not change until the next step's update, and only the
    // next step's CLUB bound reads what it writes (the estimators): so with the branches on two
    // threads it is held over and runs beside the next step's adaptors (runAdaptors shares the
    // six pieces between the threads, each modality's adaptor whole on one of them). Three
    // modalities' work on two threads left one thread idle for a third of each of the two
    // passes. The same bits as the fit at the end of its own step: no random draw, the same
    // reads, and the estimators' update still before the next bound.
    struct EstimatorFit {
        torch::Tensor entities;
        uint64_t step = 0;
        std::vector<int> modalities;
        std::array<torch::Tensor, kModalityCount> terms; // each modality's −log-likelihood
    };
    std::optional<EstimatorFit> heldFit; // set only between steps of one epoch, with the branches parallel

    // One modality's part: its term's gradient, into its own estimator's parameters (so the
    // modalities' parts may run at once). The gradient of term/count is the same bits as that
    // of the mean of all terms.
    void fitEstimatorTerm(EstimatorFit &fit, int m, double share)
    {
        ProfileScope scope(ProfileSection::Estimator);
        const auto [i, j] = expertPair(kExpertPairPurpose + 1, fit.step);
        torch::Tensor experts;
        {
            torch::NoGradGuard noGrad;
            experts = context->model->expertOutputs(m, fit.entities, fit.step);
        }
        const auto term = -context->model->estimator(m)->logLikelihood(experts.select(1, i), experts.select(1, j));
        const auto scaled = term / double(fit.modalities.size());
        (group ? scaled * share : scaled).backward();
        fit.terms[size_t(m)] = term.detach();
    }

    // After every modality's part: the estimators' update. Returns the mean −log-likelihood
    // (over every rank's rows).
    double finishEstimatorFit(EstimatorFit &fit, double share, bool parallel)
    {
        ProfileScope scope(ProfileSection::Estimator);
        torch::Tensor nll;
        for (int m : fit.modalities)
            nll = nll.defined() ? nll + fit.terms[size_t(m)] : fit.terms[size_t(m)];
        nll = nll / double(fit.modalities.size());
        double loss = nll.item<double>();
        if (group)
            loss = reduceGradients(estimatorOptimizer->param_groups()[0].params(), {loss * share},
                                   "summing the estimators' gradients")[0];
        estimatorOptimizer->setSecondThread(parallel);
        estimatorOptimizer->step();
        estimatorOptimizer->releaseGradients();
        return loss;
    }

    // The whole fit at once, each modality's part on its own (two threads with `parallel`).
    double fitEstimators(EstimatorFit &fit, double share, bool parallel)
    {
        estimatorOptimizer->releaseGradients(); // a guard, as in step(): normally already released
        runModalities(parallel, fit.modalities, [&](int m) { fitEstimatorTerm(fit, m, share); });
        return finishEstimatorFit(fit, share, parallel);
    }

    // Runs the fit held over from the last step, if any: at the end of an epoch, before
    // anything reads or saves the estimators. Returns its loss (0 when none was held).
    double runHeldFit()
    {
        if (!heldFit)
            return 0;
        EstimatorFit fit = std::move(*heldFit);
        heldFit.reset();
        modelIsBestCheckpoint = false;
        return fitEstimators(fit, 1.0, parallelBranches);
    }

    // ---- one optimisation step ----

    // estimator: the loss of the estimators' fit made in this step (with a held-over fit, the
    // previous step's; see EstimatorFit).
    struct StepLosses { double total = 0, bce = 0, mi = 0, estimator = 0; };

    // queries: this rank's rows of the global batch, which starts at row `offset` of the
    // global batch of `globalRows` (with one process: the whole batch, 0, its size).
    StepLosses step(const std::vector<int64_t> &queries, int64_t offset, int64_t globalRows, bool cancelRequested)
    {
        modelIsBestCheckpoint = false;
        MoMoKModel &model = context->model;
        const ModelConfig &c = context->spec.config;
        const QueryIndex &index = context->trainQueries;
        std::optional<ProfileScope> preparation(std::in_place, ProfileSection::DataPreparation);
        auto entities = torch::empty({int64_t(queries.size())}, torch::kLong);
        auto relations = torch::empty({int64_t(queries.size())}, torch::kLong);
        auto *e = entities.data_ptr<int64_t>();
        auto *r = relations.data_ptr<int64_t>();
        for (size_t i = 0; i < queries.size(); ++i) {
            e[i] = index.entity(queries[i]);
            r[i] = index.relation(queries[i]);
        }
        const torch::Tensor labels = positives(queries);
        preparation.reset();

        // Each rank's losses are means over its rows: weighted by its share of the batch and
        // summed over ranks, they are the means over the whole batch.
        const double share = group ? double(queries.size()) / double(globalRows) : 1.0;
        const int ranks = group ? group->size() : 1;
        model->train();
        model->setQueryShard(offset, group ? globalRows : -1);
        const uint64_t stepKey = uint64_t(state.step);
        // branchThreads() decides; never with collectives (their order must be the same on
        // every rank), nor while the profiler records (it follows one thread).
        const bool parallel = parallelBranches && !group && !profilerRecording();
        // The adaptors, below both branches, each modality's on its own; beside them the fit
        // held over from the last step.
        std::optional<EstimatorFit> earlierFit;
        std::swap(earlierFit, heldFit);
        WorkBeside beside;
        if (earlierFit) {
            estimatorOptimizer->releaseGradients(); // a guard, as below
            beside.modalities = earlierFit->modalities;
            beside.work = [&](int m) { fitEstimatorTerm(*earlierFit, m, 1.0); };
        }
        const StepAdaptors adaptors = runAdaptors(model, entities, relations, stepKey, parallel, beside);
        const double earlierEstimatorLoss = earlierFit ? finishEstimatorFit(*earlierFit, 1.0, parallel) : 0.0;
        const auto &candidateMixed = adaptors.candidates;
        const QueryAdaptors &query = adaptors.query;

        const bool exid = estimatorOptimizer != nullptr && c.mu > 0;
        std::vector<int> estimated;
        std::array<bool, kModalityCount> withExperts{};
        for (int m = 0; m < kModalityCount; ++m)
            if (query.adaptors[size_t(m)].experts.defined() && !model->estimator(m).is_empty()) {
                estimated.push_back(m);
                withExperts[size_t(m)] = exid;
            }
        const std::vector<int> decoders = model->activeDecoders();
        const bool joint = model->decoderActive(int(Decoder::Joint));
        // One after the other, both branches add into the same copies (M first): the same
        // sums as two threads' copies added M then J, in less memory.
        const BranchInputs modalityInputs = detachedBranchInputs(candidateMixed, query, withExperts);
        const BranchInputs jointInputs = parallel ? detachedBranchInputs(candidateMixed, query, {}) : modalityInputs;
        std::array<torch::Tensor, kScoringDecoderCount> decoderLoss;
        torch::Tensor mi;
        // The joint decoder's candidates, the entity fusion of every entity: formed by branch M
        // before its own work (M is the shorter branch by about that much) and taken down by J
        // after its backward, a graph of its own. The fusion's parameters then receive two
        // gradients, these candidates' and J's queries', the same bits in either order.
        torch::Tensor fusedCandidates;
        std::promise<void> fusedCandidatesMade;
        std::future<void> fusedCandidatesReady = fusedCandidatesMade.get_future(); // J's alone

        // Branch M's work after the candidates' fusion: each modality decoder's scores, and the
        // CLUB bound, as pieces that either thread may take (M's thread first; J's once its own
        // work is done), each with its own backward pass. Each piece writes gradients only into
        // its own modality's copies (the bound into the experts' copies, which no decoder reads)
        // and its own parameters, and the gradient of a sum is the same bits as its terms'
        // apart: the same bits whichever thread takes which. `buffer`: the taking thread's.
        std::vector<std::function<void(torch::Tensor &)>> modalityPieces;
        for (int d : decoders) {
            if (d == int(Decoder::Joint))
                continue;
            modalityPieces.push_back([&, d](torch::Tensor &buffer) {
                const auto vectors = model->decodeModality(d, modalityInputs.queries[size_t(d)],
                                                           modalityInputs.relations[size_t(d)], query.slot, stepKey);
                ProfileScope scope(ProfileSection::EntityScoring);
                const auto loss = smoothedBceScores(vectors, modalityInputs.candidates[size_t(d)], labels,
                                                    c.labelSmoothing, buffer);
                decoderLoss[size_t(d)] = loss;
                (group ? loss * share : loss).backward();
            });
        }
        if (exid && !estimated.empty()) {
            modalityPieces.push_back([&](torch::Tensor &) {
                ProfileScope scope(ProfileSection::Estimator);
                const auto [i, j] = expertPair(kExpertPairPurpose, stepKey);
                torch::Tensor bounds;
                for (int m : estimated) {
                    // The CLUB bound is taken over the batch: over the whole one, gathered from
                    // every rank (each rank then computes the same bound).
                    const auto &own = modalityInputs.experts[size_t(m)];
                    const auto experts = group ? allGatherWithGradient(*group, own, rowsPerRank(globalRows)) : own;
                    // MI is never negative, so max(CLUB, 0) is still an upper bound. A negative CLUB
                    // value only says the estimator lags behind the experts, and minimising it let
                    // the experts blow their outputs up (MKG-Y at lr 1e-2: the estimate fell to -1e7
                    // and validation MRR collapsed); clamped, that term then has no gradient.
                    auto bound = model->estimator(m)->upperBound(experts.select(1, i), experts.select(1, j)).clamp_min(0);
                    bounds = bounds.defined() ? bounds + bound : bound;
                }
                mi = bounds / double(estimated.size());
                // Every rank adds 1/N of the bound: the gather's backward sums them back to one.
                ((c.mu / double(ranks)) * mi).backward();
            });
        }
        std::atomic<size_t> nextModalityPiece{0};
        auto takeModalityPieces = [&](torch::Tensor &buffer) {
            for (size_t k = nextModalityPiece++; k < modalityPieces.size(); k = nextModalityPiece++)
                modalityPieces[k](buffer);
        };

        // Branch M: the candidates' fusion for J, then the modality decoders' scores and the
        // CLUB bound.
        auto modalityBranch = [&] {
            if (joint) {
                try {
                    fusedCandidates = model->fuseCandidates(jointInputs.candidates, stepKey);
                    fusedCandidatesMade.set_value();
                } catch (...) {
                    fusedCandidatesMade.set_exception(std::current_exception()); // J would wait for ever
                    throw;
                }
            }
            takeModalityPieces(scoreBuffer);
        };
        // Branch J: the joint decoder (with the queries' fusion), its scores against M's fused
        // candidates, and the backward pass through those candidates' fusion.
        auto jointBranch = [&] {
            if (!joint)
                return;
            const auto vectors = model->decodeJoint(jointInputs.queries, jointInputs.relations, query.slot, stepKey);
            fusedCandidatesReady.get(); // rethrows M's failure to form them
            const torch::Tensor candidates = leafCopy(fusedCandidates);
            {
                ProfileScope scope(ProfileSection::EntityScoring);
                auto &loss = decoderLoss[int(Decoder::Joint)];
                loss = smoothedBceScores(vectors, candidates, labels, c.labelSmoothing,
                                         parallel ? jointScoreBuffer : scoreBuffer);
                (group ? loss * share : loss).backward();
            }
            if (candidates.grad().defined() && fusedCandidates.requires_grad()) {
                ProfileScope scope(ProfileSection::Fusion);
                torch::autograd::backward({fusedCandidates}, {candidates.grad()});
            }
        };
        // With the branches on two threads, J's thread then helps with M's pieces.
        auto jointThread = [&] {
            jointBranch();
            takeModalityPieces(parallel ? jointScoreBuffer : scoreBuffer);
        };
        {
            // Already released after the last step; this guards a step that threw between its
            // backward and its optimiser step, whose gradients must not add to this one's.
            ProfileScope scope(ProfileSection::Optimiser);
            optimizer->releaseGradients();
        }
        runBranches(parallel, modalityBranch, jointThread);
        // The decoders' and fusions' gradients are complete now (the branches start from
        // detached copies). With the branches on two threads, their update runs on each thread
        // as soon as it is done with its modalities' backward through the adaptors: three
        // modalities on two threads left one idle for a third of that pass. Adam is
        // element-wise, and each parameter's update its own: the same bits as one step().
        const bool updateAlongside = parallel && optimizer->fusable();
        AdamUpdate branchUpdate;
        if (updateAlongside) {
            ProfileScope scope(ProfileSection::Optimiser);
            branchUpdate = optimizer->prepareUpdate(branchParameters);
        }
        backwardThroughAdaptors(adaptors, modalityInputs, jointInputs, parallel,
                                updateAlongside ? std::function<void()>([&branchUpdate] { branchUpdate.run(); })
                                                : std::function<void()>());

        // The step's losses as one graph would add them: the decoders in order, then the bound.
        StepLosses losses;
        torch::Tensor bce;
        for (int d : decoders)
            bce = bce.defined() ? bce + decoderLoss[size_t(d)].detach() : decoderLoss[size_t(d)].detach();
        torch::Tensor total = group ? bce * share : bce;
        if (mi.defined()) {
            total = total + (c.mu / double(ranks)) * mi.detach();
            losses.mi = mi.item<double>();
        }
        losses.bce = bce.item<double>();
        if (group) {
            const auto sums = reduceGradients(optimizer->param_groups()[0].params(),
                                              {losses.bce * share, cancelRequested ? 1.0 : 0.0}, "summing gradients");
            losses.bce = sums[0];
            cancelAgreed = cancelAgreed || sums[1] > 0;
            losses.total = losses.bce + c.mu * losses.mi;
        }
        {
            ProfileScope scope(ProfileSection::Optimiser);
            optimizer->setSecondThread(parallel); // the core the branches used would wait
            if (updateAlongside) {
                AdamUpdate rest = optimizer->prepareUpdate(adaptorSideParameters);
                optimizer->apply(rest);
            } else {
                optimizer->step();
            }
            // Spent gradients go now, not at the next backward: held through the next forward
            // pass they added the size of every parameter to the step's peak memory.
            optimizer->releaseGradients();
        }
        if (!group)
            losses.total = total.item<double>();

        // This step's fit, or the one held over from the last step (one of the two is 0).
        losses.estimator = earlierEstimatorLoss;
        if (estimatorOptimizer && !estimated.empty()) {
            EstimatorFit fit{entities, stepKey, estimated, {}};
            // Held over with the branches on two threads (the epoch's end runs the last one),
            // but not while the step trace records each step's parameters.
            if (parallel && stepTraceFile().isEmpty())
                heldFit = std::move(fit);
            else
                losses.estimator += fitEstimators(fit, share, parallel);
        }
        ++state.step;
        return losses;
    }

    // ---- validation (rank 0 alone) ----

    // Evaluates the validation split after `epoch`, keeps the best checkpoint and report,
    // tracks the test split when asked, and sets *stop for early stopping. Finished when all
    // went well; Cancelled or Failed (with *error) otherwise.
    template <typename Say>
    Outcome validate(Evaluator &evaluator, int epoch, Feedback *feedback, TrainingObserver *observer, const Say &say,
                     bool *stop, QString *error)
    {
        RunContext &ctx = *context;
        const ModelConfig &c = ctx.spec.config;
        releaseTrainingBuffers();
        EvaluationReport report = evaluator.evaluate(Split::Valid, c.evalBatchSize, feedback, epoch);
        if (!report.split)
            return Outcome::Cancelled;
        report.epoch = epoch;
        const double mrr = report.headline().mrr;
        const bool improved = mrr > state.bestValidMrr;
        QJsonObject evalEntry{{"type", "eval"}, {"epoch", epoch}, {"split", splitName(Split::Valid)},
                              {"metrics", report.headline().toJson()}};
        history.append(evalEntry);
        if (improved) {
            state.bestValidMrr = mrr;
            state.bestEpoch = epoch;
            state.evaluationsWithoutImprovement = 0;
            bestValid = report;
            if (!saveCheckpoint(ctx.checkpointPath("best"), ctx.model, nullptr, nullptr, state, ctx.spec.toJson(), error)
                || !writeJson(QDir(ctx.spec.runDir).filePath("report-valid.json"), QJsonDocument(report.toJson()), error))
                return Outcome::Failed;
            modelIsBestCheckpoint = true;
        } else {
            ++state.evaluationsWithoutImprovement;
        }
        if (observer)
            observer->evaluationFinished(report, improved);
        if (ctx.spec.trackTest && !trackTest(evaluator, epoch, feedback, say, error))
            return isCancelled(feedback) ? Outcome::Cancelled : Outcome::Failed;
        if (state.evaluationsWithoutImprovement >= c.patience) {
            say(QStringLiteral("early stop: validation MRR has not improved for %1 evaluations").arg(c.patience));
            *stop = true;
        }
        return Outcome::Finished;
    }

    // ---- the step trace (MOMOK_STEP_TRACE=FILE, for tests) ----

    // Appends one line per step to FILE (FILE.rankN in a data-parallel run): the step, its
    // losses, and a digest of every parameter and buffer. With one process and with several
    // the lines of all ranks must agree; the digests say whether ranks hold the same bits.
    static const QString &stepTraceFile()
    {
        static const QString base = qEnvironmentVariable("MOMOK_STEP_TRACE");
        return base;
    }

    void traceStep(const StepLosses &losses)
    {
        const QString &base = stepTraceFile();
        if (base.isEmpty())
            return;
        QCryptographicHash digest(QCryptographicHash::Sha1);
        auto add = [&digest](const torch::Tensor &t) {
            const auto host = t.to(torch::kCPU).contiguous();
            digest.addData(QByteArrayView(reinterpret_cast<const char *>(host.data_ptr()), qsizetype(host.nbytes())));
        };
        for (const auto &t : context->model->parameters())
            add(t);
        for (const auto &t : context->model->buffers())
            add(t);
        QFile file(group ? QStringLiteral("%1.rank%2").arg(base).arg(group->rank()) : base);
        if (file.open(QIODevice::Append))
            file.write(QStringLiteral("%1 %2 %3 %4 %5 %6\n").arg(state.step).arg(losses.total, 0, 'g', 9)
                           .arg(losses.bce, 0, 'g', 9).arg(losses.mi, 0, 'g', 9).arg(losses.estimator, 0, 'g', 9)
                           .arg(QString::fromLatin1(digest.result().toHex())).toUtf8());
    }

    // ---- joining the group ----

    // Rank 0: serve the rendezvous, start the other ranks, then send them the run's record
    // and its state (parameters, optimisers, random generator, history), so that every rank
    // starts from the same bits.
    bool connectWorkers(QString *error)
    {
        distributedSetup.backend = chooseCommunicationBackend(context->spec.config.device, distributedSetup.localProcesses,
                                                              int(torch::cuda::device_count()), ncclBuiltIn());
        group = DistributedGroup::join(distributedSetup, launchWorkers, kDistributedSetupTimeout, error);
        if (!group)
            return false;
        QFile record(QDir(context->spec.runDir).filePath("run.json"));
        if (!record.open(QIODevice::ReadOnly)) {
            if (error) *error = QStringLiteral("%1: %2").arg(record.fileName(), record.errorString());
            return false;
        }
        group->broadcastBytes(record.readAll(), "sending the run's record", kDistributedSetupTimeout);
        QTemporaryDir scratch;
        const QString statePath = QDir(scratch.path()).filePath("state.pt");
        if (!writeState(statePath, error))
            return false;
        QFile stateFile(statePath);
        if (!stateFile.open(QIODevice::ReadOnly)) {
            if (error) *error = QStringLiteral("%1: %2").arg(statePath, stateFile.errorString());
            return false;
        }
        group->broadcastBytes(stateFile.readAll(), "sending the training state", kDistributedSetupTimeout);
        context->model->setDistributedGroup(group.get());
        return true;
    }

    // After an evaluation: rank 0 says how to go on; the others wait for it (for as long as
    // its evaluations take, plus the group's timeout) and learn the evaluation's duration.
    RankDecision exchangeDecision(RankDecision decision, double evaluationSeconds, double epochSeconds)
    {
        const double waitSeconds = distributedSetup.timeoutSeconds
            + std::max(3 * longestEvaluationSeconds, 10 * epochSeconds);
        auto word = torch::tensor({double(decision), evaluationSeconds}, torch::kDouble);
        group->broadcast(word, "waiting for rank 0's evaluation",
                         std::chrono::milliseconds(qint64(waitSeconds * 1000)));
        longestEvaluationSeconds = std::max(longestEvaluationSeconds, word[1].item<double>());
        return RankDecision(int64_t(word[0].item<double>()));
    }
};

Trainer::Trainer() : d(std::make_unique<Private>()) {}
Trainer::~Trainer() = default;

bool Trainer::start(const RunSpec &spec, Feedback *feedback, QString *error)
{
    if (QFile::exists(QDir(spec.runDir).filePath("run.json"))) {
        if (error) *error = QStringLiteral("%1 already holds a run; resume it or choose another folder").arg(spec.runDir);
        return false;
    }
    if (!d->build(spec, feedback, error))
        return false;
    d->context->spec.processes = d->distributedSetup.worldSize;
    // The spec as built: it records where each modality's features really came from.
    return d->context->spec.save(error);
}

bool Trainer::resume(const QString &runDir, Feedback *feedback, QString *error, const ResumeChanges &changes)
{
    RunSpec spec;
    if (!RunSpec::load(runDir, &spec, error))
        return false;
    ModelConfig &c = spec.config;
    const ModelConfig recorded = c;
    c.epochs = changes.epochs.value_or(c.epochs);
    c.patience = changes.patience.value_or(c.patience);
    c.threads = changes.threads.value_or(c.threads);
    if (!d->build(spec, feedback, error)) // checks the changed settings as a new run's
        return false;
    const QString last = d->context->checkpointPath("last");
    if (QFile::exists(last) && !d->readState(last, error))
        return false;
    if (d->state.epoch > c.epochs) {
        if (error)
            *error = QStringLiteral("%1 has completed %2 epochs already: it cannot end at epoch %3")
                         .arg(runDir).arg(d->state.epoch).arg(c.epochs);
        return false;
    }
    // More epochs or patience are asked for to train further: if the run would stop again at
    // once, say which of the two is short instead of changing its record for nothing.
    if (changes.epochs || changes.patience) {
        if (d->state.epoch == c.epochs) {
            if (error)
                *error = QStringLiteral("%1 has completed its %2: give more epochs to train it on")
                             .arg(runDir, counted(d->state.epoch, QStringLiteral("epoch(s)")));
            return false;
        }
        if (d->state.evaluationsWithoutImprovement >= c.patience) {
            if (error)
                *error = QStringLiteral("%1 stopped early: validation MRR has not improved for %2 evaluations, so a "
                                        "patience of %3 stops it again at once; give a patience above %2")
                             .arg(runDir).arg(d->state.evaluationsWithoutImprovement).arg(c.patience);
            return false;
        }
    }
    RunSpec &resumed = d->context->spec;
    // Resumed with another process count or changed settings: the record says so.
    if (resumed.processes != d->distributedSetup.worldSize || c.toJson() != recorded.toJson()) {
        resumed.processes = d->distributedSetup.worldSize;
        if (!resumed.save(error))
            return false;
    }
    if (!QFile::exists(last))
        return true; // interrupted before the first epoch ended: start over, same seed
    // history.json repeats the history last.pt holds and is rewritten at the next save;
    // damaged (edited, truncated), it is named rather than silently replaced.
    const QString historyPath = QDir(runDir).filePath("history.json");
    QJsonDocument document;
    if (QFile::exists(historyPath)) {
        if (!readJsonFile(historyPath, &document, error))
            return false;
        if (!document.isArray()) {
            if (error) *error = QStringLiteral("%1: not a run history (a JSON array is expected)").arg(historyPath);
            return false;
        }
    }
    const QString best = QDir(runDir).filePath("report-valid.json");
    if (QFile::exists(best)) {
        if (!readJsonFile(best, &document, error))
            return false;
        d->bestValid = EvaluationReport::fromJson(document.object());
        if (!d->bestValid.split) {
            if (error) *error = QStringLiteral("%1: not an evaluation report").arg(best);
            return false;
        }
    }
    return true;
}

void Trainer::setDistributed(const DistributedSetup &setup, std::function<bool(int, QString *)> launchWorkers)
{
    d->distributedSetup = setup;
    d->launchWorkers = std::move(launchWorkers);
}

bool Trainer::joinAsWorker(const DistributedSetup &setup, Feedback *feedback, QString *error)
{
    d->distributedSetup = setup;
    d->group = DistributedGroup::join(setup, {}, kDistributedSetupTimeout, error);
    if (!d->group)
        return false;
    try {
        d->workerFolder.emplace();
        const QString folder = d->workerFolder->path();
        const QByteArray record = d->group->broadcastBytes({}, "receiving the run's record", kDistributedSetupTimeout);
        RunSpec spec;
        if (!writeFileAtomically(QDir(folder).filePath("run.json"), record, QStringLiteral("the run's record"), error)
            || !RunSpec::load(folder, &spec, error))
            return false;
        spec.runDir = folder; // a scratch folder: a worker writes nothing into the run
        // With NCCL each process computes on its own GPU (rank 0 on cuda:0 from "cuda").
        spec.config.device = processDevice(spec.config.device, setup.localRank, d->group->backend());
        if (!setup.datasetDir.isEmpty())
            spec.datasetDir = QFileInfo(setup.datasetDir).absoluteFilePath();
        if (!d->build(spec, feedback, error))
            return false;
        const QString statePath = QDir(folder).filePath("state.pt");
        const QByteArray stateBytes = d->group->broadcastBytes({}, "receiving the training state", kDistributedSetupTimeout);
        if (!writeFileAtomically(statePath, stateBytes, QStringLiteral("the training state"), error)
            || !d->readState(statePath, error))
            return false;
        QFile::remove(statePath);
        d->context->model->setDistributedGroup(d->group.get());
    } catch (const std::exception &e) {
        if (error) *error = QString::fromUtf8(e.what()).section('\n', 0, 0);
        return false;
    }
    return true;
}

int Trainer::worldSize() const { return std::max(1, d->distributedSetup.worldSize); }

double Trainer::communicationSecondsPerStep() const
{
    return d->group && d->distributedSteps > 0 ? d->group->communicationSeconds() / double(d->distributedSteps) : 0.0;
}

const RunSpec &Trainer::spec() const { return d->context->spec; }

QStringList Trainer::datasetWarnings() const { return d->context->datasetWarnings; }

int Trainer::completedEpochs() const { return d->state.epoch; }
int64_t Trainer::batchesPerEpoch() const
{
    const int64_t b = d->context->spec.config.batchSize, queries = d->context->trainQueries.size();
    // Batch norm cannot train on a batch of one query, nor can a process train on none: a
    // last batch smaller than that (one query, or fewer than the processes) joins the one before.
    const int64_t batches = (queries + b - 1) / b;
    const int64_t smallest = std::max(2, d->distributedSetup.worldSize);
    return batches > 1 && queries % b != 0 && queries % b < smallest ? batches - 1 : batches;
}
int Trainer::computeThreads() const
{
    const RunContext &context = *d->context;
    const ModelConfig &c = context.spec.config;
    if (c.threads > 0)
        return c.threads;
    const int cores = std::max(1, physicalCoreCount() / std::max(1, d->distributedSetup.localProcesses));
    // Small steps run faster on one thread. Measured on 2 cores (with OpenMP's idle threads
    // no longer spinning, see prepareProcessEnvironment): the countries quick demo (step size
    // 2.9·10⁶) took 17.1 s on one thread and 17.6 s on two; structure only on MKG-Y at batch
    // 128 (1.2·10⁸) 5.8 s per epoch on one and 4.1 s on two; MKG-Y at batch 1024 gains more.
    // The step's size is about batch × entities × the widest table.
    constexpr double kSmallStep = 5e7;
    int64_t width = c.dim;
    for (Modality m : kModalities)
        width = std::max<int64_t>(width, context.model->modalityWidth(int(m)));
    const double step = double(c.batchSize) * double(context.dataset.entityCount()) * double(width);
    return step < kSmallStep ? 1 : cores;
}

int Trainer::branchThreads() const
{
    if (d->branchThreadsOverride > 0)
        return d->branchThreadsOverride;
    const RunContext &context = *d->context;
    const bool oneProcess = !d->distributedSetup.distributed();
    const bool automaticSmallStep = context.spec.config.threads <= 0 && computeThreads() == 1;
    // Without the joint decoder there is no second branch.
    const bool twoBranches = context.model->decoderActive(int(Decoder::Joint));
    return oneProcess && automaticSmallStep && twoBranches && context.model->device().is_cpu() && physicalCoreCount() >= 2
        ? 2
        : 1;
}

void Trainer::setBranchThreads(int threads) { d->branchThreadsOverride = std::clamp(threads, 0, 2); }

EpochShape Trainer::epochShape() const
{
    const RunContext &context = *d->context;
    EpochShape shape;
    shape.config = context.spec.config;
    shape.entities = context.dataset.entityCount();
    shape.directedRelations = 2 * context.dataset.relationCount();
    shape.queries = context.trainQueries.size();
    shape.batches = batchesPerEpoch();
    for (Modality m : kModalities)
        shape.widths[size_t(m)] = context.model->modalityWidth(int(m));
    for (int decoder : context.model->activeDecoders())
        shape.decoders[size_t(decoder)] = true;
    return shape;
}

QVector<Decoder> Trainer::activeDecoders() const
{
    QVector<Decoder> decoders;
    for (int decoder : d->context->model->activeDecoders())
        decoders << Decoder(decoder);
    return decoders;
}

QStringList Trainer::activeDecoderKeys() const { return decoderKeys(activeDecoders()); }

EvaluationReport Trainer::bestValidReport() const { return d->bestValid; }
EvaluationReport Trainer::testReport() const { return d->test; }

QVector<EpochRecord> Trainer::history() const
{
    QVector<EpochRecord> out;
    for (const QJsonValue &v : d->history)
        if (v.toObject().value("type").toString() == "epoch")
            out << epochFromJson(v.toObject());
    return out;
}

Outcome Trainer::run(TrainingObserver *observer, Feedback *feedback, QString *error)
{
    RunContext &ctx = *d->context;
    const ModelConfig &c = ctx.spec.config;
    auto say = [&](const QString &text) { if (observer) observer->message(text); };
    Evaluator evaluator(ctx.model, ctx.dataset, ctx.allKnown);
    const int64_t queryCount = ctx.trainQueries.size();
    const int batches = int(batchesPerEpoch());

    const bool coordinator = !d->distributedSetup.distributed() || d->distributedSetup.rank == 0;
    d->parallelBranches = branchThreads() >= 2;
    try {
        if (d->distributedSetup.distributed() && !d->group) {
            // What cannot be split the same way across processes is refused before any starts.
            if (c.sharedRelationMask) {
                if (error) *error = QStringLiteral("shared_relation_mask draws one mask per relation of each process's "
                                                   "rows; it cannot train in several processes");
                return Outcome::Failed;
            }
            if (c.batchSize < 2 * d->distributedSetup.worldSize) {
                if (error) *error = QStringLiteral("a batch of %1 cannot be split across %2 processes (each needs at "
                                                   "least 2 queries)").arg(c.batchSize).arg(d->distributedSetup.worldSize);
                return Outcome::Failed;
            }
            if (!d->connectWorkers(error))
                return Outcome::Failed;
            say(QStringLiteral("training in %1 processes (collectives through %2); each takes its share of every "
                               "batch of %3")
                    .arg(d->group->size())
                    .arg(communicationBackendTitle(d->group->backend()))
                    .arg(c.batchSize));
        }
        d->savedEpoch = d->state.epoch;
        // What loading left freed (file buffers, raw feature tables) goes back to the system
        // now: the heap is not trimmed while training, so its holes would stay resident.
        releaseFreeHeapPages(kHeapHolesWorthReleasing);
        QElapsedTimer sinceSaved;
        sinceSaved.start();
        bool stop = d->state.evaluationsWithoutImprovement >= c.patience;
        d->runHeldFit(); // none, unless an earlier run() ended in an exception mid-epoch
        while (!stop && d->state.epoch < c.epochs) {
            const int epoch = d->state.epoch + 1;
            QElapsedTimer epochClock;
            epochClock.start();
            auto order = torch::randperm(queryCount, torch::kLong);
            const int64_t *o = order.data_ptr<int64_t>();
            Private::StepLosses sum;
            for (int b = 0; b < batches; ++b) {
                // Several processes agree on a cancel inside the step (any rank may ask).
                if (d->group ? d->cancelAgreed : isCancelled(feedback)) {
                    d->runHeldFit(); // the model stays in use (and the estimators with it)
                    say(QStringLiteral("cancelled during epoch %1; the run resumes from epoch %2").arg(epoch).arg(d->savedEpoch));
                    return Outcome::Cancelled;
                }
                const int64_t begin = int64_t(b) * c.batchSize;
                const int64_t end = b + 1 == batches ? queryCount : begin + c.batchSize;
                // This rank's rows of the batch (all of them with one process).
                int64_t offset = 0, rows = end - begin;
                if (d->group) {
                    const auto shares = d->rowsPerRank(end - begin);
                    for (int r = 0; r < d->group->rank(); ++r)
                        offset += shares[size_t(r)];
                    rows = shares[size_t(d->group->rank())];
                }
                const std::vector<int64_t> queries(o + begin + offset, o + begin + offset + rows);
                const auto losses = d->step(queries, offset, end - begin, isCancelled(feedback));
                ++d->distributedSteps;
                d->traceStep(losses);
                sum.total += losses.total;
                sum.bce += losses.bce;
                sum.mi += losses.mi;
                sum.estimator += losses.estimator;
                crashPoint("train.step");
                if (observer)
                    observer->batchFinished(epoch, b + 1, batches);
                reportProgress(feedback, {WorkStage::Training, b + 1, batches, epoch});
            }
            sum.estimator += d->runHeldFit(); // the epoch's last fit, before anything reads or saves it
            EpochRecord record;
            record.epoch = epoch;
            record.mainLoss = sum.total / batches;
            record.bceLoss = sum.bce / batches;
            record.miEstimate = sum.mi / batches;
            record.estimatorLoss = sum.estimator / batches;
            record.learningRate = d->state.learningRate;
            record.seconds = double(epochClock.nsecsElapsed()) / 1e9;
            QJsonObject entry = epochToJson(record);
            entry.insert("type", "epoch");
            d->history.append(entry);
            d->state.epoch = epoch;
            d->state.learningRate *= c.lrDecay;
            d->setLearningRate(d->state.learningRate);
            crashPoint("train.epoch");
            if (observer)
                observer->epochFinished(record);

            const bool evaluated = epoch % c.evalEvery == 0 || epoch == c.epochs;
            if (evaluated && coordinator) {
                QElapsedTimer evaluationClock;
                evaluationClock.start();
                const Outcome evaluation = d->validate(evaluator, epoch, feedback, observer, say, &stop, error);
                if (d->group) {
                    const RankDecision decision = evaluation == Outcome::Cancelled ? RankDecision::Cancel
                        : evaluation == Outcome::Failed                            ? RankDecision::Fail
                        : stop                                                      ? RankDecision::Stop
                                                                                    : RankDecision::Continue;
                    d->exchangeDecision(decision, double(evaluationClock.nsecsElapsed()) / 1e9, record.seconds);
                }
                if (evaluation != Outcome::Finished)
                    return evaluation;
            } else if (evaluated) {
                switch (d->exchangeDecision(RankDecision::Continue, 0, record.seconds)) {
                case RankDecision::Continue: break;
                case RankDecision::Stop: stop = true; break;
                case RankDecision::Cancel:
                    say(QStringLiteral("cancelled by rank 0 after epoch %1").arg(epoch));
                    return Outcome::Cancelled;
                case RankDecision::Fail:
                    if (error)
                        *error = QStringLiteral("rank 0 failed after evaluating epoch %1 (its own error says why)").arg(epoch);
                    return Outcome::Failed;
                }
            }
            if (!coordinator)
                continue; // only rank 0 writes
            if (evaluated || stop || epoch == c.epochs || isCancelled(feedback)
                || sinceSaved.elapsed() >= kLastCheckpointIntervalMs) {
                if (!d->saveState("last", error))
                    return Outcome::Failed;
                d->savedEpoch = epoch;
                sinceSaved.restart();
            }
        }

        if (d->group && d->distributedSteps > 0)
            say(QStringLiteral("communication: %1 ms per step over %2 steps (%3 collectives)")
                    .arg(1000 * communicationSecondsPerStep(), 0, 'f', 2)
                    .arg(d->distributedSteps).arg(d->group->communicationCalls()));
        if (!coordinator)
            return Outcome::Finished; // rank 0 tests the selected checkpoint
        // The test split is evaluated once, on the checkpoint selected on validation.
        const QString best = ctx.checkpointPath("best");
        if (QFile::exists(best) && !d->modelIsBestCheckpoint
            && !loadCheckpoint(best, ctx.model, nullptr, nullptr, nullptr, nullptr, error))
            return Outcome::Failed;
        if (!QFile::exists(best))
            say(QStringLiteral("no validation evaluation happened: testing the last epoch's model"));
        d->releaseTrainingBuffers();
        EvaluationReport test = evaluator.evaluate(Split::Test, c.evalBatchSize, feedback, d->state.epoch);
        if (!test.split)
            return Outcome::Cancelled;
        test.epoch = d->state.bestEpoch ? d->state.bestEpoch : d->state.epoch;
        d->test = test;
        if (!writeJson(QDir(ctx.spec.runDir).filePath("report-test.json"), QJsonDocument(test.toJson()), error))
            return Outcome::Failed;
        if (observer)
            observer->evaluationFinished(test, false);
    } catch (const std::exception &e) {
        if (error) *error = QStringLiteral("training failed: %1").arg(QString::fromUtf8(e.what()).section('\n', 0, 0));
        return Outcome::Failed;
    }
    return Outcome::Finished;
}

} // namespace momok
