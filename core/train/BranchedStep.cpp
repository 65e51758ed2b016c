#include "train/BranchedStep.h"

#include "runtime/WorkProfiler.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <exception>
#include <future>

namespace momok {

torch::Tensor leafCopy(const torch::Tensor &t)
{
    return t.defined() ? t.detach().requires_grad_(true) : torch::Tensor();
}

namespace {

torch::Tensor gradientOf(const torch::Tensor &leaf)
{
    return leaf.defined() ? leaf.grad() : torch::Tensor();
}

} // namespace

BranchInputs detachedBranchInputs(const std::array<torch::Tensor, kModalityCount> &candidates, const QueryAdaptors &query,
                                  const std::array<bool, kModalityCount> &withExperts)
{
    BranchInputs out;
    for (size_t m = 0; m < size_t(kModalityCount); ++m) {
        out.candidates[m] = leafCopy(candidates[m]);
        out.queries[m] = leafCopy(query.adaptors[m].mixed);
        out.relations[m] = leafCopy(query.relationRows[m]);
        if (withExperts[m])
            out.experts[m] = leafCopy(query.adaptors[m].experts);
    }
    return out;
}

StepAdaptors runAdaptors(MoMoKModel &model, const torch::Tensor &entities, const torch::Tensor &relations, uint64_t step,
                         bool parallel, const WorkBeside &beside)
{
    StepAdaptors out;
    const MoMoKModelImpl::AdaptorDraws draws = model->adaptorDraws(relations);
    out.temperature = draws.temperature;
    out.query.slot = draws.slot;
    std::vector<int> used;
    for (int m = 0; m < kModalityCount; ++m) {
        if (!model->modalityUsed(m))
            continue;
        used.push_back(m);
        if (draws.temperature.defined())
            out.temperatureCopies[size_t(m)] = leafCopy(draws.temperature);
    }
    auto adaptor = [&](int m) {
        const size_t i = size_t(m);
        torch::Tensor rows;
        {
            ProfileScope scope(ProfileSection::ExpertsAndGates);
            rows = model->entityRowsOf(m, entities);
        }
        out.candidates[i] = model->candidateAdaptor(m, draws.candidateNoise[i], step);
        out.query.relationRows[i] = model->queryRelationRows(m, draws.distinct);
        out.query.adaptors[i] = model->queryAdaptor(m, rows, out.temperatureCopies[i], draws.queryNoise[i], step);
    };
    if (beside.modalities.empty()) {
        runModalities(parallel, used, adaptor);
        return out;
    }
    // This thread takes the first half of the adaptors (rounded up) and of the work beside
    // (rounded down), the pool the rest: with three modalities, two adaptors and one piece
    // beside here, one and two there (an adaptor costs more than an estimator's fit).
    const size_t adaptorsHere = (used.size() + 1) / 2, besideHere = beside.modalities.size() / 2;
    std::vector<std::function<void()>> tasks;
    auto addAdaptors = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i)
            tasks.push_back([&adaptor, m = used[i]] { adaptor(m); });
    };
    auto addBeside = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i)
            tasks.push_back([&beside, m = beside.modalities[i]] { beside.work(m); });
    };
    addAdaptors(0, adaptorsHere);
    addBeside(0, besideHere);
    addAdaptors(adaptorsHere, used.size());
    addBeside(besideHere, beside.modalities.size());
    runTasks(parallel, tasks, adaptorsHere + besideHere);
    return out;
}

void backwardThroughAdaptors(const StepAdaptors &adaptors, const BranchInputs &modalityBranch,
                             const BranchInputs &jointBranch, bool parallel, const std::function<void()> &alongside)
{
    const QueryAdaptors &query = adaptors.query;
    std::vector<int> modalities;
    for (int m = 0; m < kModalityCount; ++m)
        if (adaptors.candidates[size_t(m)].defined() || query.adaptors[size_t(m)].mixed.defined())
            modalities.push_back(m);
    auto modalityBackward = [&](int modality) {
        const size_t m = size_t(modality);
        std::vector<torch::Tensor> roots, gradients;
        auto add = [&](const torch::Tensor &root, const torch::Tensor &first, const torch::Tensor &second) {
            // Branches run one after the other may share their copies: then the copy holds both.
            const torch::Tensor a = gradientOf(first), b = second.is_same(first) ? torch::Tensor() : gradientOf(second);
            const torch::Tensor sum = a.defined() && b.defined() ? a + b : a.defined() ? a : b;
            if (sum.defined() && root.defined() && root.requires_grad()) {
                roots.push_back(root);
                gradients.push_back(sum);
            }
        };
        add(adaptors.candidates[m], modalityBranch.candidates[m], jointBranch.candidates[m]);
        add(query.adaptors[m].mixed, modalityBranch.queries[m], jointBranch.queries[m]);
        add(query.adaptors[m].experts, modalityBranch.experts[m], jointBranch.experts[m]);
        add(query.relationRows[m], modalityBranch.relations[m], jointBranch.relations[m]);
        if (!roots.empty())
            torch::autograd::backward(roots, gradients);
    };
    const bool twoThreads = parallel && modalities.size() > 1;
    const size_t here = twoThreads ? (modalities.size() + 1) / 2 : modalities.size();
    std::vector<std::function<void()>> tasks;
    for (size_t i = 0; i < modalities.size(); ++i) {
        tasks.push_back([&modalityBackward, m = modalities[i]] { modalityBackward(m); });
        if (alongside && ((twoThreads && i + 1 == here) || i + 1 == modalities.size()))
            tasks.push_back(alongside);
    }
    if (alongside && modalities.empty())
        tasks.push_back(alongside);
    runTasks(twoThreads, tasks, alongside && twoThreads ? here + 1 : here);
    // The relation temperature, shared by the modalities' query adaptors: their gradients on
    // its copies, added S, I, T.
    if (adaptors.temperature.defined() && adaptors.temperature.requires_grad()) {
        torch::Tensor sum;
        for (const auto &copy : adaptors.temperatureCopies)
            if (const torch::Tensor g = gradientOf(copy); g.defined())
                sum = sum.defined() ? sum + g : g;
        if (sum.defined())
            torch::autograd::backward({adaptors.temperature}, {sum});
    }
}

void runBranches(bool parallel, const std::function<void()> &first, const std::function<void()> &second)
{
    if (!parallel) {
        first();
        second();
        return;
    }
    std::promise<void> secondDone;
    std::future<void> secondEnded = secondDone.get_future();
    // The pool's threads take the intra-op count when they start; it may have changed since.
    // LibTorch's reductions split their sums by thread: the same count, the same bits.
    const int threads = at::get_num_threads();
    at::launch([&second, &secondDone, threads] {
        try {
            if (at::get_num_threads() != threads)
                at::set_num_threads(threads);
            second();
            secondDone.set_value();
        } catch (...) {
            secondDone.set_exception(std::current_exception());
        }
    });
    std::exception_ptr firstFailure;
    try {
        first();
    } catch (...) {
        firstFailure = std::current_exception();
    }
    secondEnded.wait(); // `second` refers to the caller's state: never unwind before it ended
    if (firstFailure)
        std::rethrow_exception(firstFailure);
    secondEnded.get();
}

void runTasks(bool parallel, const std::vector<std::function<void()>> &tasks, size_t onThisThread)
{
    onThisThread = std::min(onThisThread, tasks.size());
    runBranches(
        parallel && onThisThread > 0 && onThisThread < tasks.size(),
        [&] {
            for (size_t i = 0; i < onThisThread; ++i)
                tasks[i]();
        },
        [&] {
            for (size_t i = onThisThread; i < tasks.size(); ++i)
                tasks[i]();
        });
}

void runModalities(bool parallel, const std::vector<int> &modalities, const std::function<void(int)> &work)
{
    std::vector<std::function<void()>> tasks;
    for (int m : modalities)
        tasks.push_back([&work, m] { work(m); });
    runTasks(parallel, tasks, parallel ? (modalities.size() + 1) / 2 : modalities.size());
}

} // namespace momok
