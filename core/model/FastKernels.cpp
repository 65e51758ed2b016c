#include "model/FastKernels.h"

#include "model/CounterRandom.h"
#include "model/PortableKernels.h"
#include "runtime/Gemm.h"
#include "runtime/KernelTargets.h"
#include "runtime/WorkProfiler.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace momok {

namespace {


// 2^n·e^r with r = x − n·ln 2 for n = x·log2(e) rounded (|r| ≤ ln(2)/2): the Cephes-style
// polynomial of the two exps below, relative error ~2e-7. n within [−126, 127].
__attribute__((always_inline)) inline float expWithExponent(float x, float n)
{
    const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = (int32_t(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    return p * scale;
}

// exp(x) for x ≤ 0, vectorisable.
__attribute__((always_inline)) inline float expNonPositive(float x)
{
    x = x < -87.0f ? -87.0f : x;
    // Round to nearest by truncation (x ≤ 0): converts without a floor call, so it vectorises everywhere.
    return expWithExponent(x, float(int32_t(x * 1.44269504088896341f - 0.5f)));
}

// exp(x) for any x, clamped to [e^−87, e^88], vectorisable.
__attribute__((always_inline)) inline float expClamped(float x)
{
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // Rounded half away from zero by truncation, as above.
    return expWithExponent(x, float(int32_t(x * 1.44269504088896341f + (x < 0.0f ? -0.5f : 0.5f))));
}

// log(1 + e) for e in [0, 1]: log1p via the atanh series of s = e / (2 + e) (|s| ≤ 1/3).
__attribute__((always_inline)) inline float log1pUnit(float e)
{
    const float s = e / (2.0f + e), s2 = s * s;
    float p = 1.0f / 13.0f;
    p = p * s2 + 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return 2.0f * s * p;
}

MOMOK_KERNEL double bceRange(const float *z, float *grad, int64_t n, float base, float scale) // z may equal grad
{
    double total = 0.0;
    constexpr int64_t kBlock = 4096; // float partial sums per block keep the double sum exact enough
    for (int64_t start = 0; start < n; start += kBlock) {
        const int64_t end = std::min(n, start + kBlock);
        float partial = 0.0f;
#pragma omp simd reduction(+ : partial)
        for (int64_t i = start; i < end; ++i) {
            const float v = z[i];
            const float e = expNonPositive(-__builtin_fabsf(v));
            const float softplus = (v > 0.0f ? v : 0.0f) + log1pUnit(e);
            const float inv = 1.0f / (1.0f + e);
            const float sigmoid = v >= 0.0f ? inv : e * inv;
            partial += softplus - base * v;
            grad[i] = (sigmoid - base) * scale;
        }
        total += double(partial);
    }
    return total;
}

__attribute__((always_inline)) inline float sigmoidOf(float v)
{
    const float e = expNonPositive(-__builtin_fabsf(v));
    const float inv = 1.0f / (1.0f + e);
    return v >= 0.0f ? inv : e * inv;
}

MOMOK_KERNEL void sigmoidAccumulate(const float *z, float *out, int64_t n, float weight, bool first)
{
    if (first) {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i)
            out[i] = sigmoidOf(z[i]) * weight;
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i)
            out[i] += sigmoidOf(z[i]) * weight;
    }
}

// out[i] = in[i]·scale where element first + i is kept, 0 elsewhere: the mask is never stored.
MOMOK_KERNEL void dropoutRange(const float *in, float *out, int64_t begin, int64_t end, int64_t first, uint32_t key,
                               uint32_t threshold, float scale)
{
    uint32_t h = key + uint32_t(first + begin) * random::kColumnStep; // carried, as keepHashed describes
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) {
        out[i] = in[i] * (random::keepHashed(h, threshold) ? scale : 0.0f);
        h += random::kColumnStep;
    }
}

// dst ← the call's mask applied to src, chunk by chunk (contiguous floats; dst may be src).
void maskInto(const float *src, float *dst, int64_t n, double p, uint64_t stream, int64_t first)
{
    const uint32_t threshold = random::dropThreshold(p);
    const float scale = float(1.0 / (1.0 - p));
    constexpr int64_t kChunk = int64_t(1) << random::kWholeChunkBits;
    // Keyed by chunk of the whole so that the mask does not depend on how the work is split
    // among threads or processes (random::keepsElementOfWhole is the same rule per element).
    const int64_t firstChunk = first / kChunk, lastChunk = n > 0 ? (first + n - 1) / kChunk : firstChunk - 1;
    at::parallel_for(firstChunk, lastChunk + 1, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t begin = std::max<int64_t>(c * kChunk - first, 0), end = std::min(n, (c + 1) * kChunk - first);
            dropoutRange(src, dst, begin, end, first, random::wholeChunkKey(stream, c * kChunk), threshold, scale);
        }
    });
}

// Applies the call's mask to a contiguous float tensor. The tensor's elements are elements
// first, first + 1, … of the masked whole (first > 0: this process's rows of a batch split
// across processes, which then get the mask the whole batch would).
torch::Tensor applyCounterMask(const torch::Tensor &input, double p, uint64_t stream, int64_t first)
{
    auto in = input.contiguous();
    auto out = torch::empty_like(in);
    maskInto(in.data_ptr<float>(), out.data_ptr<float>(), in.numel(), p, stream, first);
    return out;
}

// The same in place, for a tensor the caller owns (a gradient it has just formed): one pass
// over its memory instead of a read of it and a write of another.
void applyCounterMaskInPlace(const torch::Tensor &owned, double p, uint64_t stream, int64_t first)
{
    TORCH_CHECK(owned.is_contiguous(), "applyCounterMaskInPlace needs a contiguous tensor");
    float *data = owned.data_ptr<float>();
    maskInto(data, data, owned.numel(), p, stream, first);
}

// Dropout whose backward regenerates the mask from its counter instead of keeping it:
// on the candidate side (every entity, every fusion head) the masks were hundreds of MB.
class CounterDropoutFunction : public torch::autograd::Function<CounterDropoutFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x, double p, int64_t stream,
                                 int64_t first)
    {
        ctx->saved_data["p"] = p;
        ctx->saved_data["stream"] = stream;
        ctx->saved_data["first"] = first;
        return applyCounterMask(x, p, uint64_t(stream), first);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx, torch::autograd::variable_list grads)
    {
        const double p = ctx->saved_data["p"].toDouble();
        const auto stream = uint64_t(ctx->saved_data["stream"].toInt());
        return {applyCounterMask(grads[0], p, stream, ctx->saved_data["first"].toInt()), torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
    }
};

// ---- the gates: softmax((a + n·(softplus(b) + floor)) / T) over each row's K logits ----
// Rows of K = 3 to 8 values: the layers made eight small operators of them each way (two
// narrows, softplus, add, multiply, add, divide, softmax); this is one pass over the rows.
// Each row is one thread's, in a fixed order: the same bits on any thread count.

struct GateRows {
    const float *logits = nullptr; // N×K (no noise) or N×2K: [a | b]
    const float *noise = nullptr;  // N×K, or null
    const float *temperature = nullptr; // N (one per row), or null
    int64_t k = 0, stride = 0;
    float floor = 0;
};

// z: the row's logits before the softmax (a + n·s, divided by T); softplus as LibTorch's
// (beta 1, threshold 20).
inline void gateLogits(const GateRows &r, int64_t row, float *z)
{
    const float *l = r.logits + row * r.stride;
    for (int64_t j = 0; j < r.k; ++j) {
        float v = l[j];
        if (r.noise) {
            const float b = l[r.k + j];
            const float softplus = b > 20.0f ? b : std::log1p(std::exp(b));
            v += r.noise[row * r.k + j] * (softplus + r.floor);
        }
        z[j] = r.temperature ? v / r.temperature[row] : v;
    }
}

inline void softmaxRow(const float *z, float *g, int64_t k)
{
    float top = z[0];
    for (int64_t j = 1; j < k; ++j)
        top = std::max(top, z[j]);
    float sum = 0;
    for (int64_t j = 0; j < k; ++j) {
        g[j] = std::exp(z[j] - top);
        sum += g[j];
    }
    for (int64_t j = 0; j < k; ++j)
        g[j] /= sum;
}

class GateSoftmaxFunction : public torch::autograd::Function<GateSoftmaxFunction>
{
public:
    static constexpr int64_t kMaxExperts = 64;

    static GateRows rowsOf(const torch::Tensor &logits, const torch::Tensor &noise, const torch::Tensor &temperature,
                           double floor)
    {
        GateRows r;
        r.logits = logits.data_ptr<float>();
        r.noise = noise.numel() > 0 ? noise.data_ptr<float>() : nullptr;
        r.temperature = temperature.numel() > 0 ? temperature.data_ptr<float>() : nullptr;
        r.stride = logits.size(1);
        r.k = r.noise ? r.stride / 2 : r.stride;
        r.floor = float(floor);
        return r;
    }

    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &logitsIn,
                                 const torch::Tensor &noiseIn, const torch::Tensor &temperatureIn, double floor)
    {
        const auto logits = logitsIn.contiguous(), noise = noiseIn.contiguous(), temperature = temperatureIn.contiguous();
        const GateRows r = rowsOf(logits, noise, temperature, floor);
        TORCH_CHECK(r.k > 0 && r.k <= kMaxExperts, "gateSoftmax: 1 to 64 experts");
        const int64_t n = logits.size(0);
        auto gates = torch::empty({n, r.k}, logits.options());
        float *gs = gates.data_ptr<float>();
        at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
            float z[kMaxExperts];
            for (int64_t row = begin; row < end; ++row) {
                gateLogits(r, row, z);
                softmaxRow(z, gs + row * r.k, r.k);
            }
        });
        ctx->save_for_backward({logits, noise, temperature, gates});
        ctx->saved_data["floor"] = floor;
        return gates;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx, torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &logits = saved[0], &noise = saved[1], &temperature = saved[2], &gates = saved[3];
        const GateRows r = rowsOf(logits, noise, temperature, ctx->saved_data["floor"].toDouble());
        const auto g = grads[0].contiguous();
        const int64_t n = logits.size(0);
        auto gLogits = torch::empty_like(logits);
        auto gTemperature = r.temperature ? torch::empty_like(temperature) : torch::Tensor();
        const float *gg = g.data_ptr<float>(), *gs = gates.data_ptr<float>();
        float *gl = gLogits.data_ptr<float>(), *gt = r.temperature ? gTemperature.data_ptr<float>() : nullptr;
        at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
            float z[kMaxExperts];
            for (int64_t row = begin; row < end; ++row) {
                const float *gRow = gg + row * r.k, *gateRow = gs + row * r.k;
                float dot = 0;
                for (int64_t j = 0; j < r.k; ++j)
                    dot += gRow[j] * gateRow[j];
                const float t = r.temperature ? r.temperature[row] : 1.0f;
                if (gt)
                    gateLogits(r, row, z);
                float gT = 0;
                float *out = gl + row * r.stride;
                for (int64_t j = 0; j < r.k; ++j) {
                    const float gz = gateRow[j] * (gRow[j] - dot); // ∂ through the softmax
                    if (gt)
                        gT -= gz * z[j] / t;
                    const float ga = r.temperature ? gz / t : gz;
                    out[j] = ga;
                    if (r.noise) {
                        const float b = r.logits[row * r.stride + r.k + j];
                        const float sigmoid = b > 20.0f ? 1.0f : 1.0f / (1.0f + std::exp(-b)); // softplus′
                        out[r.k + j] = ga * r.noise[row * r.k + j] * sigmoid;
                    }
                }
                if (gt)
                    gt[row] = gT;
            }
        });
        return {gLogits, torch::Tensor(), gTemperature, torch::Tensor()};
    }
};

// Rows [begin, end) of out ← max(out + bias, 0) (out rows×n): a product's bias and ReLU in the
// one pass, the same values as adding the bias to the product's accumulator.
MOMOK_KERNEL void biasReluRows(float *out, const float *bias, int64_t begin, int64_t end, int64_t n)
{
    for (int64_t row = begin; row < end; ++row) {
        float *o = out + row * n;
#pragma omp simd
        for (int64_t c = 0; c < n; ++c) {
            const float v = o[c] + bias[c];
            o[c] = v < 0.0f ? 0.0f : v; // NaN stays NaN, as relu keeps it
        }
    }
}

// relu(dropout(x)·Wᵀ + b), the dropout counterDropout's: one autograd node where the layers
// made four (the dropout, the product, its transpose and the ReLU), and the dropout's mask
// regenerated in backward as counterDropout does. p = 0: no dropout.
class ProjectReluFunction : public torch::autograd::Function<ProjectReluFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x, const torch::Tensor &weight,
                                 const torch::Tensor &bias, double p, int64_t stream, int64_t first)
    {
        const torch::Tensor dropped = p > 0 ? applyCounterMask(x, p, uint64_t(stream), first) : x;
        auto out = torch::empty({dropped.size(0), weight.size(0)}, dropped.options());
        gemmInto(out, dropped, weight.t());
        const auto b = bias.contiguous();
        const int64_t n = out.size(1);
        float *o = out.data_ptr<float>();
        const float *bs = b.data_ptr<float>();
        at::parallel_for(0, out.size(0), 256, [&](int64_t begin, int64_t end) { biasReluRows(o, bs, begin, end, n); });
        ctx->save_for_backward({dropped, weight, out});
        ctx->saved_data["p"] = p;
        ctx->saved_data["stream"] = stream;
        ctx->saved_data["first"] = first;
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx, torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &dropped = saved[0], &weight = saved[1], &out = saved[2];
        const double p = ctx->saved_data["p"].toDouble();
        const torch::Tensor g = at::threshold_backward(grads[0], out, 0);
        torch::Tensor gX;
        if (ctx->needs_input_grad(0)) {
            gX = gemm(g, weight);
            if (p > 0)
                applyCounterMaskInPlace(gX, p, uint64_t(ctx->saved_data["stream"].toInt()), ctx->saved_data["first"].toInt());
        }
        return {gX, gemm(g.t(), dropped), g.sum(0), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

// dst ← weight·src (first) or dst += weight·src: one term of a row's weighted sum. Inlined
// into each kernel clone, where it vectorises for that clone's instruction set.
__attribute__((always_inline)) inline void addScaledRow(float *dst, const float *src, float weight, int64_t w, bool first)
{
    if (first) {
#pragma omp simd
        for (int64_t c = 0; c < w; ++c)
            dst[c] = weight * src[c];
    } else {
#pragma omp simd
        for (int64_t c = 0; c < w; ++c)
            dst[c] += weight * src[c];
    }
}

// Rows [begin, end) of out[n,:] = Σ_k g[n,k]·e[n,k,:].
MOMOK_KERNEL void mixRows(const float *g, const float *e, float *o, int64_t begin, int64_t end, int64_t k, int64_t w)
{
    for (int64_t row = begin; row < end; ++row) {
        for (int64_t j = 0; j < k; ++j)
            addScaledRow(o + row * w, e + (row * k + j) * w, g[row * k + j], w, j == 0);
    }
}

// Rows [begin, end) of out[n,:] = Σ_k g[n,k]·(p[n,k,:] − s[k,:]): the linear experts' mixture
// from their products p = x·W_kᵀ, each shift s_k = W_k·b_k taken off while the row is in cache.
MOMOK_KERNEL void mixShiftedRows(const float *g, const float *p, const float *s, float *o, int64_t begin, int64_t end,
                                 int64_t k, int64_t w)
{
    for (int64_t row = begin; row < end; ++row) {
        float *oRow = o + row * w;
        for (int64_t j = 0; j < k; ++j) {
            const float *pj = p + (row * k + j) * w, *sj = s + j * w;
            const float weight = g[row * k + j];
            if (j == 0) {
#pragma omp simd
                for (int64_t c = 0; c < w; ++c)
                    oRow[c] = weight * (pj[c] - sj[c]);
            } else {
#pragma omp simd
                for (int64_t c = 0; c < w; ++c)
                    oRow[c] += weight * (pj[c] - sj[c]);
            }
        }
    }
}

// Row-wise mixture of experts' outputs and its gradients, parallel over rows.
// out[n,:] = Σ_k gates[n,k]·experts[n,k,:] (all contiguous).
void mixForward(const torch::Tensor &gates, const torch::Tensor &experts, torch::Tensor &out)
{
    const int64_t n = gates.size(0), k = gates.size(1), w = out.size(1);
    const float *g = gates.data_ptr<float>(), *e = experts.data_ptr<float>();
    float *o = out.data_ptr<float>();
    at::parallel_for(0, n, 256, [&](int64_t b, int64_t end) { mixRows(g, e, o, b, end, k, w); });
}

// The same from the products x·W_kᵀ (N×K·w) and the shifts' row (1×K·w, the W_k·b_k): the
// same values as mixForward on their difference, whose N×K·w pass (or the pre-filled
// accumulator of a product with bias) is saved.
void mixShiftedForward(const torch::Tensor &gates, const torch::Tensor &products, const torch::Tensor &shiftRow,
                       torch::Tensor &out)
{
    const int64_t n = gates.size(0), k = gates.size(1), w = out.size(1);
    const float *g = gates.data_ptr<float>(), *p = products.data_ptr<float>(), *s = shiftRow.data_ptr<float>();
    float *o = out.data_ptr<float>();
    at::parallel_for(0, n, 256, [&](int64_t b, int64_t end) { mixShiftedRows(g, p, s, o, b, end, k, w); });
}

MOMOK_KERNEL void expertBackwardRows(const float *g, const float *d, const float *expert, float *scaled, float *gg,
                                     int64_t begin, int64_t end, int64_t j, int64_t k, int64_t w, int64_t stride)
{
    for (int64_t row = begin; row < end; ++row) {
        const float weight = g[row * k + j];
        const float *dRow = d + row * w, *eRow = expert + row * stride;
        float *sRow = scaled + row * stride;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int64_t c = 0; c < w; ++c) {
            dot += dRow[c] * eRow[c];
            sRow[c] = weight * dRow[c];
        }
        gg[row * k + j] = dot;
    }
}

// For expert j, given d = ∂L/∂out (N×w): gradGates[n,j] = ⟨d[n], E_j[n]⟩ and scaled[n] = gates[n,j]·d[n].
// E_j's and scaled's rows are w floats apart by `stride` (K·w inside an N×K×w tensor, w alone).
void expertBackward(const torch::Tensor &gates, int64_t j, const torch::Tensor &grad, const float *expert, float *scaled,
                    int64_t stride, torch::Tensor &gradGates)
{
    const int64_t n = gates.size(0), k = gates.size(1), w = grad.size(1);
    const float *g = gates.data_ptr<float>(), *d = grad.data_ptr<float>();
    float *gg = gradGates.data_ptr<float>();
    at::parallel_for(0, n, 256, [&](int64_t b, int64_t end) {
        expertBackwardRows(g, d, expert, scaled, gg, b, end, j, k, w, stride);
    });
}

class MixExpertsFunction : public torch::autograd::Function<MixExpertsFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &gatesIn,
                                 const torch::Tensor &expertsIn)
    {
        auto gates = gatesIn.contiguous(), experts = expertsIn.contiguous();
        ctx->save_for_backward({gates, experts});
        auto out = torch::empty({experts.size(0), experts.size(2)}, experts.options());
        mixForward(gates, experts, out);
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &gates = saved[0], &experts = saved[1];
        auto grad = grads[0].contiguous();
        const int64_t n = experts.size(0), k = experts.size(1), w = experts.size(2);
        auto gradGates = torch::empty({n, k}, gates.options());
        auto gradExperts = torch::empty({n, k, w}, experts.options());
        for (int64_t j = 0; j < k; ++j)
            expertBackward(gates, j, grad, experts.data_ptr<float>() + j * w, gradExperts.data_ptr<float>() + j * w,
                           k * w, gradGates);
        return {gradGates, gradExperts};
    }
};

// Rows are handled in blocks of this many, so that the N×K·w expert outputs (every
// entity's, on the candidate side) never exist at once, and a block's products (3 MB at
// K·w = 768) are still in cache when the mixing kernel or the backward's row pass reads them.
// MKG-Y's candidate side alone (15,000 × 256, K = 3, two threads, medians of 25): forward
// 17.0–19.1 ms in blocks of 1,024 rows against 19.0–21.2 in blocks of 4,096 (512: 19.9–20.3),
// backward the same or a little quicker.
constexpr int64_t kExpertRowBlock = 1024;

// The backward pass's per-row work for one block, given U = ∂out·[W_1 … W_K] (rows×K·w):
// ∂gate_k = ⟨U_k, x⟩ − ⟨∂out, s_k⟩, ∂x = Σ_k gate_k·U_k (when gradX is given), then U is
// overwritten with S = [gate_1·∂out … gate_K·∂out], whose product gives ∂W, and whose column
// sums over rows [begin, end) are written to sums (K·w floats): −∂s, summed while S is in cache.
MOMOK_KERNEL void linearExpertBackwardRows(const float *gates, const float *x, const float *grad, const float *shiftRow,
                                          float *u, float *gradGates, float *gradX, float *sums, int64_t begin,
                                          int64_t end, int64_t k, int64_t w)
{
    for (int64_t row = begin; row < end; ++row) {
        const float *xRow = x + row * w, *dRow = grad + row * w;
        float *uRow = u + row * k * w;
        float *gxRow = gradX ? gradX + row * w : nullptr;
        for (int64_t j = 0; j < k; ++j) {
            const float *uk = uRow + j * w, *sk = shiftRow + j * w;
            const float weight = gates[row * k + j];
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t c = 0; c < w; ++c)
                dot += uk[c] * xRow[c] - dRow[c] * sk[c];
            gradGates[row * k + j] = dot;
            if (gxRow)
                addScaledRow(gxRow, uk, weight, w, j == 0);
        }
        for (int64_t j = 0; j < k; ++j) {
            float *sRow = uRow + j * w, *sumRow = sums + j * w;
            const float weight = gates[row * k + j];
#pragma omp simd
            for (int64_t c = 0; c < w; ++c) {
                const float v = weight * dRow[c];
                sRow[c] = v;
                sumRow[c] = row == begin ? v : sumRow[c] + v;
            }
        }
    }
}

// Rows of a block a task takes: a fixed split, so ∂s has the same bits on any number of threads.
constexpr int64_t kExpertBackwardRows = 64;

// The rows' backward work (above) in tasks; adds the column sums of S into columnSums (K·w),
// task by task in order. `partial`: room for the tasks' sums, ⌈rows / 64⌉·K·w floats.
void linearExpertRowsBackward(const float *gates, const float *x, const float *grad, const float *shiftRow, float *u,
                              float *gradGates, float *gradX, float *partial, float *columnSums, int64_t rows,
                              int64_t k, int64_t w)
{
    const int64_t tasks = (rows + kExpertBackwardRows - 1) / kExpertBackwardRows, width = k * w;
    at::parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t)
            linearExpertBackwardRows(gates, x, grad, shiftRow, u, gradGates, gradX, partial + t * width,
                                     t * kExpertBackwardRows, std::min(rows, (t + 1) * kExpertBackwardRows), k, w);
    });
    for (int64_t t = 0; t < tasks; ++t)
        for (int64_t c = 0; c < width; ++c)
            columnSums[c] += partial[t * width + c];
}

class MixLinearExpertsFunction : public torch::autograd::Function<MixLinearExpertsFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &gatesIn,
                                 const torch::Tensor &xIn, const torch::Tensor &stacked, const torch::Tensor &shiftRow)
    {
        auto gates = gatesIn.contiguous(), x = xIn.contiguous();
        ctx->save_for_backward({gates, x, stacked, shiftRow});
        const int64_t n = x.size(0), w = x.size(1), k = gates.size(1);
        const auto shift = shiftRow.contiguous();
        auto out = torch::empty({n, w}, x.options());
        // The shift is taken off in the mixing kernel, not by the product: a product with bias
        // starts from an accumulator filled with it, one more pass over each block's K·w columns.
        auto products = torch::empty({std::min(kExpertRowBlock, n), k * w}, x.options());
        for (int64_t begin = 0; begin < n; begin += kExpertRowBlock) {
            const int64_t rows = std::min(kExpertRowBlock, n - begin);
            auto block = products.narrow(0, 0, rows), mixed = out.narrow(0, begin, rows);
            gemmInto(block, x.narrow(0, begin, rows), stacked.t());
            mixShiftedForward(gates.narrow(0, begin, rows), block, shift, mixed);
        }
        return out;
    }

    // With U_k = ∂out·W_k, the experts' outputs E_k are never needed again: ⟨∂out, E_k⟩ =
    // ⟨U_k, x⟩ − ⟨∂out, W_k·b_k⟩. So two products per block (U, then ∂W = Sᵀx), not three.
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &gates = saved[0], &x = saved[1], &stacked = saved[2], &shiftRow = saved[3];
        torch::NoGradGuard noGrad;
        const auto grad = grads[0].contiguous();
        const int64_t n = x.size(0), w = x.size(1), k = gates.size(1);
        const auto wideWeights = stacked.view({k, w, w}).permute({1, 0, 2}).reshape({w, k * w}); // [W_1 … W_K]
        const auto shift = shiftRow.contiguous();
        auto gradGates = torch::empty_like(gates);
        auto gradStacked = torch::empty_like(stacked);
        torch::Tensor gradX = x.requires_grad() ? torch::empty_like(x) : torch::Tensor();
        auto columnSums = torch::zeros({1, k * w}, x.options());
        const int64_t blockRows = std::min(kExpertRowBlock, n);
        auto u = torch::empty({blockRows, k * w}, x.options());
        auto partial = torch::empty({(blockRows + kExpertBackwardRows - 1) / kExpertBackwardRows, k * w}, x.options());
        for (int64_t begin = 0; begin < n; begin += kExpertRowBlock) {
            const int64_t rows = std::min(kExpertRowBlock, n - begin);
            auto ub = u.narrow(0, 0, rows);
            const auto gradRows = grad.narrow(0, begin, rows), xRows = x.narrow(0, begin, rows);
            gemmInto(ub, gradRows, wideWeights);
            linearExpertRowsBackward(gates.data_ptr<float>() + begin * k, xRows.data_ptr<float>(),
                                     gradRows.data_ptr<float>(), shift.data_ptr<float>(), ub.data_ptr<float>(),
                                     gradGates.data_ptr<float>() + begin * k,
                                     gradX.defined() ? gradX.data_ptr<float>() + begin * w : nullptr,
                                     partial.data_ptr<float>(), columnSums.data_ptr<float>(), rows, k, w);
            gemmInto(gradStacked, ub.t(), xRows, begin > 0);
        }
        return {gradGates, gradX, gradStacked, columnSums.neg_()};
    }
};

// Rows [begin, end) of the fused attention: α and out from the projections.
MOMOK_KERNEL void attentionRows(const float *const *p, int64_t m, const float *v, float *alpha, float *out, int64_t begin,
                                int64_t end, int64_t d)
{
    for (int64_t row = begin; row < end; ++row) {
        float s[3];
        float top = -INFINITY;
        for (int64_t j = 0; j < m; ++j) {
            const float *pj = p[j] + row * d;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t c = 0; c < d; ++c)
                dot += pj[c] * v[c];
            s[j] = dot;
            top = std::max(top, dot);
        }
        float total = 0.0f;
        for (int64_t j = 0; j < m; ++j) {
            s[j] = std::exp(s[j] - top);
            total += s[j];
        }
        float *o = out + row * d;
        for (int64_t j = 0; j < m; ++j) {
            const float a = s[j] / total;
            alpha[row * m + j] = a;
            addScaledRow(o, p[j] + row * d, a, d, j == 0);
        }
    }
}

// Rows [begin, end) of its backward: ∂α_m = ⟨g, p_m⟩, ∂s_m = α_m(∂α_m − Σ α∂α),
// ∂p_m = α_m·g + ∂s_m·v, and this range's part of ∂v = Σ_rows Σ_m ∂s_m·p_m (into gv).
MOMOK_KERNEL void attentionBackwardRows(const float *const *p, float *const *gp, int64_t m, const float *v,
                                        const float *alpha, const float *g, float *gv, int64_t begin, int64_t end,
                                        int64_t d)
{
    for (int64_t row = begin; row < end; ++row) {
        const float *gRow = g + row * d;
        float da[3];
        float mean = 0.0f;
        for (int64_t j = 0; j < m; ++j) {
            const float *pj = p[j] + row * d;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t c = 0; c < d; ++c)
                dot += gRow[c] * pj[c];
            da[j] = dot;
            mean += alpha[row * m + j] * dot;
        }
        for (int64_t j = 0; j < m; ++j) {
            const float a = alpha[row * m + j], ds = a * (da[j] - mean);
            const float *pj = p[j] + row * d;
            float *gpj = gp[j] + row * d;
#pragma omp simd
            for (int64_t c = 0; c < d; ++c) {
                gpj[c] = a * gRow[c] + ds * v[c];
                gv[c] += ds * pj[c];
            }
        }
    }
}

// Blocks' partial results, partial[0], partial[1], …, added in block order: a sum whose
// rounding does not depend on how many threads computed the blocks. The kernels here whose
// gradients sum over rows (∂v of the attention fusion, ∂W of the narrow product) end with it.
torch::Tensor sumBlocksInOrder(const torch::Tensor &partial)
{
    auto sum = partial[0].clone();
    for (int64_t b = 1; b < partial.size(0); ++b)
        sum.add_(partial[b]);
    return sum;
}

class AttentionFusionFunction : public torch::autograd::Function<AttentionFusionFunction>
{
public:
    static constexpr int64_t kRowBlock = 512; // ∂v's partial sums: fixed blocks, so the result is thread-count free

    static torch::autograd::variable_list forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &p0,
                                                  const torch::Tensor &p1, const torch::Tensor &p2,
                                                  const torch::Tensor &vIn)
    {
        std::vector<torch::Tensor> present;
        for (const torch::Tensor *t : {&p0, &p1, &p2})
            if (t->numel() > 0)
                present.push_back(t->contiguous());
        const auto v = vIn.contiguous();
        const int64_t n = present.front().size(0), d = present.front().size(1), m = int64_t(present.size());
        auto out = torch::empty({n, d}, present.front().options());
        auto alpha = torch::empty({n, m}, present.front().options());
        const float *ps[3] = {};
        for (int64_t j = 0; j < m; ++j)
            ps[j] = present[size_t(j)].data_ptr<float>();
        const float *vs = v.data_ptr<float>();
        float *as = alpha.data_ptr<float>(), *os = out.data_ptr<float>();
        at::parallel_for(0, n, 256, [&](int64_t b, int64_t e) { attentionRows(ps, m, vs, as, os, b, e, d); });
        std::vector<torch::Tensor> saved = present;
        saved.push_back(v);
        saved.push_back(alpha);
        ctx->save_for_backward(saved);
        ctx->saved_data["defined"] = int64_t(p0.numel() > 0) | int64_t(p1.numel() > 0) << 1 | int64_t(p2.numel() > 0) << 2;
        ctx->mark_non_differentiable({alpha});
        return {out, alpha};
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const int64_t m = int64_t(saved.size()) - 2;
        const torch::Tensor &v = saved[size_t(m)], &alpha = saved[size_t(m) + 1];
        const auto g = grads[0].contiguous();
        const int64_t n = g.size(0), d = g.size(1);
        const float *ps[3] = {};
        float *gps[3] = {};
        std::vector<torch::Tensor> gradP;
        for (int64_t j = 0; j < m; ++j) {
            ps[j] = saved[size_t(j)].data_ptr<float>();
            gradP.push_back(torch::empty_like(saved[size_t(j)]));
            gps[j] = gradP.back().data_ptr<float>();
        }
        const int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
        auto partial = torch::zeros({blocks, d}, g.options());
        float *partials = partial.data_ptr<float>();
        const float *vs = v.data_ptr<float>(), *as = alpha.data_ptr<float>(), *gs = g.data_ptr<float>();
        at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b)
                attentionBackwardRows(ps, gps, m, vs, as, gs, partials + b * d, b * kRowBlock,
                                      std::min(n, (b + 1) * kRowBlock), d);
        });
        auto gradV = sumBlocksInOrder(partial).view(v.sizes());
        const int64_t defined = ctx->saved_data["defined"].toInt();
        torch::autograd::variable_list out;
        size_t next = 0;
        for (int i = 0; i < 3; ++i)
            out.push_back((defined >> i) & 1 ? gradP[next++] : torch::Tensor());
        out.push_back(gradV);
        return out;
    }
};

// ---- x·W for a W of a few columns (the gates' logits) ----
// OpenBLAS streams x at a few GFLOP/s for such products (N×256 by 256×6 on MKG-Y: 3 ms a
// pass, three passes a step per modality); these loops read x once per pass at memory speed.
// Each output element is one thread's sum in a fixed order, and the weights' gradient sums
// fixed blocks of rows, then the blocks in order: the same bits on any thread count.

constexpr int64_t kNarrowRowBlock = 512;

// Rows [begin, end) of out = x·W (x N×k; weightsT: Wᵀ, n×k; out N×n).
MOMOK_KERNEL void narrowRows(const float *x, const float *weightsT, float *out, int64_t begin, int64_t end, int64_t k,
                             int64_t n)
{
    for (int64_t row = begin; row < end; ++row) {
        const float *xRow = x + row * k;
        for (int64_t j = 0; j < n; ++j) {
            const float *wj = weightsT + j * k;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t c = 0; c < k; ++c)
                dot += xRow[c] * wj[c];
            out[row * n + j] = dot;
        }
    }
}

// Rows [begin, end) of ∂x = ∂out·Wᵀ (∂out N×n; weightsT n×k; ∂x N×k).
MOMOK_KERNEL void narrowGradXRows(const float *grad, const float *weightsT, float *gradX, int64_t begin, int64_t end,
                                  int64_t k, int64_t n)
{
    for (int64_t row = begin; row < end; ++row)
        for (int64_t j = 0; j < n; ++j)
            addScaledRow(gradX + row * k, weightsT + j * k, grad[row * n + j], k, j == 0);
}

// One block's part of ∂Wᵀ = ∂outᵀ·x (n×k): rows [begin, end) summed in order into partial.
MOMOK_KERNEL void narrowGradWeightsRows(const float *x, const float *grad, float *partial, int64_t begin, int64_t end,
                                        int64_t k, int64_t n)
{
    for (int64_t row = begin; row < end; ++row)
        for (int64_t j = 0; j < n; ++j)
            addScaledRow(partial + j * k, x + row * k, grad[row * n + j], k, row == begin);
}

class NarrowProductFunction : public torch::autograd::Function<NarrowProductFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &xIn, const torch::Tensor &weights)
    {
        const auto x = xIn.contiguous();
        const auto weightsT = weights.t().contiguous();
        ctx->save_for_backward({x, weightsT});
        const int64_t rows = x.size(0), k = x.size(1), n = weights.size(1);
        auto out = torch::empty({rows, n}, x.options());
        profileFlop(2.0 * double(rows) * double(k) * double(n));
        const float *xs = x.data_ptr<float>(), *ws = weightsT.data_ptr<float>();
        float *os = out.data_ptr<float>();
        at::parallel_for(0, rows, 64, [&](int64_t begin, int64_t end) { narrowRows(xs, ws, os, begin, end, k, n); });
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &x = saved[0], &weightsT = saved[1];
        const auto grad = grads[0].contiguous();
        const int64_t rows = x.size(0), k = x.size(1), n = weightsT.size(0);
        const float *xs = x.data_ptr<float>(), *ws = weightsT.data_ptr<float>(), *gs = grad.data_ptr<float>();
        torch::Tensor gradX;
        if (ctx->needs_input_grad(0)) {
            gradX = torch::empty_like(x);
            float *gx = gradX.data_ptr<float>();
            profileFlop(2.0 * double(rows) * double(k) * double(n));
            at::parallel_for(0, rows, 64, [&](int64_t begin, int64_t end) { narrowGradXRows(gs, ws, gx, begin, end, k, n); });
        }
        torch::Tensor gradWeights;
        if (ctx->needs_input_grad(1)) {
            const int64_t blocks = std::max<int64_t>(1, (rows + kNarrowRowBlock - 1) / kNarrowRowBlock);
            auto partial = torch::zeros({blocks, n, k}, x.options()); // a block without rows (rows == 0) adds zeros
            float *ps = partial.data_ptr<float>();
            profileFlop(2.0 * double(rows) * double(k) * double(n));
            at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
                for (int64_t b = b0; b < b1; ++b)
                    narrowGradWeightsRows(xs, gs, ps + b * n * k, b * kNarrowRowBlock,
                                          std::min(rows, (b + 1) * kNarrowRowBlock), k, n);
            });
            gradWeights = sumBlocksInOrder(partial).t();
        }
        return {gradX, gradWeights};
    }
};

} // namespace

torch::Tensor linearExpertOutputs(const torch::Tensor &x, const torch::Tensor &stacked, const torch::Tensor &shiftRow)
{
    return gemmWithBias(shiftRow.neg(), x, stacked.t());
}

torch::Tensor narrowProduct(const torch::Tensor &x, const torch::Tensor &weights)
{
    TORCH_CHECK(x.dim() == 2 && weights.dim() == 2 && x.size(1) == weights.size(0), "narrowProduct: shape mismatch");
    if (x.scalar_type() != torch::kFloat || weights.scalar_type() != torch::kFloat || weights.size(1) > kNarrowMaxColumns
        || !cpuKernelsServe(x))
        return x.mm(weights);
    return NarrowProductFunction::apply(x, weights);
}

torch::Tensor mixLinearExperts(const torch::Tensor &gates, const torch::Tensor &x, const torch::Tensor &stacked,
                               const torch::Tensor &shiftRow)
{
    TORCH_CHECK(gates.scalar_type() == torch::kFloat && x.scalar_type() == torch::kFloat,
                "mixLinearExperts needs float32 tensors");
    if (!cpuKernelsServe(x))
        return portable::mixLinearExperts(gates, x, stacked, shiftRow);
    return MixLinearExpertsFunction::apply(gates, x, stacked, shiftRow);
}

torch::Tensor mixExperts(const torch::Tensor &gates, const torch::Tensor &experts)
{
    TORCH_CHECK(gates.scalar_type() == torch::kFloat && experts.scalar_type() == torch::kFloat,
                "mixExperts needs float32 tensors");
    if (!cpuKernelsServe(experts))
        return portable::mixExperts(gates, experts);
    return MixExpertsFunction::apply(gates, experts);
}

std::vector<torch::Tensor> attentionFusion(const torch::Tensor &p0, const torch::Tensor &p1, const torch::Tensor &p2,
                                           const torch::Tensor &v)
{
    int present = 0;
    for (const torch::Tensor *t : {&p0, &p1, &p2}) {
        if (!t->defined())
            continue;
        TORCH_CHECK(t->scalar_type() == torch::kFloat && t->dim() == 2 && t->size(1) == v.numel(),
                    "attentionFusion: N×D float32 projections and a D-wide attention vector");
        ++present;
    }
    TORCH_CHECK(present > 0, "attentionFusion: no modality given");
    if (!cpuKernelsServe(v))
        return portable::attentionFusion(p0, p1, p2, v);
    // LibTorch's custom functions take no undefined inputs: an absent modality travels as an
    // empty tensor (and gets no gradient).
    auto given = [&](const torch::Tensor &t) { return t.defined() ? t : torch::empty({0}, v.options()); };
    return AttentionFusionFunction::apply(given(p0), given(p1), given(p2), v);
}

namespace {
// The mask's element for x's first element, when x holds rows rowOffset… of the masked whole:
// the one rule every masked operator here follows, so that their masks agree.
int64_t maskFirstElement(const torch::Tensor &x, int64_t rowOffset)
{
    const int64_t rowWidth = x.dim() > 0 && x.size(0) > 0 ? x.numel() / x.size(0) : 0;
    return rowOffset * rowWidth;
}
} // namespace

torch::Tensor counterDropout(const torch::Tensor &x, double p, bool training, uint64_t stream, int64_t rowOffset)
{
    if (!training || p <= 0)
        return x;
    TORCH_CHECK(x.scalar_type() == torch::kFloat, "counterDropout needs float32 input");
    if (!cpuKernelsServe(x))
        return portable::counterDropout(x, p, stream, maskFirstElement(x, rowOffset));
    return CounterDropoutFunction::apply(x, p, int64_t(stream), maskFirstElement(x, rowOffset));
}

torch::Tensor gateSoftmax(const torch::Tensor &logits, const torch::Tensor &noise, const torch::Tensor &temperature,
                          double noiseFloor)
{
    if (!cpuKernelsServe(logits) || logits.scalar_type() != torch::kFloat)
        return portable::gateSoftmax(logits, noise, temperature, noiseFloor);
    const int64_t k = noise.defined() ? logits.size(1) / 2 : logits.size(1);
    TORCH_CHECK(!noise.defined() || (noise.size(0) == logits.size(0) && noise.size(1) == k), "gateSoftmax: noise shape");
    TORCH_CHECK(!temperature.defined() || temperature.numel() == logits.size(0), "gateSoftmax: one temperature a row");
    auto given = [&](const torch::Tensor &t) { return t.defined() ? t : torch::empty({0}, logits.options()); };
    return GateSoftmaxFunction::apply(logits, given(noise), given(temperature), noiseFloor);
}

torch::Tensor projectRelu(const torch::Tensor &x, const torch::Tensor &weight, const torch::Tensor &bias, double p,
                          bool training, uint64_t stream, int64_t rowOffset)
{
    if (!training)
        p = 0;
    if (!cpuKernelsServe(x) || x.scalar_type() != torch::kFloat || !bias.defined())
        return torch::relu(torch::nn::functional::linear(counterDropout(x, p, training, stream, rowOffset), weight, bias));
    return ProjectReluFunction::apply(x, weight, bias, p, int64_t(stream), maskFirstElement(x, rowOffset));
}

double smoothedBceInPlace(torch::Tensor &logits, const torch::Tensor &positives, double base, double lift, double scale)
{
    TORCH_CHECK(logits.is_contiguous(), "smoothedBceInPlace needs contiguous logits");
    if (!cpuKernelsServe(logits))
        return portable::smoothedBceInPlace(logits, positives, base, lift, scale);
    float *zs = logits.data_ptr<float>();
    float *gs = zs;
    const torch::Tensor &z = logits;
    const int64_t n = z.numel();
    // The answers' logits are read before the pass overwrites them with gradients.
    const int64_t *pos = positives.data_ptr<int64_t>();
    std::vector<double> positiveLogits(size_t(positives.numel()));
    for (int64_t i = 0; i < positives.numel(); ++i)
        positiveLogits[size_t(i)] = double(zs[pos[i]]);
    constexpr int64_t kChunk = 1 << 16;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<double> partial(size_t(chunks), 0.0);
    at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t start = c * kChunk;
            partial[size_t(c)] = bceRange(zs + start, gs + start, std::min(kChunk, n - start), float(base), float(scale));
        }
    });
    double total = 0.0;
    for (double v : partial) // fixed order: the result does not depend on the thread count
        total += v;
    for (int64_t i = 0; i < positives.numel(); ++i) {
        total -= lift * positiveLogits[size_t(i)];
        gs[pos[i]] -= float(lift * scale);
    }
    return total;
}

void meanSigmoid(const std::vector<torch::Tensor> &logits, torch::Tensor &out)
{
    if (!cpuKernelsServe(logits.front()))
        return portable::meanSigmoid(logits, out);
    if (!out.defined() || out.sizes() != logits.front().sizes())
        out = torch::empty_like(logits.front());
    float *o = out.data_ptr<float>();
    const int64_t n = out.numel();
    const float weight = 1.0f / float(logits.size());
    constexpr int64_t kChunk = 1 << 16;
    at::parallel_for(0, (n + kChunk - 1) / kChunk, 1, [&](int64_t c0, int64_t c1) {
        for (size_t l = 0; l < logits.size(); ++l) {
            const float *z = logits[l].data_ptr<float>();
            for (int64_t c = c0; c < c1; ++c) {
                const int64_t start = c * kChunk;
                sigmoidAccumulate(z + start, o + start, std::min(kChunk, n - start), weight, l == 0);
            }
        }
    });
}

void meanSigmoidRow(const float *const *rows, int count, int64_t n, float *out)
{
    const float weight = 1.0f / float(count);
    for (int i = 0; i < count; ++i)
        sigmoidAccumulate(rows[i], out, n, weight, i == 0);
}

namespace {

// The lanes negatedExp works in: every value, the last few included, goes through the same
// vector code, so an element's result does not depend on where it sits in the array.
constexpr int64_t kExpLanes = 16;

__attribute__((always_inline)) inline void negatedExpLanes(const float *x, float *out)
{
#pragma omp simd
    for (int64_t i = 0; i < kExpLanes; ++i)
        out[i] = expClamped(-x[i]);
}

MOMOK_KERNEL void negatedExpRange(const float *x, float *out, int64_t n)
{
    const int64_t whole = n - n % kExpLanes;
    for (int64_t start = 0; start < whole; start += kExpLanes)
        negatedExpLanes(x + start, out + start);
    if (whole < n) {
        float in[kExpLanes] = {}, result[kExpLanes];
        std::copy(x + whole, x + n, in);
        negatedExpLanes(in, result);
        std::copy(result, result + (n - whole), out + whole);
    }
}

} // namespace

void negatedExp(const float *x, float *out, int64_t n)
{
    negatedExpRange(x, out, n);
}

} // namespace momok
