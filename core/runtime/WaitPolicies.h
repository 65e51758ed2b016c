#pragma once
// The thread pools' waiting policies and the heap's page size, one rule for every program
// that starts the engine. Plain C++ over libc, no Qt or LibTorch: the launchers
// (app/launcher_main.cpp) link it and must load neither.
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

// The glibc tunable that puts malloc's heap on transparent huge pages (glibc 2.35 and later;
// older ones ignore it), in the variable glibc reads it from when a program starts.
inline constexpr const char *kHeapTunablesVariable = "GLIBC_TUNABLES";
inline constexpr const char *kHugePageHeapTunable = "glibc.malloc.hugetlb";

// Adds glibc.malloc.hugetlb=1 to GLIBC_TUNABLES (after the user's own tunables), unless the
// user's GLIBC_TUNABLES names it. LibTorch's start-up allocates its registries in many small
// pieces and a first training step its optimiser state and buffers: on 4 kB pages a one-epoch
// countries quick demo faulted in about 26,000 pages, on 2 MB ones about 11,000; `momok
// --version` started in 0.64 s instead of 0.72 s (medians of eight interleaved pairs) and a
// one-epoch quick demo took 0.80 s instead of 0.90 s (ten pairs, faster in all ten), for 1–2 MB
// more resident memory. Where the kernel's transparent huge pages are off, nothing changes.
// Returns whether it changed the environment: only a program loaded after that (exec) sees it.
bool setHugePageHeap();

// Both of the above; whether either changed the environment.
bool setStartupPolicies();

} // namespace momok
