#pragma once
// Torch-free description of the compute back end, safe to include from ui/.
#include <QString>
#include <QStringList>

namespace momok {

struct ComputeInfo {
    QString appVersion;
    QString torchVersion;
    QString blasName;          // e.g. "OpenBLAS 0.3.21", "reference BLAS"
    QString blasLibrary;       // resolved path of the library providing sgemm_
    bool referenceBlas = false; // the slow, non-optimised netlib BLAS is active
    int intraOpThreads = 0;
    // Threads the engine's own kernels (at::parallel_for in core/) actually run on: counted by
    // running one parallel loop. Below intraOpThreads only in a build without OpenMP, where
    // those loops run serially while LibTorch's operators still use every thread.
    int kernelThreads = 0;
    int physicalCores = 0;
    // The thread pools' waiting policies in this process's environment ("GOMP_SPINCOUNT=1000",
    // runtime/WaitPolicies.h), as the libraries read them when the program was loaded; empty
    // when none is set (the libraries' defaults).
    QStringList waitPolicies;
    QString heapTunables; // GLIBC_TUNABLES as the process started with it (runtime/WaitPolicies.h)
    QString gemm;              // where the engine's own products go (runtime/Gemm.h): "oneDNN 2.6.3"…
    bool gemmOnOneDnn = false; // …and whether that is oneDNN (gemmLibrary())
    QString gemmSettingProblem; // MOMOK_GEMM not understood: that sentence; otherwise empty
    QString device;            // "cpu" or "cuda:N"
    QStringList availableDevices;
};

// Call before any other work (a re-executed program starts over). OpenBLAS and GNU OpenMP
// read their waiting policies when they are loaded, and glibc its tunables, before main()
// runs: if one that setStartupPolicies() sets (runtime/WaitPolicies.h) is unset, this sets it
// and re-executes the program once. The installed commands are launchers that set them before
// starting the program (app/launcher_main.cpp), so this does nothing there; it does the work
// for a program started directly, whose second start costs about 0.6 s (LibTorch's
// libraries loaded again): the CLI calls this only for the commands that compute at length
// (CliCommand::computesAtLength). Does nothing when exec is impossible.
void prepareProcessEnvironment(char **argv);

// Physical cores available to this process (hyper-threads counted once).
int physicalCoreCount();

// Sets LibTorch's intra-op threads (and OpenBLAS's, when loaded) to `threads`,
// or to the physical core count when `threads` <= 0, and installs the allocator for large
// tensors (runtime/LargeBlockAllocator.h). Call once at start.
ComputeInfo configureComputeEnvironment(int threads = 0);

// Hands the heap's free pages and the cached large blocks back to the system. Both are kept
// while training (see configureComputeEnvironment); call this between phases whose peaks
// should not add up. With `onlyAbove`, only when together they are more than that many
// bytes: below it, the next phase's page faults cost more than the memory is worth.
void releaseFreeHeapPages(int64_t onlyAbove = 0);

// What is in effect now, without changing anything.
ComputeInfo currentComputeInfo();

// One line for a status bar: "CPU · 2 threads · oneDNN 2.6.3 / OpenBLAS 0.3.21" (oneDNN named
// where the engine's products go there).
QString shortDescription(const ComputeInfo &info);
// Several lines for `--version` and the About dialog.
QString longDescription(const ComputeInfo &info);
// Non-empty when the user should be warned (reference BLAS active, kernels on fewer threads).
QString performanceWarning(const ComputeInfo &info);

} // namespace momok
