#include "model/ClubEstimator.h"

#include "model/PortableKernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace momok {

ClubEstimatorImpl::ClubEstimatorImpl(int64_t xWidth, int64_t yWidth, int64_t hidden)
{
    const int64_t h = std::max<int64_t>(1, hidden / 2);
    m_mean = register_module("mean", torch::nn::Sequential(torch::nn::Linear(xWidth, h), torch::nn::ReLU(),
                                                           torch::nn::Linear(h, yWidth)));
    m_logVariance = register_module("log_variance",
                                    torch::nn::Sequential(torch::nn::Linear(xWidth, h), torch::nn::ReLU(),
                                                          torch::nn::Linear(h, yWidth), torch::nn::Tanh()));
}

std::pair<torch::Tensor, torch::Tensor> ClubEstimatorImpl::meanAndLogVariance(const torch::Tensor &x)
{
    return {m_mean->forward(x), m_logVariance->forward(x)};
}

torch::Tensor ClubEstimatorImpl::upperBound(const torch::Tensor &x, const torch::Tensor &y)
{
    auto [mu, logVar] = meanAndLogVariance(x);
    return clubUpperBound(mu, logVar, y);
}

torch::Tensor ClubEstimatorImpl::logLikelihood(const torch::Tensor &x, const torch::Tensor &y)
{
    auto [mu, logVar] = meanAndLogVariance(x);
    return clubLogLikelihood(mu, logVar, y);
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Moments {
    torch::Tensor mu, logVar, y;
    int64_t n = 0, d = 0;
    const float *m = nullptr, *lv = nullptr, *ys = nullptr;
};

Moments contiguousMoments(const torch::Tensor &mu, const torch::Tensor &logVar, const torch::Tensor &y)
{
    TORCH_CHECK(mu.dim() == 2 && logVar.sizes() == mu.sizes() && y.sizes() == mu.sizes(), "CLUB: shape mismatch");
    TORCH_CHECK(mu.scalar_type() == torch::kFloat && mu.device().is_cpu(), "CLUB: CPU float32 only");
    Moments t{mu.contiguous(), logVar.contiguous(), y.contiguous(), mu.size(0), mu.size(1)};
    t.m = t.mu.data_ptr<float>();
    t.lv = t.logVar.data_ptr<float>();
    t.ys = t.y.data_ptr<float>();
    return t;
}

// The bound's per-element term, from the column sums Σ_j y_jd and Σ_j y_jd² (in double, row
// after row: a fixed order). Forward and backward both use it.
struct BoundTerms {
    double n = 0, c = 0; // N and c = 1/max(1, N−1)
    std::vector<double> s1, s2;

    explicit BoundTerms(const Moments &t)
        : n(double(t.n)), c(1.0 / std::max(1.0, double(t.n) - 1.0)), s1(size_t(t.d), 0.0), s2(size_t(t.d), 0.0)
    {
        for (int64_t i = 0; i < t.n; ++i)
            for (int64_t k = 0; k < t.d; ++k) {
                const double v = t.ys[i * t.d + k];
                s1[size_t(k)] += v;
                s2[size_t(k)] += v * v;
            }
    }
    // D for an element of column k with mean m and m − y = diff.
    double D(int64_t k, double m, double diff) const
    {
        return c * (s2[size_t(k)] - 2 * m * s1[size_t(k)] + n * m * m) - (1 + c) * diff * diff;
    }
};

// With p = exp(−logvar), c = 1/max(1, N−1), S1 = Σ_j y_j and S2 = Σ_j y_j² per column:
//   U = 1/(2N) Σ_id p_id·D_id,   D = c·(S2 − 2μ·S1 + N·μ²) − (1 + c)·(μ − y)²
// (log Q(y_i|x_i) minus the mean over j ≠ i of log Q(y_j|x_i); the log σ terms cancel).
class ClubUpperBoundFunction : public torch::autograd::Function<ClubUpperBoundFunction>
{
public:
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &mu, const torch::Tensor &logVar,
                                 const torch::Tensor &y)
    {
        const Moments t = contiguousMoments(mu, logVar, y);
        ctx->save_for_backward({t.mu, t.logVar, t.y});
        const BoundTerms terms(t);
        double total = 0;
        for (int64_t i = 0; i < t.n; ++i)
            for (int64_t k = 0; k < t.d; ++k) {
                const int64_t e = i * t.d + k;
                const double m = t.m[e];
                total += std::exp(-double(t.lv[e])) * terms.D(k, m, m - t.ys[e]);
            }
        return torch::tensor(float(total / (2 * terms.n)), mu.options());
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Moments t = contiguousMoments(saved[0], saved[1], saved[2]);
        const double g = grads[0].item<double>();
        const BoundTerms terms(t);
        const double n = terms.n, c = terms.c, scale = g / (2 * n);
        // ∂U/∂y_kd gathers every row's p through S1 and S2: P_d = Σ_i p_id, Q_d = Σ_i p_id·μ_id.
        std::vector<double> P(size_t(t.d), 0.0), Q(size_t(t.d), 0.0);
        auto gMu = torch::empty_like(t.mu), gLogVar = torch::empty_like(t.mu), gY = torch::empty_like(t.mu);
        float *gm = gMu.data_ptr<float>(), *glv = gLogVar.data_ptr<float>(), *gy = gY.data_ptr<float>();
        for (int64_t i = 0; i < t.n; ++i)
            for (int64_t k = 0; k < t.d; ++k) {
                const int64_t e = i * t.d + k;
                const double p = std::exp(-double(t.lv[e])), m = t.m[e], diff = m - t.ys[e];
                glv[e] = float(-scale * p * terms.D(k, m, diff));
                gm[e] = float(scale * p * (c * (2 * n * m - 2 * terms.s1[size_t(k)]) - 2 * (1 + c) * diff));
                gy[e] = float(scale * 2 * (1 + c) * p * diff); // the own-row term; the gathered one follows
                P[size_t(k)] += p;
                Q[size_t(k)] += p * m;
            }
        for (int64_t i = 0; i < t.n; ++i)
            for (int64_t k = 0; k < t.d; ++k) {
                const int64_t e = i * t.d + k;
                gy[e] += float(scale * 2 * c * (double(t.ys[e]) * P[size_t(k)] - Q[size_t(k)]));
            }
        return {gMu, gLogVar, gY};
    }
};

// L = 1/N Σ_id [−(μ − y)²·p/2 − logvar/2 − log(2π)/2].
class ClubLogLikelihoodFunction : public torch::autograd::Function<ClubLogLikelihoodFunction>
{
public:
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &mu, const torch::Tensor &logVar,
                                 const torch::Tensor &y)
    {
        const Moments t = contiguousMoments(mu, logVar, y);
        ctx->save_for_backward({t.mu, t.logVar, t.y});
        static const double kLogTwoPi = std::log(2 * M_PI);
        double total = 0;
        for (int64_t e = 0; e < t.n * t.d; ++e) {
            const double lv = t.lv[e], diff = double(t.m[e]) - t.ys[e];
            total += -diff * diff * std::exp(-lv) / 2 - lv / 2 - kLogTwoPi / 2;
        }
        return torch::tensor(float(total / double(t.n)), mu.options());
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Moments t = contiguousMoments(saved[0], saved[1], saved[2]);
        const double scale = grads[0].item<double>() / double(t.n);
        auto gMu = torch::empty_like(t.mu), gLogVar = torch::empty_like(t.mu);
        float *gm = gMu.data_ptr<float>(), *glv = gLogVar.data_ptr<float>();
        for (int64_t e = 0; e < t.n * t.d; ++e) {
            const double p = std::exp(-double(t.lv[e])), diff = double(t.m[e]) - t.ys[e];
            gm[e] = float(-scale * diff * p);
            glv[e] = float(scale * (diff * diff * p / 2 - 0.5));
        }
        // y is the experts' output recomputed without gradients: its gradient is −∂L/∂μ when asked.
        torch::Tensor gY;
        if (ctx->needs_input_grad(2))
            gY = -gMu;
        return {gMu, gLogVar, gY};
    }
};

} // namespace

torch::Tensor clubUpperBound(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y)
{
    if (!cpuKernelsServe(mean))
        return portable::clubUpperBound(mean, logVariance, y);
    return ClubUpperBoundFunction::apply(mean, logVariance, y);
}

torch::Tensor clubLogLikelihood(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y)
{
    if (!cpuKernelsServe(mean))
        return portable::clubLogLikelihood(mean, logVariance, y);
    return ClubLogLikelihoodFunction::apply(mean, logVariance, y);
}

} // namespace momok
