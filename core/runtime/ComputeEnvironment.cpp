#include "runtime/ComputeEnvironment.h"

#include "distributed/DistributedSetup.h"
#include "runtime/Gemm.h"
#include "runtime/LargeBlockAllocator.h"
#include "runtime/WaitPolicies.h"

#include "MomokVersion.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <unistd.h>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

namespace momok {
namespace {

using OpenBlasGetConfig = char *(*)();
using OpenBlasSetThreads = void (*)(int);

QString resolvedLibraryOf(void *symbol)
{
    Dl_info info{};
    if (!symbol || dladdr(symbol, &info) == 0 || !info.dli_fname)
        return {};
    char resolved[PATH_MAX];
    if (realpath(info.dli_fname, resolved))
        return QString::fromLocal8Bit(resolved);
    return QString::fromLocal8Bit(info.dli_fname);
}

void detectBlas(ComputeInfo &info)
{
    // at::show_config() only says "generic": ask the loaded library itself.
    void *sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    info.blasLibrary = resolvedLibraryOf(sgemm);
    if (auto getConfig = reinterpret_cast<OpenBlasGetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        // The config string already starts with "OpenBLAS <version>".
        const QString config = QString::fromLatin1(getConfig()).trimmed();
        info.blasName = config.startsWith("OpenBLAS") ? config : QStringLiteral("OpenBLAS ") + config;
        info.referenceBlas = false;
        return;
    }
    const QString lower = info.blasLibrary.toLower();
    // PyTorch's x86 wheels link MKL into libtorch_cpu itself: sgemm_ resolves there.
    const bool insideLibTorch = QFileInfo(lower).fileName().startsWith(QLatin1String("libtorch"));
    if (lower.contains("mkl") || (insideLibTorch && at::hasMKL())) {
        info.blasName = QStringLiteral("Intel MKL");
    } else if (lower.contains("blis")) {
        info.blasName = QStringLiteral("BLIS");
    } else if (lower.contains("atlas")) {
        info.blasName = QStringLiteral("ATLAS");
    } else if (!lower.isEmpty()) {
        info.blasName = QStringLiteral("reference BLAS (netlib)");
        info.referenceBlas = true;
    } else {
        info.blasName = QStringLiteral("unknown BLAS");
    }
}

} // namespace

void prepareProcessEnvironment(char **argv)
{
    if (!argv || !argv[0])
        return;
    // Started by a launcher (app/launcher_main.cpp), the policies are set already and this
    // does nothing; started directly, the program starts itself once more to apply them.
    if (setStartupPolicies())
        execv("/proc/self/exe", argv);
    // exec failed (no /proc) or nothing to change: carry on, the variables stay set.
}

int physicalCoreCount()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return std::max(1u, std::thread::hardware_concurrency());
    QSet<QString> cores;
    int logical = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        ++logical;
        const QString base = QStringLiteral("/sys/devices/system/cpu/cpu%1/topology/").arg(cpu);
        QFile package(base + "physical_package_id"), core(base + "core_id");
        if (package.open(QIODevice::ReadOnly) && core.open(QIODevice::ReadOnly))
            cores.insert(QString::fromLatin1(package.readAll().trimmed() + ':' + core.readAll().trimmed()));
        else
            cores.insert(QString::number(cpu));
    }
    if (logical == 0)
        return 1;
    return std::max(1, int(cores.size()));
}

namespace {

// One parallel loop of one item per intra-op thread, as the engine's kernels split theirs:
// the number of distinct threads that ran an item.
int measureKernelThreads()
{
    const int threads = at::get_num_threads();
    std::mutex mutex;
    std::set<std::thread::id> seen;
    at::parallel_for(0, threads, 1, [&](int64_t, int64_t) {
        const std::lock_guard<std::mutex> lock(mutex);
        seen.insert(std::this_thread::get_id());
    });
    return int(seen.size());
}

} // namespace

ComputeInfo currentComputeInfo()
{
    ComputeInfo info;
    info.appVersion = QStringLiteral(MOMOK_VERSION_STRING);
    info.torchVersion = QStringLiteral(TORCH_VERSION);
    detectBlas(info);
    info.gemm = gemmDescription();
    info.gemmOnOneDnn = gemmLibrary() == GemmLibrary::OneDnn;
    info.gemmSettingProblem = gemmSettingProblem();
    info.intraOpThreads = at::get_num_threads();
    info.kernelThreads = measureKernelThreads();
    info.physicalCores = physicalCoreCount();
    for (const char *name : kThreadPoolWaitVariables)
        if (const char *value = std::getenv(name))
            info.waitPolicies << QStringLiteral("%1=%2").arg(QLatin1String(name), QString::fromLocal8Bit(value));
    info.heapTunables = qEnvironmentVariable(kHeapTunablesVariable);
    info.device = QStringLiteral("cpu");
    info.availableDevices << QStringLiteral("cpu");
    if (torch::cuda::is_available()) {
        for (int i = 0; i < int(torch::cuda::device_count()); ++i)
            info.availableDevices << QStringLiteral("cuda:%1").arg(i);
    }
    return info;
}

ComputeInfo configureComputeEnvironment(int threads)
{
    // Training allocates and frees tensors of tens of MB every step. glibc would map and
    // unmap each one, and the kernel would zero-fill its pages again on every touch
    // (millions of page faults per epoch); kept on the heap, freed blocks are reused.
    static const bool heapTuned = [] {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        return true;
    }();
    Q_UNUSED(heapTuned);
    installLargeBlockAllocator();

    const int wanted = threads > 0 ? threads : physicalCoreCount();
    at::set_num_threads(wanted);
    if (auto setThreads = reinterpret_cast<OpenBlasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        setThreads(wanted);
    return currentComputeInfo();
}

void releaseFreeHeapPages(int64_t onlyAbove)
{
    if (onlyAbove > 0) {
        int64_t free = largeBlockStatistics().cachedBytes;
#ifdef __GLIBC__
        free += int64_t(mallinfo2().fordblks);
#endif
        if (free <= onlyAbove)
            return;
    }
    releaseCachedLargeBlocks();
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

QString shortDescription(const ComputeInfo &info)
{
    QString blas = info.blasName.section(' ', 0, info.blasName.startsWith("OpenBLAS") ? 1 : 2);
    // On the CPU the engine's own products may go to oneDNN (runtime/Gemm.h): name it first.
    if (info.device == QLatin1String("cpu") && info.gemmOnOneDnn)
        blas = info.gemm + QStringLiteral(" / ") + blas;
    QString text = QStringLiteral("%1 · %2 thread%3 · %4")
                       .arg(info.device.toUpper(), QString::number(info.intraOpThreads),
                            info.intraOpThreads == 1 ? QString() : QStringLiteral("s"), blas);
    // GPUs a run could use, named when the computing device is the CPU.
    const QStringList gpus = info.availableDevices.filter(QStringLiteral("cuda"));
    if (info.device == QLatin1String("cpu") && !gpus.isEmpty())
        text += QStringLiteral(" · GPU %1").arg(gpus.join(QStringLiteral(", ")));
    return text;
}

QString longDescription(const ComputeInfo &info)
{
    QStringList lines;
    lines << QStringLiteral("MoMoK Studio %1").arg(info.appVersion)
          << QStringLiteral("LibTorch %1").arg(info.torchVersion)
          << QStringLiteral("BLAS: %1%2").arg(info.blasName,
                 info.blasLibrary.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(info.blasLibrary))
          << QStringLiteral("The engine's matrix products: %1").arg(info.gemm)
          << QStringLiteral("Intra-op threads: %1 (physical cores: %2; the engine's kernels: %3)")
                 .arg(info.intraOpThreads)
                 .arg(info.physicalCores)
                 .arg(info.kernelThreads)
          << QStringLiteral("Idle threads' waiting: %1")
                 .arg(info.waitPolicies.isEmpty() ? QStringLiteral("the libraries' defaults")
                                                  : info.waitPolicies.join(QStringLiteral(", ")))
          << QStringLiteral("glibc tunables: %1")
                 .arg(info.heapTunables.isEmpty() ? QStringLiteral("none") : info.heapTunables)
          << QStringLiteral("Devices: %1").arg(info.availableDevices.join(", "))
          << QStringLiteral("Several processes (--nproc, --nnodes): Gloo%1")
                 .arg(ncclBuiltIn() ? QStringLiteral(", NCCL with a GPU per process")
                                    : QStringLiteral(" (this build has no NCCL)"));
    return lines.join('\n');
}

QString performanceWarning(const ComputeInfo &info)
{
    QStringList warnings;
    if (info.kernelThreads > 0 && info.kernelThreads < info.intraOpThreads)
        warnings << QStringLiteral("warning: the engine's kernels run on %1 of %2 threads: this build was made without "
                                   "OpenMP.\n         Rebuild with a compiler that supports -fopenmp.")
                        .arg(info.kernelThreads)
                        .arg(info.intraOpThreads);
    if (info.referenceBlas)
        warnings << QStringLiteral(
        "warning: LibTorch is using the reference BLAS (%1), which is about 20x slower than OpenBLAS.\n"
        "         Install libopenblas0-pthread (sudo apt-get install libopenblas0-pthread) and restart.")
                        .arg(info.blasLibrary);
    if (!info.gemmSettingProblem.isEmpty())
        warnings << QStringLiteral("warning: %1.").arg(info.gemmSettingProblem);
    return warnings.join('\n');
}

} // namespace momok
