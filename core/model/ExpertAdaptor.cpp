#include "model/ExpertAdaptor.h"

#include "model/CounterRandom.h"
#include "model/FastKernels.h"

namespace momok {

namespace {
constexpr double kNoiseFloor = 1e-2; // δ's minimum standard deviation, as in the reference
constexpr double kExpertInitStd = 0.02;
} // namespace

ExpertAdaptorImpl::ExpertAdaptorImpl(int64_t width, int64_t experts, double dropout, bool noisyGating)
    : m_width(width), m_experts(experts), m_dropout(dropout), m_noisyGating(noisyGating)
{
    weights = register_parameter("weights", torch::randn({experts, width, width}) * kExpertInitStd);
    shifts = register_parameter("shifts", torch::zeros({experts, width}));
    gateWeights = register_parameter("gate_weights", torch::zeros({width, experts}));
    if (noisyGating)
        noiseWeights = register_parameter("noise_weights", torch::zeros({width, experts}));
}

AdaptorOutput ExpertAdaptorImpl::forward(const torch::Tensor &x, const torch::Tensor &temperature, const torch::Tensor &noise,
                                         uint64_t stream, bool keepExperts, int64_t rowOffset)
{
    // With noise, x·[W_gate | W_noise] in one product: with K = 3 columns each, these products
    // only stream x from memory, so one pass over x (and one over its gradient) instead of two.
    const torch::Tensor noisy = m_noisyGating && noise.defined() ? noise : torch::Tensor();
    const auto logits = narrowProduct(x, noisy.defined() ? torch::cat({gateWeights, noiseWeights}, 1) : gateWeights);
    auto gates = gateSoftmax(logits, noisy, temperature, kNoiseFloor);

    if (!keepExperts && !(m_dropout > 0 && is_training())) {
        const auto [stacked, shifted] = stackedLinearForm();
        return {mixLinearExperts(gates, x, stacked, shifted), torch::Tensor(), gates};
    }
    auto experts = expertOutputs(x, stream, rowOffset);
    return {mixExperts(gates, experts), experts, gates};
}

torch::Tensor ExpertAdaptorImpl::expertOutputs(const torch::Tensor &x, uint64_t stream, int64_t rowOffset)
{
    if (m_dropout > 0 && is_training()) {
        // Each expert sees its own dropout of x, as K separate layers would.
        std::vector<torch::Tensor> outs;
        for (int64_t k = 0; k < m_experts; ++k) {
            auto xk = counterDropout(x, m_dropout, true, random::mix64(stream + uint64_t(k)), rowOffset) - shifts[k];
            outs.push_back(xk.mm(weights[k].t()));
        }
        return torch::stack(outs, 1);
    }
    // Without dropout all experts share x: one wide GEMM.
    const auto [stacked, shifted] = stackedLinearForm();
    return linearExpertOutputs(x, stacked, shifted).view({x.size(0), m_experts, m_width});
}

std::pair<torch::Tensor, torch::Tensor> ExpertAdaptorImpl::stackedLinearForm() const
{
    // W_k·(x − b_k) = W_k·x − W_k·b_k: the shift rides along in the GEMM's accumulator (addmm)
    // instead of a separate pass over N×K·w.
    auto stacked = weights.reshape({m_experts * m_width, m_width});
    auto shifted = (shifts.unsqueeze(1) * weights).sum(2).reshape({1, m_experts * m_width}); // row k: W_k·b_k
    return {stacked, shifted};
}

} // namespace momok
