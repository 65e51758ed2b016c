#include "runtime/WaitPolicies.h"

#include <cstdlib>
#include <string>
#include <string_view>

namespace momok {

bool setThreadPoolWaitPolicies()
{
    bool changed = false;
    auto setDefault = [&](const char *name, const char *value) {
        if (!std::getenv(name)) {
            setenv(name, value, 0);
            changed = true;
        }
    };
    setDefault("OPENBLAS_THREAD_TIMEOUT", "4");
    // After each parallel loop, GNU OpenMP's idle threads spin 300,000 times by default
    // (milliseconds on this kind of CPU) while OpenBLAS's threads start the next product on
    // the same cores. Measured on MKG-Y's benchmark epoch on 2 cores: 32.0 s with the
    // default, 23.1 s with 1,000 spins. A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
    if (!std::getenv("OMP_WAIT_POLICY"))
        setDefault("GOMP_SPINCOUNT", "1000");
    return changed;
}

bool setHugePageHeap()
{
    const char *own = std::getenv(kHeapTunablesVariable);
    std::string tunables = own ? own : "";
    // GLIBC_TUNABLES is a colon-separated list of name=value; an entry that names this tunable,
    // whatever its value, is the user's choice.
    const std::string ownEntry = std::string(kHugePageHeapTunable) + '=';
    for (size_t begin = 0; begin <= tunables.size();) {
        size_t end = tunables.find(':', begin);
        if (end == std::string::npos)
            end = tunables.size();
        if (std::string_view(tunables).substr(begin, end - begin).substr(0, ownEntry.size()) == ownEntry)
            return false;
        begin = end + 1;
    }
    if (!tunables.empty())
        tunables += ':';
    tunables += ownEntry + '1';
    setenv(kHeapTunablesVariable, tunables.c_str(), 1);
    return true;
}

bool setStartupPolicies()
{
    const bool waits = setThreadPoolWaitPolicies();
    const bool heap = setHugePageHeap();
    return waits || heap;
}

} // namespace momok
