#include "train/FusedAdam.h"

#include "runtime/KernelTargets.h"
#include "train/BranchedStep.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <unordered_set>
#include <string>
#include <vector>

namespace momok {

namespace {
struct AdamConstants {
    float beta1, beta2, oneMinusBeta1, oneMinusBeta2, rootCorrection2, eps, stepSize;
};

MOMOK_KERNEL void adamRange(float *p, const float *g, float *m, float *v, int64_t n, AdamConstants c)
{
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
        const float mi = m[i] * c.beta1 + c.oneMinusBeta1 * g[i];
        const float vi = v[i] * c.beta2 + c.oneMinusBeta2 * g[i] * g[i];
        m[i] = mi;
        v[i] = vi;
        p[i] -= c.stepSize * mi / (std::sqrt(vi) / c.rootCorrection2 + c.eps);
    }
}

// A stretch of one parameter's memory and the constants of its update.
struct AdamChunk {
    float *p;
    const float *g;
    float *m, *v;
    int64_t length;
    AdamConstants constants;
};

bool fusableTensor(const torch::Tensor &t)
{
    return t.defined() && t.scalar_type() == torch::kFloat && t.device().is_cpu() && t.is_contiguous();
}

} // namespace

FusedAdam::FusedAdam(std::vector<torch::Tensor> parameters, torch::optim::AdamOptions options)
    : torch::optim::Adam(std::move(parameters), options)
{
}

void FusedAdam::releaseGradients()
{
    for (auto &group : param_groups_)
        for (auto &p : group.params())
            p.mutable_grad() = torch::Tensor();
}

struct AdamUpdate::Chunks {
    std::vector<torch::Tensor> grads; // kept alive until the updates have run
    std::vector<AdamChunk> chunks;
    int64_t elements = 0;
    std::atomic<size_t> next{0};
};

AdamUpdate::AdamUpdate() : m_chunks(std::make_unique<Chunks>()) {}
AdamUpdate::~AdamUpdate() = default;
AdamUpdate::AdamUpdate(AdamUpdate &&) noexcept = default;
AdamUpdate &AdamUpdate::operator=(AdamUpdate &&) noexcept = default;

void AdamUpdate::run()
{
    for (size_t i = m_chunks->next++; i < m_chunks->chunks.size(); i = m_chunks->next++) {
        const AdamChunk &k = m_chunks->chunks[i];
        adamRange(k.p, k.g, k.m, k.v, k.length, k.constants);
    }
}

int64_t AdamUpdate::elements() const
{
    return m_chunks->elements;
}

bool FusedAdam::fusable() const
{
    for (const auto &group : param_groups_) {
        const auto &options = static_cast<const torch::optim::AdamOptions &>(group.options());
        if (options.weight_decay() != 0 || options.amsgrad())
            return false;
        for (const auto &p : group.params())
            if (!fusableTensor(p) || (p.grad().defined() && p.grad().scalar_type() != torch::kFloat))
                return false;
    }
    return true;
}

const FusedAdam::StateKey &FusedAdam::stateKey(const torch::Tensor &p)
{
    const void *impl = p.unsafeGetTensorImpl();
    auto found = m_stateKeys.find(impl);
    if (found == m_stateKeys.end())
        found = m_stateKeys.emplace(impl, adamStateKey(state(), p)).first;
    return found->second;
}

AdamUpdate FusedAdam::prepareUpdate(const std::vector<torch::Tensor> &parameters)
{
    std::unordered_set<const void *> wanted;
    for (const auto &p : parameters)
        wanted.insert(p.unsafeGetTensorImpl());
    return prepare(&wanted);
}

AdamUpdate FusedAdam::prepare(const std::unordered_set<const void *> *wanted)
{
    torch::NoGradGuard noGrad;
    // The update works through a parameter's memory in stretches of this many elements.
    constexpr int64_t kChunk = int64_t(1) << 15;
    AdamUpdate update;
    AdamUpdate::Chunks &out = *update.m_chunks;
    // ---- each parameter's state and constants, then its memory in chunks ----
    for (auto &group : param_groups_) {
        const auto &options = static_cast<const torch::optim::AdamOptions &>(group.options());
        const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
        for (auto &p : group.params()) {
            if (!p.grad().defined() || (wanted && !wanted->count(p.unsafeGetTensorImpl())))
                continue;
            const StateKey &key = stateKey(p);
            auto found = state_.find(key);
            if (found == state_.end()) {
                auto fresh = std::make_unique<torch::optim::AdamParamState>();
                fresh->step(0);
                fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                found = state_.emplace(key, std::move(fresh)).first;
            }
            auto &state = static_cast<torch::optim::AdamParamState &>(*found->second);
            state.step(state.step() + 1);
            const double correction1 = 1 - std::pow(beta1, double(state.step()));
            const double correction2 = 1 - std::pow(beta2, double(state.step()));
            const AdamConstants c{float(beta1), float(beta2), float(1 - beta1), float(1 - beta2),
                                  float(std::sqrt(correction2)), float(options.eps()),
                                  float(options.lr() / correction1)};
            out.grads.push_back(p.grad().contiguous());
            // Handles on the state's tensors (the same storage): recent LibTorch returns them const.
            torch::Tensor m = state.exp_avg(), v = state.exp_avg_sq();
            if (!m.is_contiguous())
                state.exp_avg(m = m.contiguous());
            if (!v.is_contiguous())
                state.exp_avg_sq(v = v.contiguous());
            float *ps = p.data_ptr<float>(), *ms = m.data_ptr<float>(), *vs = v.data_ptr<float>();
            const float *gs = out.grads.back().data_ptr<float>();
            const int64_t n = p.numel();
            for (int64_t begin = 0; begin < n; begin += kChunk) {
                const int64_t length = std::min(kChunk, n - begin);
                out.chunks.push_back({ps + begin, gs + begin, ms + begin, vs + begin, length, c});
                out.elements += length;
            }
        }
    }
    return update;
}

torch::Tensor FusedAdam::step(LossClosure closure)
{
    if (!fusable())
        return torch::optim::Adam::step(std::move(closure));
    TORCH_CHECK(closure == nullptr, "FusedAdam: closures are not supported");
    AdamUpdate update = prepare(nullptr);
    apply(update);
    return {};
}

void FusedAdam::apply(AdamUpdate &update)
{
    // Element-wise, so how the chunks are split among threads changes no bit.
    const int64_t chunks = int64_t(update.m_chunks->chunks.size());
    if (m_secondThread && chunks > 1)
        runBranches(true, [&] { update.run(); }, [&] { update.run(); });
    else
        at::parallel_for(0, chunks, 1, [&](int64_t, int64_t) { update.run(); });
}

} // namespace momok
