#pragma once
// Adam with the update of each parameter done in one pass over its memory, instead of
// LibTorch's seven tensor operations (each a dispatcher call, most a full pass and some
// an allocation). Same state (exp_avg, exp_avg_sq, step per parameter, stored by
// torch::optim::Adam), so checkpoints are interchangeable, and the same formula:
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
//   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
// Parameters without a gradient are skipped, as Adam does. Options this kernel does not
// cover (weight decay, AMSGrad, non-float, non-contiguous or non-CPU parameters) fall back to
// Adam::step.
#include <torch/torch.h>

#include <memory>
#include <sstream>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

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

// One prepared update of some of an optimiser's parameters, in chunks that any number of
// threads may take (run()) until none is left: the same bits whichever thread takes which.
class AdamUpdate
{
public:
    AdamUpdate();
    ~AdamUpdate();
    AdamUpdate(AdamUpdate &&) noexcept;
    AdamUpdate &operator=(AdamUpdate &&) noexcept;
    // Takes chunks until none is left; safe from several threads at once.
    void run();
    int64_t elements() const;

private:
    friend class FusedAdam;
    struct Chunks;
    std::unique_ptr<Chunks> m_chunks;
};

class FusedAdam : public torch::optim::Adam
{
public:
    FusedAdam(std::vector<torch::Tensor> parameters, torch::optim::AdamOptions options);
    torch::Tensor step(LossClosure closure = nullptr) override;

    // Forgets every gradient (instead of zeroing it): backward then stores the new gradient
    // in place of adding it to zeros, one pass less per parameter.
    void releaseGradients();

    // With `on`, step() and apply() share an update of more than one chunk between this
    // thread and one more (runBranches in train/BranchedStep.h): for steps trained on one
    // intra-op thread while another core waits, such as the quick demo's. Without it, the
    // chunks go to the intra-op pool. The update is element-wise, so the parameters and the
    // state are the same bits either way.
    void setSecondThread(bool on) { m_secondThread = on; }

    // Whether the one-pass update covers this optimiser's options and every parameter (float,
    // on the CPU, contiguous; else step() falls back to Adam::step).
    bool fusable() const;
    // The update of the given parameters alone (some of this optimiser's; those without a
    // gradient are skipped): their states advance now, their memory changes as the result's
    // chunks run. Each parameter's update is its own, so updating the parameters in several
    // such parts, or by step(), gives the same bits. The caller checks fusable() first and
    // keeps the gradients until the update has run.
    AdamUpdate prepareUpdate(const std::vector<torch::Tensor> &parameters);
    // Runs a prepared update to its end on the threads setSecondThread chose; step() is
    // apply(prepareUpdate(every parameter)).
    void apply(AdamUpdate &update);

private:
    using StateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer &>().state())>::key_type;
    // adamStateKey(state(), p), made once per parameter: LibTorch 1.13's key is the address
    // printed into a string (about 0.2 µs through a std::ostringstream), and a quick-demo step
    // prepared some 120 of them, about 20 µs while the step's second thread waits. Keyed by
    // the parameter's TensorImpl, whose address is all the key says. Like the rest of the
    // preparation, used by one thread at a time.
    const StateKey &stateKey(const torch::Tensor &p);
    // The update of the parameters in `wanted` (all of them when null).
    AdamUpdate prepare(const std::unordered_set<const void *> *wanted);

    bool m_secondThread = false;
    std::unordered_map<const void *, StateKey> m_stateKeys;
};

} // namespace momok
