#pragma once
// The training step's graph cut in three (see Trainer's step): the adaptors below, and two
// branches above them whose parameters do not overlap, the modality decoders with their
// scores and the CLUB bound (M), and the fusion with the joint decoder and its scores (J).
// Each branch runs forward and backward from its own detached copies of the adaptors'
// outputs, so the two can run at once on two threads and give the same bits as one after the
// other; their gradients are then added, M's first, and taken down through the adaptors. (One
// after the other, both may add into the same copies: IEEE addition commutes, so the sums
// are the same bits.)
#include "domain/Vocabulary.h"
#include "model/MoMoKModel.h"

#include <torch/torch.h>

#include <array>
#include <functional>

namespace momok {

// One branch's copies of the adaptors' outputs: leaves that collect the branch's gradients.
struct BranchInputs {
    std::array<torch::Tensor, kModalityCount> candidates; // E×w
    std::array<torch::Tensor, kModalityCount> queries;    // B×w
    std::array<torch::Tensor, kModalityCount> experts;    // B×K×w (branch M, for the CLUB bound)
    std::array<torch::Tensor, kModalityCount> relations;  // R'×d_r
};

// Detached copies of what is defined; experts only for the modalities marked in withExperts.
BranchInputs detachedBranchInputs(const std::array<torch::Tensor, kModalityCount> &candidates, const QueryAdaptors &query,
                                  const std::array<bool, kModalityCount> &withExperts);

// Backward from the adaptors' outputs with the gradients both branches left on their copies
// (summed M then J, a fixed order): the adaptors', tables' and relation embeddings' gradients.
// The two may be the same copies (branches run one after the other, each adding into them).
void backwardThroughAdaptors(const std::array<torch::Tensor, kModalityCount> &candidates, const QueryAdaptors &query,
                             const BranchInputs &modalityBranch, const BranchInputs &jointBranch);

// Runs both; with `parallel`, `second` on LibTorch's inter-op pool meanwhile. Returns once both
// ended, then rethrows the first one's exception, else the second one's.
void runBranches(bool parallel, const std::function<void()> &first, const std::function<void()> &second);

} // namespace momok
