#pragma once
// Progress and cancellation of one long job, one type for all of them: training, feature
// extraction and teaching-graph generation (after QGIS's QgsFeedback). The job reports
// progress and checks for cancellation on its own thread; any thread may cancel. The
// throttle lives here, once: the handler hears a stage's first and last report and at most
// one report per interval in between, so a job may report after every item.
#include <QString>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace momok {

enum class WorkStage {
    HashingInputs,    // feature extraction: reading and hashing the raw images and texts
    ExtractingImages, // feature extraction: image descriptors (or the TorchScript encoder)
    ExtractingTexts,  // feature extraction: text features
    Training,         // batches of one epoch
    Evaluating,       // queries of one evaluation
    WritingGraph,     // teaching graph: triples and metadata
    DrawingImages     // teaching graph: one image per object
};
QString workStageLabel(WorkStage stage); // "hashing", "images", "texts", "training", …

struct Progress {
    WorkStage stage = WorkStage::Training;
    int64_t done = 0, total = 0;
    int epoch = 0; // Training and Evaluating: the epoch (1-based); 0 elsewhere
    double fraction() const { return total > 0 ? double(done) / double(total) : 0.0; }
};

class Feedback
{
public:
    using Handler = std::function<void(const Progress &)>;
    static constexpr int kDefaultIntervalMs = 200;

    explicit Feedback(Handler handler = {}, int intervalMs = kDefaultIntervalMs);
    Feedback(const Feedback &) = delete;
    Feedback &operator=(const Feedback &) = delete;

    // Any thread.
    void cancel();
    // True once cancel() was called. Each call is a cancellation check (see cancelAtCheck).
    bool isCancelled() const;
    // Forwards to the handler (on the calling thread) when the stage or epoch changed, when the
    // stage is done, or when the interval has passed since the last forwarded report.
    void report(const Progress &progress);
    void setHandler(Handler handler);

    // A deterministic cancellation point for tests: cancel() takes effect at the n-th
    // isCancelled() check from now (n ≥ 1), wherever the job is, whatever the clock says.
    void cancelAtCheck(int64_t n);
    int64_t checkCount() const { return m_checks.load(); }

private:
    Handler m_handler;
    const int m_intervalMs;
    mutable std::atomic<bool> m_cancelled{false};
    mutable std::atomic<int64_t> m_checks{0};
    std::atomic<int64_t> m_cancelAt{-1};
    std::mutex m_mutex; // guards the throttle's state below
    int64_t m_lastForwardMs = -1;
    WorkStage m_lastStage = WorkStage::Training;
    int m_lastEpoch = -1;
};

// For code paths where feedback is optional (a null pointer: never cancelled, nobody listening).
inline bool isCancelled(const Feedback *feedback) { return feedback && feedback->isCancelled(); }
inline void report(Feedback *feedback, const Progress &progress)
{
    if (feedback)
        feedback->report(progress);
}

} // namespace momok
