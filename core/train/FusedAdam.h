#pragma once
// Adam with the update of each parameter done in one pass over its memory, instead of
// LibTorch's seven tensor operations (each a dispatcher call, most a full pass and some
// an allocation). Same state (exp_avg, exp_avg_sq, step per parameter, stored by
// torch::optim::Adam), so checkpoints are interchangeable, and the same formula:
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
//   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
// Parameters without a gradient are skipped, as Adam does. Options this kernel does not
// cover (weight decay, AMSGrad, non-float or non-CPU tensors) fall back to Adam::step.
#include <torch/torch.h>

#include <sstream>
#include <type_traits>

namespace momok {

// The key under which torch::optim's Adam keeps a parameter's state in STATE: its
// TensorImpl's address, printed (LibTorch 1.13) or the pointer itself (2.x).
template <typename StateMap>
typename StateMap::key_type adamStateKey(const StateMap &, const torch::Tensor &p)
{
    using Key = typename StateMap::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream text;
        text << p.unsafeGetTensorImpl();
        return text.str();
    } else {
        return static_cast<Key>(p.unsafeGetTensorImpl());
    }
}

class FusedAdam : public torch::optim::Adam
{
public:
    FusedAdam(std::vector<torch::Tensor> parameters, torch::optim::AdamOptions options);
    torch::Tensor step(LossClosure closure = nullptr) override;

    // Forgets every gradient (instead of zeroing it): backward then stores the new gradient
    // in place of adding it to zeros, one pass less per parameter.
    void releaseGradients();

    // With `on`, step() shares the update between this thread and one more, half of the
    // elements each (runBranches in train/BranchedStep.h): for steps trained on one intra-op
    // thread while another core waits, such as the quick demo's. The update is element-wise,
    // so the parameters and the state are the same bits either way.
    void setSecondThread(bool on) { m_secondThread = on; }

private:
    bool m_secondThread = false;
};

} // namespace momok
