#pragma once
// One TuckER decoder: x = BN(e)·W_r with W_r = r·W, then BN and dropout; scores are
// x·Cᵀ against the candidate matrix C of the same modality.
#include <torch/torch.h>

namespace momok {

class DistributedGroup;

class TuckerDecoderImpl : public torch::nn::Module
{
public:
    TuckerDecoderImpl(int64_t entityWidth, int64_t relationWidth, double inputDropout, double hiddenDropout,
                      double outputDropout);

    // entity: B×w query entities, relations: R'×d_r embeddings of the batch's distinct relations,
    // slot: B indices into them; an undefined slot: relations has a row of its own for each
    // query (B×d_r), in order. In training, stream keys the per-query dropout of W_r;
    // sharedMask uses one mask per relation instead (the faster, non-default variant).
    // rowOffset: the queries are rows rowOffset, … of a batch split across processes.
    torch::Tensor forward(const torch::Tensor &entity, const torch::Tensor &relations, const torch::Tensor &slot,
                          uint64_t stream, bool sharedMask = false, int64_t rowOffset = 0);
    // While training, batch statistics over every process of this group (null: this process's batch).
    void setBatchStatisticsGroup(DistributedGroup *group) { m_group = group; }

    int64_t width() const { return m_width; }
    torch::Tensor core; // d_r×w×w

private:
    int64_t m_width, m_relationWidth;
    double m_inputDropout, m_hiddenDropout, m_outputDropout;
    torch::nn::BatchNorm1d m_inputNorm{nullptr}, m_outputNorm{nullptr};
    DistributedGroup *m_group = nullptr;

    torch::Tensor normalise(torch::nn::BatchNorm1d &norm, const torch::Tensor &x);
};
TORCH_MODULE(TuckerDecoder);

} // namespace momok
