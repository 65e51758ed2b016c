#pragma once
// Relation-guided modality knowledge experts (DESIGN.md §2): K whitening experts
// E_k(x) = W_k·(dropout(x) − b_k), gates softmax((x·W_gate + δ) / σ(ε_r)).
#include <torch/torch.h>

namespace momok {

struct AdaptorOutput {
    torch::Tensor mixed;   // N×w: Σ_k G_k · E_k(x)
    torch::Tensor experts; // N×K×w: every expert's output (the MI loss needs them)
    torch::Tensor gates;   // N×K (the heatmaps need them)
};

class ExpertAdaptorImpl : public torch::nn::Module
{
public:
    ExpertAdaptorImpl(int64_t width, int64_t experts, double dropout, bool noisyGating);

    // temperature: N×1 values of σ(ε_r), or undefined for a plain softmax (candidates).
    // noise: the standard-normal draw for δ (N×K), or undefined for no noise.
    // stream keys the experts' dropout masks (training with expert dropout only).
    // Without keepExperts the result's `experts` may be undefined: the per-expert outputs are
    // then neither kept nor returned (recomputed in backward), which the candidate side uses.
    // rowOffset: x's rows are rows rowOffset, … of a batch split across processes (the dropout
    // masks are then the whole batch's).
    AdaptorOutput forward(const torch::Tensor &x, const torch::Tensor &temperature, const torch::Tensor &noise,
                          uint64_t stream = 0, bool keepExperts = true, int64_t rowOffset = 0);
    // Only the experts' outputs E_k(x) (N×K×w), without gates or mixture.
    torch::Tensor expertOutputs(const torch::Tensor &x, uint64_t stream = 0, int64_t rowOffset = 0);

    int64_t experts() const { return m_experts; }
    int64_t width() const { return m_width; }
    bool noisyGating() const { return m_noisyGating; }

    torch::Tensor weights; // K×w×w (expert k maps x to W_k·x)
    torch::Tensor shifts;  // K×w (b_k)
    torch::Tensor gateWeights;  // w×K
    torch::Tensor noiseWeights; // w×K

private:
    // The experts as one linear map: W_k stacked (K·w×w) and the row of W_k·b_k (1×K·w).
    std::pair<torch::Tensor, torch::Tensor> stackedLinearForm() const;

    int64_t m_width, m_experts;
    double m_dropout;
    bool m_noisyGating;
};
TORCH_MODULE(ExpertAdaptor);

} // namespace momok
