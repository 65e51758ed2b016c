#include "model/PortableKernels.h"

#include "model/CounterRandom.h"
#include "model/FastKernels.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace momok {

namespace {

std::atomic<int> g_portableForced{-1}; // -1: not yet read from the environment

bool portableForced()
{
    int forced = g_portableForced.load(std::memory_order_relaxed);
    if (forced < 0) {
        const char *value = std::getenv("MOMOK_PORTABLE_KERNELS");
        forced = value && *value && std::strcmp(value, "0") != 0 ? 1 : 0;
        g_portableForced.store(forced, std::memory_order_relaxed);
    }
    return forced == 1;
}

// The counter RNG's 32-bit arithmetic on int64 tensors (any device has those): values stay in
// [0, 2³²), and a product is formed in 16-bit halves so that nothing overflows an int64.
constexpr int64_t kLow32 = 0xFFFFFFFFLL;

torch::Tensor multiplyModulo32(const torch::Tensor &x, uint32_t constant)
{
    const auto c = int64_t(constant);
    auto low = x.bitwise_and(0xFFFF).mul(c);
    auto high = x.bitwise_right_shift(16).mul(c).bitwise_and(0xFFFF).mul(int64_t(1) << 16);
    return low.add_(high).bitwise_and_(kLow32);
}

// random::mix32, element-wise.
torch::Tensor mix32(torch::Tensor x)
{
    x = x.bitwise_xor(x.bitwise_right_shift(16));
    x = multiplyModulo32(x, 0x7feb352dU);
    x = x.bitwise_xor(x.bitwise_right_shift(15));
    x = multiplyModulo32(x, 0x846ca68bU);
    return x.bitwise_xor(x.bitwise_right_shift(16));
}

// random::keepElement(rowKeys, columns, threshold), broadcast: rowKeys and columns hold
// uint32 values in int64 tensors.
torch::Tensor keepElements(const torch::Tensor &rowKeys, const torch::Tensor &columns, double p)
{
    const auto threshold = int64_t(random::dropThreshold(p));
    auto mixed = mix32(rowKeys.add(multiplyModulo32(columns, random::kColumnStep)).bitwise_and_(kLow32));
    return mixed.ge(threshold);
}

torch::TensorOptions longsOn(const torch::Device &device)
{
    return torch::TensorOptions().dtype(torch::kLong).device(device);
}

} // namespace

bool cpuKernelsServe(const torch::Tensor &t)
{
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat && !portableForced();
}

void setPortableKernelsForced(bool forced)
{
    g_portableForced.store(forced ? 1 : 0, std::memory_order_relaxed);
}

namespace portable {

torch::Tensor counterKeepMask(torch::IntArrayRef shape, int64_t first, uint64_t stream, double p,
                              const torch::Device &device)
{
    int64_t n = 1;
    for (int64_t s : shape)
        n *= s;
    // As the CPU kernel (random::keepsElementOfWhole): element g of the whole belongs to chunk
    // g / 2¹⁶, whose key is wholeChunkKey, and is kept when mix32(key + g·φ) clears the threshold.
    constexpr int64_t kChunkBits = random::kWholeChunkBits;
    const int64_t firstChunk = first >> kChunkBits;
    const std::vector<uint32_t> keys = random::wholeChunkKeys(stream, first, n);
    const auto chunkKeys = torch::tensor(std::vector<int64_t>(keys.begin(), keys.end()), torch::kLong).to(device);
    const auto elements = torch::arange(first, first + n, longsOn(device));
    const auto rowKeys = chunkKeys.index_select(0, elements.bitwise_right_shift(kChunkBits).sub_(firstChunk));
    return keepElements(rowKeys, elements.bitwise_and(kLow32), p).view(shape);
}

torch::Tensor counterDropout(const torch::Tensor &x, double p, uint64_t stream, int64_t first)
{
    const auto keep = counterKeepMask(x.sizes(), first, stream, p, x.device());
    return x * keep.to(x.scalar_type()).mul_(1.0 / (1.0 - p));
}

torch::Tensor coreKeepMasks(int64_t batch, int64_t width, uint64_t stream, double p, int64_t rowOffset,
                            const torch::Device &device)
{
    std::vector<int64_t> rows(size_t(batch * width));
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t i = 0; i < width; ++i)
            rows[size_t(b * width + i)] = int64_t(random::rowKey(stream, rowOffset + b, i));
    const auto rowKeys = torch::tensor(rows, torch::kLong).to(device).view({batch, width, 1});
    const auto columns = torch::arange(width, longsOn(device)).view({1, 1, width});
    return keepElements(rowKeys, columns, p);
}

torch::Tensor maskedCoreProduct(const torch::Tensor &x, const torch::Tensor &relationMatrices,
                                const torch::Tensor &slot, uint64_t stream, double p, int64_t rowOffset)
{
    const int64_t batch = x.size(0), width = x.size(1);
    const auto keep = coreKeepMasks(batch, width, stream, p, rowOffset, x.device());
    const auto perQuery = relationMatrices.index_select(0, slot.to(x.device(), torch::kLong)) * keep.to(x.scalar_type());
    return torch::bmm(x.mul(1.0 / (1.0 - p)).unsqueeze(1), perQuery).squeeze(1);
}

torch::Tensor gateSoftmax(const torch::Tensor &logits, const torch::Tensor &noise, const torch::Tensor &temperature,
                          double noiseFloor)
{
    torch::Tensor z = logits;
    if (noise.defined()) {
        const int64_t k = logits.size(1) / 2;
        z = logits.narrow(1, 0, k) + noise * (torch::softplus(logits.narrow(1, k, k)) + noiseFloor);
    }
    if (temperature.defined())
        z = z / temperature.reshape({-1, 1});
    return torch::softmax(z, 1);
}

torch::Tensor mixExperts(const torch::Tensor &gates, const torch::Tensor &experts)
{
    return (gates.unsqueeze(2) * experts).sum(1);
}

torch::Tensor mixLinearExperts(const torch::Tensor &gates, const torch::Tensor &x, const torch::Tensor &stacked,
                               const torch::Tensor &shiftRow)
{
    const auto experts = linearExpertOutputs(x, stacked, shiftRow).view({x.size(0), gates.size(1), x.size(1)});
    return mixExperts(gates, experts);
}

std::vector<torch::Tensor> attentionFusion(const torch::Tensor &p0, const torch::Tensor &p1, const torch::Tensor &p2,
                                           const torch::Tensor &v)
{
    std::vector<torch::Tensor> present;
    for (const torch::Tensor *t : {&p0, &p1, &p2})
        if (t->defined() && t->numel() > 0)
            present.push_back(*t);
    const auto direction = v.reshape({-1, 1});
    std::vector<torch::Tensor> scores;
    for (const auto &p : present)
        scores.push_back(p.mm(direction));
    const auto alpha = torch::softmax(torch::cat(scores, 1), 1);
    torch::Tensor out;
    for (size_t m = 0; m < present.size(); ++m) {
        auto term = alpha.narrow(1, int64_t(m), 1) * present[m];
        out = out.defined() ? out + term : term;
    }
    return {out, alpha.detach()};
}

double smoothedBceInPlace(torch::Tensor &logits, const torch::Tensor &positives, double base, double lift, double scale)
{
    torch::NoGradGuard noGrad;
    auto flat = logits.view({-1});
    const auto answers = positives.to(logits.device(), torch::kLong);
    // Both sums in one reduction and one read back to the host.
    const auto sums = torch::stack({(torch::softplus(flat) - flat * base).sum(torch::kDouble),
                                    flat.index_select(0, answers).sum(torch::kDouble)})
                          .to(torch::kCPU);
    const double total = sums[0].item<double>() - lift * sums[1].item<double>();
    flat.sigmoid_().sub_(base).mul_(scale);
    flat.index_add_(0, answers, torch::full({answers.numel()}, -lift * scale, flat.options()));
    return total;
}

void meanSigmoid(const std::vector<torch::Tensor> &logits, torch::Tensor &out)
{
    if (!out.defined() || out.sizes() != logits.front().sizes() || out.device() != logits.front().device())
        out = torch::empty_like(logits.front());
    torch::sigmoid_out(out, logits.front());
    for (size_t i = 1; i < logits.size(); ++i)
        out.add_(torch::sigmoid(logits[i]));
    out.div_(double(logits.size()));
}

torch::Tensor clubUpperBound(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y)
{
    const auto mu = mean.to(torch::kDouble), yd = y.to(torch::kDouble);
    const double n = double(mean.size(0)), c = 1.0 / std::max(1.0, n - 1.0);
    const auto p = torch::exp(-logVariance.to(torch::kDouble));
    const auto s1 = yd.sum(0, true), s2 = (yd * yd).sum(0, true);
    const auto d = c * (s2 - 2 * mu * s1 + n * mu * mu) - (1 + c) * (mu - yd).pow(2);
    return ((p * d).sum() / (2 * n)).to(mean.scalar_type());
}

torch::Tensor clubLogLikelihood(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y)
{
    const auto lv = logVariance.to(torch::kDouble);
    const auto diff = mean.to(torch::kDouble) - y.to(torch::kDouble);
    const double n = double(mean.size(0));
    const auto terms = -diff.pow(2) * torch::exp(-lv) / 2 - lv / 2 - std::log(2 * M_PI) / 2;
    return (terms.sum() / n).to(mean.scalar_type());
}

} // namespace portable
} // namespace momok
