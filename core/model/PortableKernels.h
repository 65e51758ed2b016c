#pragma once
// The engine's custom kernels in plain LibTorch operations, for every device the
// hand-written CPU loops (FastKernels, MaskedCoreProduct, ClubEstimator) cannot serve: a
// GPU, or any device a LibTorch build offers. Same maths, same counter-keyed dropout
// masks bit for bit (so a run on a GPU drops what the same run on the CPU drops); results
// differ from the CPU kernels only by float summation order. Gradients come from autograd.
#include <torch/torch.h>

#include <vector>

namespace momok {

// The one rule for choosing a path: the CPU kernels serve float32 CPU tensors, unless the
// portable path is forced (MOMOK_PORTABLE_KERNELS=1 in the environment, or
// setPortableKernelsForced), which lets the off-CPU path be checked on a CPU-only machine.
bool cpuKernelsServe(const torch::Tensor &t);
void setPortableKernelsForced(bool forced);

namespace portable {

// Keep mask (bool) of elements first, first + 1, … of a counter-dropout call's masked whole,
// in `shape`, on `device`: the mask counterDropout's CPU kernel applies.
torch::Tensor counterKeepMask(torch::IntArrayRef shape, int64_t first, uint64_t stream, double p,
                              const torch::Device &device);
torch::Tensor counterDropout(const torch::Tensor &x, double p, uint64_t stream, int64_t first);

// Keep masks (bool, B×w×w) of maskedCoreProduct's per-query relation matrices.
torch::Tensor coreKeepMasks(int64_t batch, int64_t width, uint64_t stream, double p, int64_t rowOffset,
                            const torch::Device &device);
torch::Tensor maskedCoreProduct(const torch::Tensor &x, const torch::Tensor &relationMatrices,
                                const torch::Tensor &slot, uint64_t stream, double p, int64_t rowOffset);

torch::Tensor gateSoftmax(const torch::Tensor &logits, const torch::Tensor &noise, const torch::Tensor &temperature,
                          double noiseFloor);
torch::Tensor mixExperts(const torch::Tensor &gates, const torch::Tensor &experts);
torch::Tensor mixLinearExperts(const torch::Tensor &gates, const torch::Tensor &x, const torch::Tensor &stacked,
                               const torch::Tensor &shiftRow);
std::vector<torch::Tensor> attentionFusion(const torch::Tensor &p0, const torch::Tensor &p1, const torch::Tensor &p2,
                                           const torch::Tensor &v);

// Σ (softplus(z) − y·z) over logits z, labels y = base + lift·[positive]; z becomes its
// gradient (σ(z) − y)·scale, as smoothedBceInPlace.
double smoothedBceInPlace(torch::Tensor &logits, const torch::Tensor &positives, double base, double lift, double scale);
void meanSigmoid(const std::vector<torch::Tensor> &logits, torch::Tensor &out);

// The CLUB bound and the estimator's log-likelihood, in double precision as the CPU kernels.
torch::Tensor clubUpperBound(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y);
torch::Tensor clubLogLikelihood(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y);

} // namespace portable
} // namespace momok
