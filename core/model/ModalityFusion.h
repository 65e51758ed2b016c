#pragma once
// Adaptive fusion of the three modality vectors into one joint vector: per head,
// each modality is projected (dropout, linear to D, ReLU), scored by a shared
// attention D→1, softmaxed over modalities and summed; the heads are summed.
#include <torch/torch.h>

namespace momok {

class ModalityFusionImpl : public torch::nn::Module
{
public:
    ModalityFusionImpl(std::array<int64_t, 3> inputWidths, int64_t outputWidth, int64_t heads, double dropout,
                       bool adaptive);

    // Undefined inputs (absent modalities) are skipped. Returns N×D; weights (if given)
    // receives the N×M attention of the last head.
    // stream keys the dropout masks while training; rowOffset: the rows are rows rowOffset, …
    // of a batch split across processes (the masks are then the whole batch's).
    torch::Tensor forward(const torch::Tensor &structure, const torch::Tensor &image, const torch::Tensor &text,
                          uint64_t stream = 0, torch::Tensor *weights = nullptr, int64_t rowOffset = 0);

private:
    int64_t m_heads;
    double m_dropout;
    bool m_adaptive;
    std::vector<std::array<torch::nn::Linear, 3>> m_projections;
    torch::nn::Linear m_attention{nullptr};
};
TORCH_MODULE(ModalityFusion);

} // namespace momok
