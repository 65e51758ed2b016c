#include "runtime/WaitPolicies.h"

#include <cstdlib>

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

} // namespace momok
