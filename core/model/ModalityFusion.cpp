#include "model/ModalityFusion.h"

#include "model/CounterRandom.h"
#include "model/FastKernels.h"

namespace momok {

ModalityFusionImpl::ModalityFusionImpl(std::array<int64_t, 3> inputWidths, int64_t outputWidth, int64_t heads,
                                       double dropout, bool adaptive)
    : m_heads(heads), m_dropout(dropout), m_adaptive(adaptive)
{
    static const char *kModalityNames[] = {"structure", "image", "text"};
    for (int64_t h = 0; h < heads; ++h) {
        std::array<torch::nn::Linear, 3> heads3{nullptr, nullptr, nullptr};
        for (int m = 0; m < 3; ++m) {
            if (inputWidths[size_t(m)] <= 0) // modality absent from this graph
                continue;
            heads3[size_t(m)] = register_module(std::string("head") + std::to_string(h) + "_" + kModalityNames[m],
                                                torch::nn::Linear(inputWidths[size_t(m)], outputWidth));
        }
        m_projections.push_back(heads3);
    }
    if (adaptive)
        m_attention = register_module("attention", torch::nn::Linear(torch::nn::LinearOptions(outputWidth, 1).bias(false)));
}

torch::Tensor ModalityFusionImpl::forward(const torch::Tensor &structure, const torch::Tensor &image,
                                          const torch::Tensor &text, uint64_t stream, torch::Tensor *weights,
                                          int64_t rowOffset)
{
    const torch::Tensor *inputs[3] = {&structure, &image, &text};
    torch::Tensor fused;
    for (int64_t h = 0; h < m_heads; ++h) {
        std::array<torch::Tensor, 3> projected;
        for (int m = 0; m < 3; ++m) {
            if (!inputs[m]->defined() || m_projections[size_t(h)][size_t(m)].is_empty())
                continue;
            const auto &projection = m_projections[size_t(h)][size_t(m)];
            projected[size_t(m)] = projectRelu(*inputs[m], projection->weight, projection->bias, m_dropout, is_training(),
                                               random::mix64(stream + uint64_t(h * 3 + m)), rowOffset);
        }
        torch::Tensor head, attention;
        if (m_adaptive) {
            // softmax over modalities of ⟨p_m, v⟩, then Σ α_m·p_m: one fused pass each way.
            auto result = attentionFusion(projected[0], projected[1], projected[2], m_attention->weight);
            head = result[0];
            attention = result[1];
        } else {
            std::vector<torch::Tensor> present;
            for (const auto &p : projected)
                if (p.defined())
                    present.push_back(p);
            auto stack = torch::stack(present, 1); // N×M×D
            attention = torch::full({stack.size(0), stack.size(1)}, 1.0 / double(stack.size(1)), stack.options());
            head = stack.mean(1);
        }
        fused = fused.defined() ? fused + head : head;
        if (weights)
            *weights = attention;
    }
    return fused;
}

} // namespace momok
