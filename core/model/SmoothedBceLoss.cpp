#include "model/SmoothedBceLoss.h"

#include "model/FastKernels.h"
#include "runtime/Gemm.h"
#include "runtime/WorkProfiler.h"

namespace momok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// a·b for a result far taller than wide (B×w or E×w, with w ≤ kNarrowWidth). OpenBLAS runs such
// a product well below its rate when the result is stored row-major (its fast dimension is then
// the short one), and faster written transposed. Alone, on 2 cores, with E = 15,000, B = 1,024 and
// w = 64: Gᵀ·Q 25 ms against 11 ms, G·C 15 ms against 12 ms. Within a profiled MKG-Y epoch the
// two products of the 64-wide decoders took 1.11 s against 1.35 s, less about 0.1 s for copies
// downstream that want them row-major. At w = 256 the gain was under 10 % and the copies ate
// it, so wide results stay row-major. oneDNN (runtime/Gemm.h) prefers G·C row-major (348 against
// 164 GFLOP/s alone, same shapes) and Gᵀ·Q transposed (369 against 255): the transposed form
// only where a is a transposed view. The result may be a transposed view (strides differ, values
// do not); its consumers accept any strides.
constexpr int64_t kNarrowWidth = 128;
torch::Tensor tallProduct(const torch::Tensor &a, const torch::Tensor &b)
{
    const bool transposedFaster = gemmLibrary() == GemmLibrary::OneDnn ? a.stride(0) == 1 && a.stride(1) != 1
                                                                       : a.size(0) > b.size(1);
    if (b.size(1) > kNarrowWidth || !transposedFaster)
        return gemm(a, b);
    return gemm(b.t(), a.t()).t();
}

class SmoothedBceScoresFunction : public torch::autograd::Function<SmoothedBceScoresFunction>
{
public:
    static torch::Tensor forward(AutogradContext *ctx, torch::Tensor queries, torch::Tensor candidates,
                                 torch::Tensor positives, double smoothing, torch::Tensor buffer)
    {
        const int64_t rows = queries.size(0), entities = candidates.size(0);
        const double n = double(rows) * double(entities);
        const double base = 1.0 / double(entities); // label of a non-answer after smoothing
        const double lift = 1.0 - smoothing;         // extra label of an answer
        torch::NoGradGuard noGrad;
        gemmInto(buffer, queries, candidates.t());
        // loss = mean(softplus(z) − y·z); the kernel replaces z by (σ(z) − y)/n in place.
        double total = 0;
        {
            ProfileScope scope(ProfileSection::Loss);
            total = smoothedBceInPlace(buffer, positives.contiguous(), base, lift, 1.0 / n);
        }
        // Both input gradients are formed now, while the B×E gradient is at hand, so the
        // buffer is free again for the next decoder: one B×E buffer serves all four.
        auto gradQueries = tallProduct(buffer, candidates);
        auto gradCandidates = tallProduct(buffer.t(), queries);
        ctx->save_for_backward({gradQueries, gradCandidates});
        return torch::scalar_tensor(total / n, queries.options());
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        auto saved = ctx->get_saved_variables();
        const torch::Tensor scale = grads[0];
        return {saved[0].mul_(scale), saved[1].mul_(scale), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

} // namespace

torch::Tensor smoothedBceScores(const torch::Tensor &queries, const torch::Tensor &candidates,
                                const torch::Tensor &positives, double labelSmoothing, torch::Tensor &buffer)
{
    const int64_t rows = queries.size(0), entities = candidates.size(0);
    // A buffer with more rows serves a smaller batch (an epoch's last) through its first rows,
    // so the largest block of a step is allocated once, not twice an epoch.
    if (!buffer.defined() || buffer.size(0) < rows || buffer.size(1) != entities)
        buffer = torch::empty({rows, entities}, queries.options().requires_grad(false));
    return SmoothedBceScoresFunction::apply(queries, candidates, positives.to(torch::kLong), labelSmoothing,
                                            buffer.narrow(0, 0, rows));
}

} // namespace momok
