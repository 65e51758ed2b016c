#include "train/BranchedStep.h"

#include <ATen/Parallel.h>

#include <exception>
#include <future>

namespace momok {
namespace {

torch::Tensor leafCopy(const torch::Tensor &t)
{
    return t.defined() ? t.detach().requires_grad_(true) : torch::Tensor();
}

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

void backwardThroughAdaptors(const std::array<torch::Tensor, kModalityCount> &candidates, const QueryAdaptors &query,
                             const BranchInputs &modalityBranch, const BranchInputs &jointBranch)
{
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
    for (size_t m = 0; m < size_t(kModalityCount); ++m) {
        add(candidates[m], modalityBranch.candidates[m], jointBranch.candidates[m]);
        add(query.adaptors[m].mixed, modalityBranch.queries[m], jointBranch.queries[m]);
        add(query.adaptors[m].experts, modalityBranch.experts[m], jointBranch.experts[m]);
        add(query.relationRows[m], modalityBranch.relations[m], jointBranch.relations[m]);
    }
    if (!roots.empty())
        torch::autograd::backward(roots, gradients);
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

} // namespace momok
