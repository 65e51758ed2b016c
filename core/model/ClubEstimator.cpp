#include "model/ClubEstimator.h"

#include <cmath>

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
    const int64_t n = x.size(0);
    auto precision = torch::exp(-logVar); // N×D
    auto positive = -(mu - y).pow(2) * precision / 2;
    // Σ_j (y_j − μ_i)² = Σ_j y_j² − 2 μ_i Σ_j y_j + N μ_i²; remove j = i to average over the others.
    auto ySum = y.sum(0, true), ySquareSum = y.pow(2).sum(0, true);
    auto allSquares = ySquareSum - 2 * mu * ySum + double(n) * mu.pow(2);
    auto others = (allSquares - (y - mu).pow(2)) / double(std::max<int64_t>(1, n - 1));
    auto negative = -others * precision / 2;
    return (positive.sum(1) - negative.sum(1)).mean();
}

torch::Tensor ClubEstimatorImpl::logLikelihood(const torch::Tensor &x, const torch::Tensor &y)
{
    auto [mu, logVar] = meanAndLogVariance(x);
    static const double kLogTwoPi = std::log(2 * M_PI);
    return (-(mu - y).pow(2) * torch::exp(-logVar) / 2 - logVar / 2 - kLogTwoPi / 2).sum(1).mean();
}

} // namespace momok
