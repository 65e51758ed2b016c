#pragma once
// CLUB: a variational upper bound of the mutual information I(x; y) with a Gaussian
// Q_θ(y|x) (two small MLPs for mean and log-variance). MoMoK minimises it between two
// experts' outputs so that the experts carry different information.
#include <torch/torch.h>

namespace momok {

class ClubEstimatorImpl : public torch::nn::Module
{
public:
    ClubEstimatorImpl(int64_t xWidth, int64_t yWidth, int64_t hidden);

    // The bound: mean over the batch of log Q(y_i|x_i) − mean_{j≠i} log Q(y_j|x_i)
    // (constant terms cancel), computed in O(N·D) rather than O(N²·D).
    torch::Tensor upperBound(const torch::Tensor &x, const torch::Tensor &y);
    // Mean log-likelihood of y given x under Q_θ (maximised to fit the estimator).
    torch::Tensor logLikelihood(const torch::Tensor &x, const torch::Tensor &y);

    // Q_θ's mean and log-variance (N×yWidth each): on the CPU one fused operator each way,
    // elsewhere the two MLPs' own layers. plainMeanAndLogVariance always takes the layers
    // (the fused operator's reference in tests).
    std::pair<torch::Tensor, torch::Tensor> meanAndLogVariance(const torch::Tensor &x);
    std::pair<torch::Tensor, torch::Tensor> plainMeanAndLogVariance(const torch::Tensor &x);

private:
    torch::nn::Sequential m_mean{nullptr}, m_logVariance{nullptr};
    // The Sequentials' Linear layers (the same modules, so parameter names stay as they were).
    torch::nn::Linear m_meanIn{nullptr}, m_meanOut{nullptr}, m_logVarianceIn{nullptr}, m_logVarianceOut{nullptr};
};
TORCH_MODULE(ClubEstimator);

// The two quantities from Q_θ's moments (mean μ and log-variance, both N×D) and y (N×D),
// each one fused operator forward and backward instead of a few dozen small ones (in the
// countries quick demo the estimator's operators were a third of all a step ran):
// the bound (1/N)·Σ_i [log Q(y_i|x_i) − mean_{j≠i} log Q(y_j|x_i)] ...
torch::Tensor clubUpperBound(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y);
// ... and the mean log-likelihood (1/N)·Σ_i log Q(y_i|x_i).
torch::Tensor clubLogLikelihood(const torch::Tensor &mean, const torch::Tensor &logVariance, const torch::Tensor &y);

} // namespace momok
