#include "model/TuckerDecoder.h"

#include "distributed/DistributedGroup.h"
#include "model/CounterRandom.h"
#include "model/MaskedCoreProduct.h"
#include "model/PortableKernels.h"
#include "model/FastKernels.h"
#include "runtime/Gemm.h"
#include "runtime/WorkProfiler.h"

#include <optional>

namespace momok {

TuckerDecoderImpl::TuckerDecoderImpl(int64_t entityWidth, int64_t relationWidth, double inputDropout,
                                     double hiddenDropout, double outputDropout)
    : m_width(entityWidth), m_relationWidth(relationWidth), m_inputDropout(inputDropout),
      m_hiddenDropout(hiddenDropout), m_outputDropout(outputDropout)
{
    core = register_parameter("core", torch::empty({relationWidth, entityWidth, entityWidth}));
    torch::nn::init::xavier_uniform_(core);
    m_inputNorm = register_module("input_norm", torch::nn::BatchNorm1d(entityWidth));
    m_outputNorm = register_module("output_norm", torch::nn::BatchNorm1d(entityWidth));
}

torch::Tensor TuckerDecoderImpl::normalise(torch::nn::BatchNorm1d &norm, const torch::Tensor &x)
{
    return m_group && is_training() ? synchronizedBatchNorm(*m_group, norm, x) : norm(x);
}

torch::Tensor TuckerDecoderImpl::forward(const torch::Tensor &entity, const torch::Tensor &relations,
                                         const torch::Tensor &slot, uint64_t stream, bool sharedMask, int64_t rowOffset)
{
    torch::Tensor x;
    // The masked core products below skip the elements this dropout drops.
    const InputDropout inputDropout{is_training() ? m_inputDropout : 0.0, random::mix64(stream ^ 0x1)};
    {
        ProfileScope scope(ProfileSection::NormsAndDropout);
        x = counterDropout(normalise(m_inputNorm, entity), inputDropout.p, is_training(), inputDropout.stream, rowOffset);
    }
    std::optional<ProfileScope> coreScope(std::in_place, ProfileSection::CoreProducts);
    const auto core2d = core.view({m_relationWidth, m_width * m_width});
    const bool dropout = is_training() && m_hiddenDropout > 0;
    if (dropout && !sharedMask && !slot.defined()) {
        // A relation row per query: its matrix's products fused with its masks.
        x = maskedQueryCoreProduct(x, relations, core2d, stream, m_hiddenDropout, rowOffset, inputDropout);
    } else {
        const torch::Tensor slots = slot.defined()
            ? slot
            : torch::arange(x.size(0), torch::TensorOptions().dtype(torch::kLong).device(x.device()));
        // W_r = r·W once per distinct relation of the batch (exact: the product is linear in r).
        auto matrices = differentiableGemm(relations, core2d).view({-1, m_width, m_width});
        if (!dropout) {
            x = groupedCoreProduct(x, matrices, slots);
        } else if (sharedMask) {
            // One mask per distinct relation of the batch, built where the matrices are.
            const auto masks = cpuKernelsServe(matrices)
                ? maskedCoreMasks(torch::arange(matrices.size(0), torch::kLong), m_width, stream, m_hiddenDropout)
                : portable::coreKeepMasks(matrices.size(0), m_width, stream, m_hiddenDropout, 0, matrices.device())
                      .to(matrices.scalar_type());
            x = groupedCoreProduct(x, matrices * masks / (1.0 - m_hiddenDropout), slots);
        } else {
            x = maskedCoreProduct(x, matrices, slots, stream, m_hiddenDropout, rowOffset, inputDropout);
        }
    }
    coreScope.reset();
    ProfileScope scope(ProfileSection::NormsAndDropout);
    x = normalise(m_outputNorm, x);
    return counterDropout(x, m_outputDropout, is_training(), random::mix64(stream ^ 0x2), rowOffset);
}

} // namespace momok
