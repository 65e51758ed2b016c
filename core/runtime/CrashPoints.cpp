#include "runtime/CrashPoints.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace momok {

namespace {

struct CrashPointSettings {
    long long killAt = 0; // 0: never
    int logFd = -1;

    CrashPointSettings()
    {
        if (const char *at = std::getenv("MOMOK_CRASH_AT_EVENT"))
            killAt = std::atoll(at);
        if (const char *log = std::getenv("MOMOK_CRASH_LOG"); log && *log)
            logFd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    bool active() const { return killAt > 0 || logFd >= 0; }
};

const CrashPointSettings &settings()
{
    static const CrashPointSettings s;
    return s;
}

std::atomic<long long> g_events{0};

} // namespace

void crashPoint(const char *event)
{
    const CrashPointSettings &s = settings();
    if (!s.active())
        return;
    const long long n = ++g_events;
    if (s.logFd >= 0) {
        // One write() per line: O_APPEND keeps lines whole even from several processes.
        char line[128];
        const size_t length = std::min(std::strlen(event), sizeof line - 2);
        std::memcpy(line, event, length);
        line[length] = '\n';
        [[maybe_unused]] const ssize_t written = ::write(s.logFd, line, length + 1);
    }
    if (n == s.killAt)
        std::raise(SIGKILL);
}

} // namespace momok
