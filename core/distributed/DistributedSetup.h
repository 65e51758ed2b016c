#pragma once
// Torch-free description of one process's place in a data-parallel run, safe to include
// from the command line and the UI. worldSize 1 is ordinary single-process training.
#include <QString>

namespace momok {

// How long a collective waits for the other processes: MOMOK_COLLECTIVE_TIMEOUT (seconds)
// when set to a positive number, else 60. Children inherit the variable, so all ranks agree.
int collectiveTimeoutSeconds();

// How the ranks exchange tensors: Gloo (any device; GPU tensors go through the host) or
// NCCL (GPU to GPU, each rank on its own GPU; only in a build against a CUDA LibTorch).
enum class CommunicationBackend { Gloo, Nccl };
inline constexpr CommunicationBackend kCommunicationBackends[] = {CommunicationBackend::Gloo,
                                                                  CommunicationBackend::Nccl};
QString communicationBackendName(CommunicationBackend backend); // "gloo", "nccl"
// The inverse of communicationBackendName; false for any other spelling (nothing defaults).
bool parseCommunicationBackend(const QString &name, CommunicationBackend *backend);
QString communicationBackendNames(); // every spelling the parser takes: "gloo, nccl"
// For people: "Gloo", "NCCL".
QString communicationBackendTitle(CommunicationBackend backend);
// Whether this build carries c10d's NCCL process group (see the README's GPU section).
bool ncclBuiltIn();

// The one rule for the backend: NCCL when this build has it, the run computes on "cuda"
// (no index: each process then takes its own GPU) and this machine has at least a GPU per
// process of it; otherwise Gloo ("cuda:N" keeps every process on GPU N).
CommunicationBackend chooseCommunicationBackend(const QString &device, int localProcesses, int gpus, bool ncclAvailable);
// The device one process of the run computes on: with NCCL, "cuda:LOCAL_RANK"; otherwise
// the run's device as configured.
QString processDevice(const QString &device, int localRank, CommunicationBackend backend);

struct DistributedSetup {
    int rank = 0;      // this process; 0 coordinates: it alone evaluates, writes and records the run
    int worldSize = 1; // processes in the run, over every machine
    int localProcesses = 1; // of them on this machine (they share its cores)
    int localRank = 0;      // this process among those on its machine (LOCAL_RANK)
    // Chosen by rank 0 (chooseCommunicationBackend) and handed to the others at rendezvous.
    CommunicationBackend backend = CommunicationBackend::Gloo;
    QString masterHost = QStringLiteral("127.0.0.1"); // where rank 0 serves the rendezvous store
    int masterPort = 0;  // 0 on rank 0: any free port (the launcher hands it to the workers)
    // A collective in training that waits longer than this fails, naming what it waited for.
    // Evaluation on rank 0 gets this plus three times the longest evaluation so far.
    int timeoutSeconds = collectiveTimeoutSeconds();
    // The network interface Gloo uses; empty: the one the master host is reached through.
    QString interface;
    // A worker on another machine: where the dataset is there (empty: rank 0's path).
    QString datasetDir;

    bool distributed() const { return worldSize > 1; }
};

// "HOST:PORT" → host and port; false with *error naming the value.
bool parseMasterAddress(const QString &value, QString *host, int *port, QString *error);

} // namespace momok
