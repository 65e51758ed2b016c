#pragma once
// The thread pools' waiting policies, one rule for every program that starts the engine.
// Plain C++ over libc, no Qt or LibTorch: the launchers (app/launcher_main.cpp) link it and
// must load neither.
//
// OpenBLAS's products and LibTorch's parallel loops alternate all through a training step,
// each on its own pool of threads over the same cores. With the libraries' defaults an idle
// thread of one pool spins for milliseconds while the other pool works, and the two compete
// for the cores. Both libraries read their setting once, when they are loaded, before main()
// runs: it has to be in the environment of the process that loads them.

namespace momok {

// The variables the policies live in, as the libraries read them.
inline constexpr const char *kThreadPoolWaitVariables[] = {"OPENBLAS_THREAD_TIMEOUT", "GOMP_SPINCOUNT",
                                                           "OMP_WAIT_POLICY"};

// Sets OPENBLAS_THREAD_TIMEOUT=4 (2^4 cycles of spinning before an idle BLAS thread sleeps)
// and, unless OMP_WAIT_POLICY is set, GOMP_SPINCOUNT=1000, each only where the user has not
// set it. Returns whether it set any: only a program loaded after that (exec) sees them.
bool setThreadPoolWaitPolicies();

} // namespace momok
