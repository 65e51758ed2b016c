#pragma once
// Binary cross-entropy of the sigmoid scores of queries against all candidates, with
// 1-to-N labels smoothed as y = (1 − ls)·y + 1/|E|, fused with the scoring product:
// the B×E scores live in one reusable buffer that the loss overwrites with its own
// gradient, the input gradients are formed right away (so the buffer can serve the next
// decoder), and the dense label matrix is never built (answers are flat indices).
#include <torch/torch.h>

namespace momok {

// queries: B×w, candidates: E×w (both differentiable). positives: flat indices row·E + column
// of the known answers. buffer: a tensor kept by the caller between steps (replaced when it has
// fewer than B rows or another width; a larger one serves through its first B rows).
// Returns the mean over all B·E elements, as torch's BCELoss does.
torch::Tensor smoothedBceScores(const torch::Tensor &queries, const torch::Tensor &candidates,
                                const torch::Tensor &positives, double labelSmoothing, torch::Tensor &buffer);

} // namespace momok
