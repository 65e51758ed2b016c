#pragma once
// Progress and cancellation of one long job, one type for all of them: training, feature
// extraction and teaching-graph generation (after QGIS's QgsFeedback). The job reports
// progress and checks for cancellation on its own thread; any thread may cancel. The
// throttle lives here, once: the handler hears a stage's first and last report and at most
// one report per interval in between, so a job may report after every item.
// Tests cancel at a deterministic point of the job (cancelAt), never by racing a timer.
#include <QMetaType>
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
    DrawingImages,    // teaching graph: one image per object and per colour and pattern
    ExportingSprite   // embeddings export: one thumbnail per entity into the sprite sheet
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
    // True once cancel() was called (or the point set by cancelAt was reached).
    bool isCancelled() const;
    // Forwards to the handler (on the calling thread) when the stage or epoch changed, when the
    // stage is done, or when the interval has passed since the last forwarded report.
    void report(const Progress &progress);
    void setHandler(Handler handler);

    // A deterministic cancellation point: the job is cancelled as soon as it reports
    // progress of this stage in this epoch (0 outside training) with at least `done` items
    // done, so its next check stops it there, whatever the clock says. For tests.
    void cancelAt(WorkStage stage, int epoch, int64_t done);

private:
    Handler m_handler;
    const int m_intervalMs;
    std::atomic<bool> m_cancelled{false};
    std::mutex m_mutex; // guards the state below
    bool m_hasCancelPoint = false;
    Progress m_cancelPoint;
    int64_t m_lastForwardMs = -1;
    WorkStage m_lastStage = WorkStage::Training;
    int m_lastEpoch = -1;
};

// For code paths where feedback is optional (a null pointer: never cancelled, nobody listening).
inline bool isCancelled(const Feedback *feedback) { return feedback && feedback->isCancelled(); }
inline void reportProgress(Feedback *feedback, const Progress &progress)
{
    if (feedback)
        feedback->report(progress);
}

} // namespace momok

Q_DECLARE_METATYPE(momok::Progress)
