#include "domain/Feedback.h"

#include <chrono>

namespace momok {

namespace {
int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
} // namespace

QString workStageLabel(WorkStage stage)
{
    static const char *const labels[] = {"hashing", "images", "texts", "training", "evaluating", "drawing", "sprite"};
    return QString::fromLatin1(labels[int(stage)]);
}

Feedback::Feedback(Handler handler, int intervalMs) : m_handler(std::move(handler)), m_intervalMs(intervalMs) {}

void Feedback::cancel() { m_cancelled = true; }

bool Feedback::isCancelled() const { return m_cancelled.load(); }

void Feedback::cancelAt(WorkStage stage, int epoch, int64_t done)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_hasCancelPoint = true;
    m_cancelPoint = Progress{stage, done, 0, epoch};
}

void Feedback::setHandler(Handler handler)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_handler = std::move(handler);
}

void Feedback::report(const Progress &progress)
{
    Handler handler;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_hasCancelPoint && progress.stage == m_cancelPoint.stage && progress.epoch == m_cancelPoint.epoch
            && progress.done >= m_cancelPoint.done)
            m_cancelled = true;
        if (!m_handler)
            return;
        const int64_t now = nowMs();
        const bool newPhase = progress.stage != m_lastStage || progress.epoch != m_lastEpoch;
        const bool done = progress.total > 0 && progress.done >= progress.total;
        if (!newPhase && !done && m_lastForwardMs >= 0 && now - m_lastForwardMs < m_intervalMs)
            return;
        m_lastForwardMs = now;
        m_lastStage = progress.stage;
        m_lastEpoch = progress.epoch;
        handler = m_handler;
    }
    handler(progress);
}

} // namespace momok
