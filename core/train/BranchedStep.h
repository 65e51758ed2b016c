#pragma once
// The training step's graph cut in three (see Trainer's step): the adaptors below, and two
// branches above them whose parameters do not overlap, the modality decoders with their
// scores and the CLUB bound (M), and the fusion with the joint decoder and its scores (J;
// its candidates' fusion is formed on M's thread, the shorter branch, as a graph of its own:
// see Trainer's step).
// Each branch runs forward and backward from its own detached copies of the adaptors'
// outputs, so the two can run at once on two threads and give the same bits as one after the
// other; their gradients are then added, M's first, and taken down through the adaptors. (One
// after the other, both may add into the same copies: IEEE addition commutes, so the sums
// are the same bits.) M's work after the candidates' fusion is in pieces (each modality
// decoder, the CLUB bound) that J's thread takes too once J is done.
#include "domain/Vocabulary.h"
#include "model/MoMoKModel.h"

#include <torch/torch.h>

#include <array>
#include <functional>
#include <vector>

namespace momok {

// The adaptors of one training step, below both branches: every entity (the candidates) and
// the batch's queries through each used modality's adaptor. Each modality's part runs on its
// own (two threads with `parallel`), so no node of the graph may be shared between
// modalities: each takes its own copy of the relation temperature σ(ε_r), whose gradients
// are summed S, I, T into `temperature` by backwardThroughAdaptors. And each modality's
// nodes are all made on one thread, its table's rows included: backward runs ready nodes in
// the order of their thread's sequence numbers, and that order decides in which order the
// candidates' and the queries' gradients are added into the table's.
struct StepAdaptors {
    std::array<torch::Tensor, kModalityCount> candidates; // E×w per used modality
    QueryAdaptors query;
    std::array<torch::Tensor, kModalityCount> temperatureCopies; // leaves, one per modality with queries
    torch::Tensor temperature;                                 // B×1, or undefined
};
// Work of other modalities' that may run beside the adaptors (the estimators' fit held over
// from the step before, see Trainer's step): work(m) for each of `modalities`, touching none
// of the adaptors' graph.
struct WorkBeside {
    std::vector<int> modalities;
    std::function<void(int)> work;
};
// The gate noise is drawn first, in the order MoMoKModel's candidateAdaptors() and
// queryAdaptors() draw it: the same numbers, so the same values as those two. With `parallel`
// the modalities' adaptors and the work beside are shared between this thread and the pool.
StepAdaptors runAdaptors(MoMoKModel &model, const torch::Tensor &entities, const torch::Tensor &relations, uint64_t step,
                         bool parallel, const WorkBeside &beside = {});

// One branch's copies of the adaptors' outputs: leaves that collect the branch's gradients.
struct BranchInputs {
    std::array<torch::Tensor, kModalityCount> candidates; // E×w
    std::array<torch::Tensor, kModalityCount> queries;    // B×w
    std::array<torch::Tensor, kModalityCount> experts;    // B×K×w (branch M, for the CLUB bound)
    std::array<torch::Tensor, kModalityCount> relations;  // R'×d_r
};

// t detached, as a leaf that collects a branch's gradient (undefined stays undefined).
torch::Tensor leafCopy(const torch::Tensor &t);

// Detached copies of what is defined; experts only for the modalities marked in withExperts.
BranchInputs detachedBranchInputs(const std::array<torch::Tensor, kModalityCount> &candidates, const QueryAdaptors &query,
                                  const std::array<bool, kModalityCount> &withExperts);

// Backward from the adaptors' outputs with the gradients both branches left on their copies
// (summed M then J, a fixed order): the adaptors', tables' and relation embeddings' gradients,
// each modality's on its own (two threads with `parallel`), then the relation temperature's.
// The two may be the same copies (branches run one after the other, each adding into them).
// `alongside`, if set, runs on each thread once that thread's modalities are done (with
// `parallel` on both at once, so it must share its work safely), before the temperature's.
void backwardThroughAdaptors(const StepAdaptors &adaptors, const BranchInputs &modalityBranch,
                             const BranchInputs &jointBranch, bool parallel,
                             const std::function<void()> &alongside = {});

// Runs both; with `parallel`, `second` meanwhile on a thread kept for it (on LibTorch's
// inter-op pool when that one is taken, as by a runBranches inside a branch). Returns once
// both ended, then rethrows the first one's exception, else the second one's.
void runBranches(bool parallel, const std::function<void()> &first, const std::function<void()> &second);

// Each of `tasks` in order; with `parallel`, the first `onThisThread` on this thread and the
// rest on the pool meanwhile, each side in order. Tasks that share no tensor they write give
// the same bits either way.
void runTasks(bool parallel, const std::vector<std::function<void()>> &tasks, size_t onThisThread);

// work(m) for each of `modalities`; with `parallel`, the first half (rounded up) on this
// thread and the rest on the pool meanwhile. Each modality's work must touch only its own
// tensors: then the results are the same bits either way.
void runModalities(bool parallel, const std::vector<int> &modalities, const std::function<void(int)> &work);

} // namespace momok
