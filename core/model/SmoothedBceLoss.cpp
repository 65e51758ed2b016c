#include "model/SmoothedBceLoss.h"

#include "model/FastKernels.h"
#include "runtime/WorkProfiler.h"

namespace momok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

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
        torch::mm_out(buffer, queries, candidates.t());
        // loss = mean(softplus(z) − y·z); the kernel replaces z by (σ(z) − y)/n in place.
        double total = 0;
        {
            ProfileScope scope(ProfileSection::Loss);
            total = smoothedBceInPlace(buffer, positives.contiguous(), base, lift, 1.0 / n);
        }
        // Both input gradients are formed now, while the B×E gradient is at hand, so the
        // buffer is free again for the next decoder: one B×E buffer serves all four.
        auto gradQueries = buffer.mm(candidates);
        auto gradCandidates = buffer.t().mm(queries);
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
