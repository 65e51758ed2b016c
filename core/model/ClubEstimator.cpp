#include "model/ClubEstimator.h"

#include "model/FastKernels.h"
#include "model/PortableKernels.h"
#include "runtime/Gemm.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace momok {

ClubEstimatorImpl::ClubEstimatorImpl(int64_t xWidth, int64_t yWidth, int64_t hidden)
{
    const int64_t h = std::max<int64_t>(1, hidden / 2);
    m_meanIn = torch::nn::Linear(xWidth, h);
    m_meanOut = torch::nn::Linear(h, yWidth);
    m_logVarianceIn = torch::nn::Linear(xWidth, h);
    m_logVarianceOut = torch::nn::Linear(h, yWidth);
    m_mean = register_module("mean", torch::nn::Sequential(m_meanIn, torch::nn::ReLU(), m_meanOut));
    m_logVariance = register_module("log_variance", torch::nn::Sequential(m_logVarianceIn, torch::nn::ReLU(),
                                                                          m_logVarianceOut, torch::nn::Tanh()));
}

namespace {

// Q_θ's moments, mean = W2m·relu(W1m·x + b1m) + b2m and log-variance =
// tanh(W2v·relu(W1v·x + b1v) + b2v), as one operator each way. The two first layers share x,
// so they are one product of x by [W1m; W1v] (and one for each of its gradients), and the
// backward pass forms each gradient directly rather than through a dozen autograd nodes:
// the estimator runs six times a step (each modality's fit and its CLUB bound).
class QMomentsFunction : public torch::autograd::Function<QMomentsFunction>
{
public:
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x,
                                                  const torch::Tensor &meanInWeight, const torch::Tensor &meanInBias,
                                                  const torch::Tensor &meanOutWeight, const torch::Tensor &meanOutBias,
                                                  const torch::Tensor &varInWeight, const torch::Tensor &varInBias,
                                                  const torch::Tensor &varOutWeight, const torch::Tensor &varOutBias)
    {
        const int64_t h = meanInWeight.size(0);
        const auto inWeight = torch::cat({meanInWeight, varInWeight}, 0); // 2h×xWidth
        const auto hidden = gemmWithBias(torch::cat({meanInBias, varInBias}), x, inWeight.t()).relu_();
        auto mean = gemmWithBias(meanOutBias, hidden.narrow(1, 0, h), meanOutWeight.t());
        auto logVariance = gemmWithBias(varOutBias, hidden.narrow(1, h, h), varOutWeight.t()).tanh_();
        ctx->save_for_backward({x, inWeight, meanOutWeight, varOutWeight, hidden, logVariance});
        ctx->set_materialize_grads(false); // an unused moment's gradient stays undefined (backward)
        return {mean, logVariance};
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &x = saved[0], &inWeight = saved[1], &meanOutWeight = saved[2], &varOutWeight = saved[3],
                            &hidden = saved[4], &logVariance = saved[5];
        const int64_t h = meanOutWeight.size(1);
        // A moment without a gradient leaves its MLP's parameters without one, as autograd
        // does for the layers: no products through it, and Adam skips them.
        const bool meanUsed = grads[0].defined(), varianceUsed = grads[1].defined();
        const torch::Tensor gMean = grads[0];
        const torch::Tensor gVarPre = varianceUsed ? at::tanh_backward(grads[1], logVariance) : torch::Tensor();
        // The hidden layer's gradient, both halves side by side (an unused half zero), then
        // through the ReLU.
        auto gHidden = torch::empty_like(hidden);
        auto gMeanHidden = gHidden.narrow(1, 0, h), gVarHidden = gHidden.narrow(1, h, h);
        if (meanUsed)
            gemmInto(gMeanHidden, gMean, meanOutWeight);
        else
            gMeanHidden.zero_();
        if (varianceUsed)
            gemmInto(gVarHidden, gVarPre, varOutWeight);
        else
            gVarHidden.zero_();
        gHidden = at::threshold_backward(gHidden, hidden, 0);
        const auto gInWeight = gemm(gHidden.t(), x), gInBias = gHidden.sum(0);
        torch::Tensor gX;
        if (ctx->needs_input_grad(0))
            gX = gemm(gHidden, inWeight);
        const torch::Tensor none;
        return {gX,
                meanUsed ? gInWeight.narrow(0, 0, h) : none, meanUsed ? gInBias.narrow(0, 0, h) : none,
                meanUsed ? gemm(gMean.t(), hidden.narrow(1, 0, h)) : none, meanUsed ? gMean.sum(0) : none,
                varianceUsed ? gInWeight.narrow(0, h, h) : none, varianceUsed ? gInBias.narrow(0, h, h) : none,
                varianceUsed ? gemm(gVarPre.t(), hidden.narrow(1, h, h)) : none, varianceUsed ? gVarPre.sum(0) : none};
    }
};

} // namespace

std::pair<torch::Tensor, torch::Tensor> ClubEstimatorImpl::meanAndLogVariance(const torch::Tensor &x)
{
    if (!cpuKernelsServe(x))
        return plainMeanAndLogVariance(x);
    const auto moments = QMomentsFunction::apply(x, m_meanIn->weight, m_meanIn->bias, m_meanOut->weight, m_meanOut->bias,
                                                 m_logVarianceIn->weight, m_logVarianceIn->bias,
                                                 m_logVarianceOut->weight, m_logVarianceOut->bias);
    return {moments[0], moments[1]};
}

std::pair<torch::Tensor, torch::Tensor> ClubEstimatorImpl::plainMeanAndLogVariance(const torch::Tensor &x)
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
    // The precisions p = exp(−logvar), one per element, computed once per pass and vectorised
    // (negatedExp): a double-precision exp per element took more of the quick demo's time
    // than the rest of these loops together.
    std::vector<float> precision;
    double p(int64_t e) const { return double(precision[size_t(e)]); }
};

Moments contiguousMoments(const torch::Tensor &mu, const torch::Tensor &logVar, const torch::Tensor &y)
{
    TORCH_CHECK(mu.dim() == 2 && logVar.sizes() == mu.sizes() && y.sizes() == mu.sizes(), "CLUB: shape mismatch");
    TORCH_CHECK(mu.scalar_type() == torch::kFloat && mu.device().is_cpu(), "CLUB: CPU float32 only");
    Moments t;
    t.mu = mu.contiguous();
    t.logVar = logVar.contiguous();
    t.y = y.contiguous();
    t.n = mu.size(0);
    t.d = mu.size(1);
    t.m = t.mu.data_ptr<float>();
    t.lv = t.logVar.data_ptr<float>();
    t.ys = t.y.data_ptr<float>();
    t.precision.resize(size_t(t.n * t.d));
    negatedExp(t.lv, t.precision.data(), t.n * t.d);
    return t;
}

// The loops below run on the intra-op threads split by columns: every column's sums still run
// row after row, so the results are those of one thread, bit for bit, on any thread count.
// Each range sums into its own local array (columns[k - k0]) and stores it once at the end:
// neighbouring ranges written row after row would share cache lines at their border.
template <typename F>
void forColumnRanges(int64_t d, const F &f)
{
    at::parallel_for(0, d, 8, [&](int64_t k0, int64_t k1) { f(k0, k1); });
}

// Copies a range's local sums into their place in the full-width result.
void storeColumns(const std::vector<double> &local, int64_t k0, std::vector<double> &out)
{
    std::copy(local.begin(), local.end(), out.begin() + k0);
}

// Σ of term(e, k) over every element e (k its column): each column summed row after row on
// its range's thread, then the column totals added column after column (a fixed order).
template <typename F>
double sumOfElements(const Moments &t, const F &term)
{
    std::vector<double> columnTotals(size_t(t.d), 0.0);
    forColumnRanges(t.d, [&](int64_t k0, int64_t k1) {
        std::vector<double> totals(size_t(k1 - k0), 0.0);
        for (int64_t i = 0; i < t.n; ++i)
            for (int64_t k = k0; k < k1; ++k)
                totals[size_t(k - k0)] += term(i * t.d + k, k);
        storeColumns(totals, k0, columnTotals);
    });
    double total = 0;
    for (double v : columnTotals)
        total += v;
    return total;
}

// The bound's per-element term, from the column sums Σ_j y_jd and Σ_j y_jd² (in double, row
// after row: a fixed order). Forward and backward both use it.
struct BoundTerms {
    double n = 0, c = 0; // N and c = 1/max(1, N−1)
    std::vector<double> s1, s2;

    explicit BoundTerms(const Moments &t)
        : n(double(t.n)), c(1.0 / std::max(1.0, double(t.n) - 1.0)), s1(size_t(t.d), 0.0), s2(size_t(t.d), 0.0)
    {
        forColumnRanges(t.d, [&](int64_t k0, int64_t k1) {
            std::vector<double> sum(size_t(k1 - k0), 0.0), squares(size_t(k1 - k0), 0.0);
            for (int64_t i = 0; i < t.n; ++i)
                for (int64_t k = k0; k < k1; ++k) {
                    const double v = t.ys[i * t.d + k];
                    sum[size_t(k - k0)] += v;
                    squares[size_t(k - k0)] += v * v;
                }
            storeColumns(sum, k0, s1);
            storeColumns(squares, k0, s2);
        });
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
        const double total = sumOfElements(t, [&](int64_t e, int64_t k) {
            const double m = t.m[e];
            return t.p(e) * terms.D(k, m, m - t.ys[e]);
        });
        return torch::tensor(float(total / (2 * terms.n)), mu.options());
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Moments t = contiguousMoments(saved[0], saved[1], saved[2]);
        const double g = grads[0].item<double>();
        const BoundTerms terms(t);
        const double n = terms.n, c = terms.c, scale = g / (2 * n);
        // ∂U/∂y_kd gathers every row's p through S1 and S2: P_d = Σ_i p_id, Q_d = Σ_i p_id·μ_id
        // (P and Q below hold a column range's).
        auto gMu = torch::empty_like(t.mu), gLogVar = torch::empty_like(t.mu), gY = torch::empty_like(t.mu);
        float *gm = gMu.data_ptr<float>(), *glv = gLogVar.data_ptr<float>(), *gy = gY.data_ptr<float>();
        forColumnRanges(t.d, [&](int64_t k0, int64_t k1) {
            std::vector<double> P(size_t(k1 - k0), 0.0), Q(size_t(k1 - k0), 0.0);
            for (int64_t i = 0; i < t.n; ++i)
                for (int64_t k = k0; k < k1; ++k) {
                    const int64_t e = i * t.d + k;
                    const double p = t.p(e), m = t.m[e], diff = m - t.ys[e];
                    glv[e] = float(-scale * p * terms.D(k, m, diff));
                    gm[e] = float(scale * p * (c * (2 * n * m - 2 * terms.s1[size_t(k)]) - 2 * (1 + c) * diff));
                    gy[e] = float(scale * 2 * (1 + c) * p * diff); // the own-row term; the gathered one follows
                    P[size_t(k - k0)] += p;
                    Q[size_t(k - k0)] += p * m;
                }
            for (int64_t i = 0; i < t.n; ++i)
                for (int64_t k = k0; k < k1; ++k) {
                    const int64_t e = i * t.d + k;
                    gy[e] += float(scale * 2 * c * (double(t.ys[e]) * P[size_t(k - k0)] - Q[size_t(k - k0)]));
                }
        });
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
        const double total = sumOfElements(t, [&](int64_t e, int64_t) {
            const double lv = t.lv[e], diff = double(t.m[e]) - t.ys[e];
            return -diff * diff * t.p(e) / 2 - lv / 2 - kLogTwoPi / 2;
        });
        return torch::tensor(float(total / double(t.n)), mu.options());
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Moments t = contiguousMoments(saved[0], saved[1], saved[2]);
        const double scale = grads[0].item<double>() / double(t.n);
        auto gMu = torch::empty_like(t.mu), gLogVar = torch::empty_like(t.mu);
        float *gm = gMu.data_ptr<float>(), *glv = gLogVar.data_ptr<float>();
        at::parallel_for(0, t.n * t.d, 1 << 14, [&](int64_t begin, int64_t end) {
            for (int64_t e = begin; e < end; ++e) {
                const double p = t.p(e), diff = double(t.m[e]) - t.ys[e];
                gm[e] = float(-scale * diff * p);
                glv[e] = float(scale * (diff * diff * p / 2 - 0.5));
            }
        });
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
