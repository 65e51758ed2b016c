#pragma once
// x_b · dropout_b(W_{r_b}) for a batch of queries: TuckER's core contraction with a
// fresh dropout mask on every query's relation matrix, as the reference does, but
// without materialising the B×w×w masked matrices (they are regenerated from a
// counter-based RNG in the backward pass). Gradients flow to x and to the
// per-relation matrices W_rel, so W_r = r·W is computed once per distinct relation.
#include <torch/torch.h>

namespace momok {

// The dropout that formed x, counterDropout(·, p, true, stream, rowOffset) with the product's
// rowOffset (p = 0: none, or unknown). The backward passes then skip the elements it dropped:
// their gradient is zeroed by that dropout's own backward pass, so they get 0 here without the
// w masked products each took. The other gradients keep their bits.
struct InputDropout
{
    double p = 0;
    uint64_t stream = 0;
};

// x: B×w, relationMatrices: R'×w×w (R' distinct relations of the batch), slot: B (index into
// relationMatrices). stream: random stream key of this step and decoder; p: dropout rate.
// rowOffset: the batch's rows are rows rowOffset, … of a batch split across processes.
torch::Tensor maskedCoreProduct(const torch::Tensor &x, const torch::Tensor &relationMatrices,
                                const torch::Tensor &slot, uint64_t stream, double p, int64_t rowOffset = 0,
                                InputDropout inputDropout = {});

// The same for a batch whose every query has a relation row of its own (the joint decoder's
// fused relations while training): maskedCoreProduct(x, (relations·core) as B×w×w, 0…B−1, …),
// the same masks and values. relations: B×d_r, core: d_r×w². Its backward pass never forms the
// B×w×w gradient of the per-query matrices (see MaskedCoreProduct.cpp).
torch::Tensor maskedQueryCoreProduct(const torch::Tensor &x, const torch::Tensor &relations, const torch::Tensor &core,
                                     uint64_t stream, double p, int64_t rowOffset = 0, InputDropout inputDropout = {});

// The masks maskedCoreProduct uses, materialised (R'... B×w×w): for tests only.
torch::Tensor maskedCoreMasks(const torch::Tensor &slot, int64_t width, uint64_t stream, double p, int64_t rowOffset = 0);

// Exact x_b · W_{r_b} without dropout, one GEMM per distinct relation (evaluation).
torch::Tensor groupedCoreProduct(const torch::Tensor &x, const torch::Tensor &relationMatrices,
                                 const torch::Tensor &slot);

} // namespace momok
