#include "train/BranchedStep.h"

#include "runtime/WorkProfiler.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <pthread.h>
#endif

namespace momok {

torch::Tensor leafCopy(const torch::Tensor &t)
{
    return t.defined() ? t.detach().requires_grad_(true) : torch::Tensor();
}

namespace {

// ---- the second branch's thread ----

// How long a thread that waits here spins before it sleeps. A step hands work over four or
// five times, each a millisecond or less after the last: spinning through that, the other
// thread starts within about two microseconds (a spell of 64 pauses and a yield each take
// about 1.2 µs on a quiet 2-core virtual machine), where waking one from LibTorch's
// inter-op pool took 45-65 µs and its end as long again there (about 0.3 ms of a 6-8 ms
// quick-demo step). Spinning is bounded, so an idle process sleeps.
constexpr std::chrono::microseconds kSpinBeforeSleeping{2000};

inline void spinPause()
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

// Spins on `ready` for at most kSpinBeforeSleeping; true once it holds. It yields its core
// every 64 pauses (about every 2.5 µs, pauses and yield together): when another process keeps
// a core busy, the spinning thread would otherwise hold the other core through its time slice
// while the thread it waits for queues behind that process. The countries quick demo beside
// one busy process (`yes`) on 2 cores took 25.2 s [18.9–26.0] spinning without yielding and
// 12.0 s [11.5–13.4] yielding (four interleaved runs each); on the quiet machine 7.2 s and
// 7.1 s.
template <typename Ready>
bool spinUntil(const Ready &ready)
{
    const auto until = std::chrono::steady_clock::now() + kSpinBeforeSleeping;
    for (unsigned i = 1;; ++i) {
        if (ready())
            return true;
        spinPause();
        if (i % 64 == 0) {
            if (std::chrono::steady_clock::now() > until)
                return false;
            std::this_thread::yield();
        }
    }
}

// One thread kept for runBranches' second branch, one branch at a time. It spins a while
// after each, then sleeps until the next. Made on first use and never destroyed: at exit it
// is asleep or spinning on its own members, and touches nothing another static owns.
class BranchThread
{
public:
    static BranchThread &shared()
    {
        static BranchThread *const thread = new BranchThread;
        return *thread;
    }

    // Starts `task` there; false (nothing started) when the thread is taken: a runBranches
    // inside a branch, or two trainings at once. `task` must not throw, and must live until
    // finish() returns.
    bool tryStart(const std::function<void()> *task)
    {
        if (std::this_thread::get_id() == m_id)
            return false;
        bool expected = false;
        if (!m_taken.compare_exchange_strong(expected, true, std::memory_order_acquire))
            return false;
        m_done.store(false, std::memory_order_relaxed);
        m_task.store(task, std::memory_order_release);
        std::lock_guard<std::mutex> lock(m_mutex); // see run(): it checks m_task under it
        if (m_threadSleeps)
            m_wake.notify_one();
        return true;
    }

    // Waits until the task tryStart started has ended, and frees the thread.
    void finish()
    {
        if (!spinUntil([this] { return m_done.load(std::memory_order_acquire); })) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_callerSleeps = true;
            m_wake.wait(lock, [this] { return m_done.load(std::memory_order_acquire); });
            m_callerSleeps = false;
        }
        m_taken.store(false, std::memory_order_release);
    }

private:
    BranchThread()
    {
        std::thread thread([this] { run(); });
        m_id = thread.get_id();
        thread.detach();
    }

    void run()
    {
#if defined(__linux__)
        pthread_setname_np(pthread_self(), "momok-branch");
#endif
        at::init_num_threads();
        for (;;) {
            const std::function<void()> *task = nullptr;
            auto taken = [&] { return (task = m_task.load(std::memory_order_acquire)) != nullptr; };
            if (!spinUntil(taken)) {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_threadSleeps = true;
                m_wake.wait(lock, taken);
                m_threadSleeps = false;
            }
            m_task.store(nullptr, std::memory_order_relaxed);
            (*task)();
            m_done.store(true, std::memory_order_release);
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_callerSleeps)
                m_wake.notify_all();
        }
    }

    std::atomic<const std::function<void()> *> m_task{nullptr};
    std::atomic<bool> m_done{false}, m_taken{false};
    std::mutex m_mutex;
    std::condition_variable m_wake; // the thread's and the caller's sleeps, under m_mutex
    bool m_threadSleeps = false, m_callerSleeps = false;
    std::thread::id m_id;
};

torch::Tensor gradientOf(const torch::Tensor &leaf)
{
    return leaf.defined() ? leaf.grad() : torch::Tensor();
}

} // namespace

BranchInputs detachedBranchInputs(const std::array<torch::Tensor, kModalityCount> &candidates, const QueryAdaptors &query,
                                  const std::array<bool, kModalityCount> &withExperts)
{
    BranchInputs out;
    for (size_t m = 0; m < size_t(kModalityCount); ++m) {
        out.candidates[m] = leafCopy(candidates[m]);
        out.queries[m] = leafCopy(query.adaptors[m].mixed);
        out.relations[m] = leafCopy(query.relationRows[m]);
        if (withExperts[m])
            out.experts[m] = leafCopy(query.adaptors[m].experts);
    }
    return out;
}

StepAdaptors runAdaptors(MoMoKModel &model, const torch::Tensor &entities, const torch::Tensor &relations, uint64_t step,
                         bool parallel, const WorkBeside &beside)
{
    StepAdaptors out;
    const MoMoKModelImpl::AdaptorDraws draws = model->adaptorDraws(relations);
    out.temperature = draws.temperature;
    out.query.slot = draws.slot;
    std::vector<int> used;
    for (int m = 0; m < kModalityCount; ++m) {
        if (!model->modalityUsed(m))
            continue;
        used.push_back(m);
        if (draws.temperature.defined())
            out.temperatureCopies[size_t(m)] = leafCopy(draws.temperature);
    }
    auto adaptor = [&](int m) {
        const size_t i = size_t(m);
        torch::Tensor rows;
        {
            ProfileScope scope(ProfileSection::ExpertsAndGates);
            rows = model->entityRowsOf(m, entities);
        }
        out.candidates[i] = model->candidateAdaptor(m, draws.candidateNoise[i], step);
        out.query.relationRows[i] = model->queryRelationRows(m, draws.distinct);
        out.query.adaptors[i] = model->queryAdaptor(m, rows, out.temperatureCopies[i], draws.queryNoise[i], step);
    };
    if (beside.modalities.empty()) {
        runModalities(parallel, used, adaptor);
        return out;
    }
    // This thread takes the first half of the adaptors (rounded up) and of the work beside
    // (rounded down), the pool the rest: with three modalities, two adaptors and one piece
    // beside here, one and two there (an adaptor costs more than an estimator's fit).
    const size_t adaptorsHere = (used.size() + 1) / 2, besideHere = beside.modalities.size() / 2;
    std::vector<std::function<void()>> tasks;
    auto addAdaptors = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i)
            tasks.push_back([&adaptor, m = used[i]] { adaptor(m); });
    };
    auto addBeside = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i)
            tasks.push_back([&beside, m = beside.modalities[i]] { beside.work(m); });
    };
    addAdaptors(0, adaptorsHere);
    addBeside(0, besideHere);
    addAdaptors(adaptorsHere, used.size());
    addBeside(besideHere, beside.modalities.size());
    runTasks(parallel, tasks, adaptorsHere + besideHere);
    return out;
}

void backwardThroughAdaptors(const StepAdaptors &adaptors, const BranchInputs &modalityBranch,
                             const BranchInputs &jointBranch, bool parallel, const std::function<void()> &alongside)
{
    const QueryAdaptors &query = adaptors.query;
    std::vector<int> modalities;
    for (int m = 0; m < kModalityCount; ++m)
        if (adaptors.candidates[size_t(m)].defined() || query.adaptors[size_t(m)].mixed.defined())
            modalities.push_back(m);
    auto modalityBackward = [&](int modality) {
        const size_t m = size_t(modality);
        std::vector<torch::Tensor> roots, gradients;
        auto add = [&](const torch::Tensor &root, const torch::Tensor &first, const torch::Tensor &second) {
            // Branches run one after the other may share their copies: then the copy holds both.
            const torch::Tensor a = gradientOf(first), b = second.is_same(first) ? torch::Tensor() : gradientOf(second);
            const torch::Tensor sum = a.defined() && b.defined() ? a + b : a.defined() ? a : b;
            if (sum.defined() && root.defined() && root.requires_grad()) {
                roots.push_back(root);
                gradients.push_back(sum);
            }
        };
        add(adaptors.candidates[m], modalityBranch.candidates[m], jointBranch.candidates[m]);
        add(query.adaptors[m].mixed, modalityBranch.queries[m], jointBranch.queries[m]);
        add(query.adaptors[m].experts, modalityBranch.experts[m], jointBranch.experts[m]);
        add(query.relationRows[m], modalityBranch.relations[m], jointBranch.relations[m]);
        if (!roots.empty())
            torch::autograd::backward(roots, gradients);
    };
    const bool twoThreads = parallel && modalities.size() > 1;
    const size_t here = twoThreads ? (modalities.size() + 1) / 2 : modalities.size();
    std::vector<std::function<void()>> tasks;
    for (size_t i = 0; i < modalities.size(); ++i) {
        tasks.push_back([&modalityBackward, m = modalities[i]] { modalityBackward(m); });
        if (alongside && ((twoThreads && i + 1 == here) || i + 1 == modalities.size()))
            tasks.push_back(alongside);
    }
    if (alongside && modalities.empty())
        tasks.push_back(alongside);
    runTasks(twoThreads, tasks, alongside && twoThreads ? here + 1 : here);
    // The relation temperature, shared by the modalities' query adaptors: their gradients on
    // its copies, added S, I, T.
    if (adaptors.temperature.defined() && adaptors.temperature.requires_grad()) {
        torch::Tensor sum;
        for (const auto &copy : adaptors.temperatureCopies)
            if (const torch::Tensor g = gradientOf(copy); g.defined())
                sum = sum.defined() ? sum + g : g;
        if (sum.defined())
            torch::autograd::backward({adaptors.temperature}, {sum});
    }
}

void runBranches(bool parallel, const std::function<void()> &first, const std::function<void()> &second)
{
    if (!parallel) {
        first();
        second();
        return;
    }
    // The pool's threads take the intra-op count when they start; it may have changed since.
    // LibTorch's reductions split their sums by thread: the same count, the same bits. The
    // caller's thread-local state (grad mode, the profiler's callbacks) goes with `second`,
    // as at::launch takes it.
    const int threads = at::get_num_threads();
    std::exception_ptr secondFailure;
    const std::function<void()> secondThere = [&second, &secondFailure, threads, state = at::ThreadLocalState()] {
        try {
            at::ThreadLocalStateGuard guard(state);
            if (at::get_num_threads() != threads)
                at::set_num_threads(threads);
            second();
        } catch (...) {
            secondFailure = std::current_exception();
        }
    };
    BranchThread &thread = BranchThread::shared();
    std::promise<void> poolDone; // when the branch thread is taken: LibTorch's inter-op pool
    std::future<void> poolEnded;
    const bool onBranchThread = thread.tryStart(&secondThere);
    if (!onBranchThread) {
        poolEnded = poolDone.get_future();
        at::launch([&secondThere, &poolDone] {
            secondThere();
            poolDone.set_value();
        });
    }
    std::exception_ptr firstFailure;
    try {
        first();
    } catch (...) {
        firstFailure = std::current_exception();
    }
    // `second` refers to the caller's state: never unwind before it ended.
    if (onBranchThread)
        thread.finish();
    else
        poolEnded.wait();
    if (firstFailure)
        std::rethrow_exception(firstFailure);
    if (secondFailure)
        std::rethrow_exception(secondFailure);
}

void runTasks(bool parallel, const std::vector<std::function<void()>> &tasks, size_t onThisThread)
{
    onThisThread = std::min(onThisThread, tasks.size());
    runBranches(
        parallel && onThisThread > 0 && onThisThread < tasks.size(),
        [&] {
            for (size_t i = 0; i < onThisThread; ++i)
                tasks[i]();
        },
        [&] {
            for (size_t i = onThisThread; i < tasks.size(); ++i)
                tasks[i]();
        });
}

void runModalities(bool parallel, const std::vector<int> &modalities, const std::function<void(int)> &work)
{
    std::vector<std::function<void()>> tasks;
    for (int m : modalities)
        tasks.push_back([&work, m] { work(m); });
    runTasks(parallel, tasks, parallel ? (modalities.size() + 1) / 2 : modalities.size());
}

} // namespace momok
