#pragma once
// Element-wise kernels the engine runs on every step over millions of values, written
// to vectorise (AVX2 clones chosen at load time) where this LibTorch build does not.
// Tensors on another device (a GPU) take the same maths in plain LibTorch operations
// (PortableKernels.h); cpuKernelsServe() is the rule.
#include <torch/torch.h>

namespace momok {

// Σ_k gates[n,k]·experts[n,k,:] (gates N×K, experts N×K×w): the mixture of experts'
// outputs. Differentiable; unlike a broadcast multiply and sum it creates no N×K×w
// temporary in either pass (on the candidate side that is every entity's K outputs).
torch::Tensor mixExperts(const torch::Tensor &gates, const torch::Tensor &experts);

// The same mixture of the linear experts E = x·stackedᵀ − shiftRow (stacked K·w×w: the K
// matrices W_k; shiftRow 1×K·w: the W_k·b_k), without keeping E for the backward pass:
// it is recomputed there (one GEMM). On the candidate side E is every entity's K outputs,
// the largest tensor a step would otherwise hold until its backward.
torch::Tensor mixLinearExperts(const torch::Tensor &gates, const torch::Tensor &x, const torch::Tensor &stacked,
                               const torch::Tensor &shiftRow);

// x·weights (x N×k, weights k×n) for weights of at most kNarrowMaxColumns columns, such as the
// gates' logits; differentiable. OpenBLAS runs such products far below its speed (they only
// stream x); this reads x once per pass. Wider weights, other types and other devices: mm.
constexpr int64_t kNarrowMaxColumns = 16;
torch::Tensor narrowProduct(const torch::Tensor &x, const torch::Tensor &weights);
// The linear experts' outputs side by side, E = x·stackedᵀ − shiftRow (N×K·w): one GEMM.
torch::Tensor linearExpertOutputs(const torch::Tensor &x, const torch::Tensor &stacked, const torch::Tensor &shiftRow);

// Attention over modalities, fused: with s_m = ⟨p_m, v⟩ per row and α = softmax(s) over the
// given modalities, returns {Σ_m α_m·p_m (N×D), α (N×M)}. p0..p2: the modalities' N×D
// projections, undefined when a modality is absent (M counts the defined ones); v: 1×D.
// Differentiable in p and v (α is not); no N×M×D stack is formed in either pass.
std::vector<torch::Tensor> attentionFusion(const torch::Tensor &p0, const torch::Tensor &p1, const torch::Tensor &p2,
                                           const torch::Tensor &v);

// out[i] = exp(−x[i]) for n values, clamped to [e^−87, e^88], vectorised, within about 2e-7 of
// exp (relative); an element's result does not depend on n or on where it sits. The CLUB
// terms' precisions p = exp(−log σ²) (ClubEstimator.cpp).
void negatedExp(const float *x, float *out, int64_t n);

// Dropout with a counter-based mask: element i of call `stream` is kept with
// probability 1 − p and scaled by 1/(1 − p). Differentiable; identity when !training.
// rowOffset: x holds rows rowOffset, rowOffset + 1, … of the masked whole (a process's share of
// a batch split across processes), and gets those rows of the whole's mask.
torch::Tensor counterDropout(const torch::Tensor &x, double p, bool training, uint64_t stream, int64_t rowOffset = 0);

// The gates from their logits, softmax((a + noise·(softplus(b) + noiseFloor)) / temperature)
// over each row: logits N×2K = [a | b] with noise (N×K), or N×K = a without noise (undefined);
// temperature N×1 (or N), or undefined for 1. Differentiable in logits and temperature.
torch::Tensor gateSoftmax(const torch::Tensor &logits, const torch::Tensor &noise, const torch::Tensor &temperature,
                          double noiseFloor);

// relu(counterDropout(x, p, training, stream, rowOffset)·weightᵀ + bias): a fusion head's
// projection of one modality, as one differentiable operator (the same mask and values as
// those layers, fewer autograd nodes).
torch::Tensor projectRelu(const torch::Tensor &x, const torch::Tensor &weight, const torch::Tensor &bias, double p,
                          bool training, uint64_t stream, int64_t rowOffset = 0);

// One pass over contiguous B×E logits z for labels y = base + lift·[positive]:
// returns Σ (softplus(z) − y·z) and overwrites z with (σ(z) − y)·scale, its gradient.
// positives: flat indices of the answers.
double smoothedBceInPlace(torch::Tensor &logits, const torch::Tensor &positives, double base, double lift, double scale);

// out ← mean over the given logits of sigmoid(logit) (each B×E, contiguous); out is
// reused when it already has the right shape.
void meanSigmoid(const std::vector<torch::Tensor> &logits, torch::Tensor &out);

// The same for one row: out[j] ← mean over i < count of sigmoid(rows[i][j]), j < n. Lets
// evaluation form each query's decision while its logits are still in cache.
void meanSigmoidRow(const float *const *rows, int count, int64_t n, float *out);

} // namespace momok
