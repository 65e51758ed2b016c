#pragma once
// The processes of a data-parallel run, on PyTorch's distributed engine (c10d): rendezvous
// through a TCPStore that rank 0 serves, collectives through Gloo (CPU, or GPUs shared by
// several processes) or NCCL (a GPU per process, in builds that have it). c10d's types stay
// in the .cpp. Every collective must be called by every rank in the same order; a
// failure (a peer gone, a timeout) throws std::runtime_error naming this rank and the
// operation, which the trainer turns into the run's error.
#include "distributed/DistributedSetup.h"

#include <torch/torch.h>

#include <QByteArray>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace momok {

class DistributedGroup
{
public:
    ~DistributedGroup();

    // Rank 0 starts the store's server (on any free port when setup.masterPort is 0), the others
    // reach it; then beforeConnect(port), when given, runs (rank 0 starts the other ranks
    // there), and every rank connects to every other.
    // Waits up to setupTimeout for all ranks. Null with *error when it cannot.
    static std::unique_ptr<DistributedGroup> join(const DistributedSetup &setup,
                                                  const std::function<bool(int port, QString *error)> &beforeConnect,
                                                  std::chrono::milliseconds setupTimeout, QString *error);

    int rank() const;
    int size() const;
    // The process group's kind, as rank 0 chose it (setup.backend on rank 0).
    CommunicationBackend backend() const;

    // Sum over ranks, in place; every rank gets the same bits. A contiguous float or double tensor.
    void allReduceSum(torch::Tensor &flat, const char *what);
    // root's tensor into every rank's (same shape and type on every rank). Collectives wait up
    // to the setup's timeoutSeconds; a broadcast given a longer timeout (waiting for rank 0's
    // evaluation or setup) goes through the rendezvous store instead, which honours it (as
    // does a host tensor when the group is NCCL's, which carries GPU tensors only).
    void broadcast(torch::Tensor &tensor, const char *what, std::chrono::milliseconds timeout = {}, int root = 0);
    // root's bytes to every rank (the others pass anything; they get root's), through the
    // rendezvous store: for setup messages, which may wait up to `timeout` (any length).
    QByteArray broadcastBytes(const QByteArray &bytes, const char *what, std::chrono::milliseconds timeout, int root = 0);
    // Every rank's rows in rank order; rowsPerRank says how many each holds (the same on all).
    torch::Tensor allGatherRows(const torch::Tensor &local, const std::vector<int64_t> &rowsPerRank, const char *what);

    // Time spent in collectives and their number, since the last reset (for the run's report).
    double communicationSeconds() const;
    int64_t communicationCalls() const;
    void resetCommunicationClock();

private:
    DistributedGroup();
    struct Private;
    std::unique_ptr<Private> d;
};

// All-gather that autograd sees through: forward concatenates every rank's rows; backward
// sums the gradient of the gathered rows over ranks (each rank's loss used all of them)
// and keeps this rank's rows.
torch::Tensor allGatherWithGradient(DistributedGroup &group, const torch::Tensor &local,
                                    const std::vector<int64_t> &rowsPerRank);

// Batch norm over the global batch (synchronised batch norm): the mean and variance are
// those of every rank's rows together, the running statistics move by them identically on
// every rank, and backward sums its two per-feature reductions over ranks. norm must be in
// training mode; its affine parameters' gradients are this rank's share (summed later with
// every other gradient).
torch::Tensor synchronizedBatchNorm(DistributedGroup &group, torch::nn::BatchNorm1d &norm, const torch::Tensor &x);

} // namespace momok
