#include "distributed/DistributedGroup.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef MOMOK_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace momok {

namespace {
using Clock = std::chrono::steady_clock;

std::string firstLine(const std::exception &e)
{
    const std::string what = e.what();
    const auto newline = what.find('\n');
    return newline == std::string::npos ? what : what.substr(0, newline);
}

// The local address this machine reaches host through (no packet is sent: a UDP "connect"
// only picks the route). Gloo must listen there for the other machines to reach it.
std::string localAddressTowards(const std::string &host, int port)
{
    addrinfo hints{}, *found = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
        return {};
    std::string address;
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
        sockaddr_in local{};
        socklen_t length = sizeof local;
        char text[INET_ADDRSTRLEN] = {};
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length) == 0
            && inet_ntop(AF_INET, &local.sin_addr, text, sizeof text))
            address = text;
    }
    if (fd >= 0)
        ::close(fd);
    freeaddrinfo(found);
    return address;
}
} // namespace

struct DistributedGroup::Private {
    int rank = 0, size = 1;
    std::chrono::milliseconds timeout{60000};
    CommunicationBackend backend = CommunicationBackend::Gloo;
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo; // exactly one of these two is set
#ifdef MOMOK_HAVE_NCCL
    c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
    double seconds = 0;
    int64_t calls = 0;
    int64_t storeMessages = 0; // broadcasts through the store so far: the next one's key
    std::string lastSent;      // root: the key of its last one, deleted once every rank has read it

    // root's bytes to every rank through the rendezvous store, for waits longer than the
    // group's timeout (LibTorch 1.13's Gloo applies its group timeout to every collective and
    // ignores a longer one given per call): every rank counts these calls alike, so keys agree.
    QByteArray storeBroadcast(const QByteArray &bytes, const char *what, std::chrono::milliseconds wait, int root)
    {
        const std::string key = "momok/broadcast/" + std::to_string(storeMessages++);
        QByteArray out = bytes;
        communicate(what, [&] {
            if (rank == root) {
                // The training state can be hundreds of MB: the store keeps no copy longer than needed.
                if (!lastSent.empty() && store->add(lastSent + "/read", 0) >= size - 1)
                    store->deleteKey(lastSent);
                store->set(key, std::vector<uint8_t>(bytes.begin(), bytes.end()));
                lastSent = key;
            } else {
                store->wait({key}, wait);
                const std::vector<uint8_t> value = store->get(key);
                store->add(key + "/read", 1);
                out = QByteArray(reinterpret_cast<const char *>(value.data()), qsizetype(value.size()));
            }
        });
        return out;
    }

    // Waits until every rank has reached this point (through the store, up to `timeout`), so
    // that the Gloo group, whose every wait is bounded by the collectives' timeout, is built
    // only when all ranks are there: machines may start minutes apart.
    void storeBarrier(const std::string &key, std::chrono::milliseconds wait)
    {
        store->add(key, 1);
        const auto deadline = Clock::now() + wait;
        while (store->add(key, 0) < size) {
            if (Clock::now() > deadline)
                throw std::runtime_error("only " + std::to_string(store->add(key, 0)) + " of " + std::to_string(size)
                                         + " processes arrived within " + std::to_string(wait.count() / 1000) + " s");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    // Runs one collective, start(group) on whichever process group the run uses (both take
    // the same calls), and waits for it; a failure names this rank and the operation. With
    // NCCL the wait returns once the GPU's stream is ordered after the collective (later work
    // on that stream sees the result), so the time counted is the host's, not the GPU's.
    template <typename Start>
    void collective(const char *what, const Start &start)
    {
#ifdef MOMOK_HAVE_NCCL
        if (nccl) {
            communicate(what, [&] { start(*nccl)->wait(); });
            return;
        }
#endif
        communicate(what, [&] { start(*gloo)->wait(); });
    }

    // One exchange with the other ranks, timed and counted; a failure names this rank and the operation.
    template <typename Exchange>
    void communicate(const char *what, const Exchange &exchange)
    {
        const auto begin = Clock::now();
        try {
            exchange();
        } catch (const std::exception &e) {
            throw std::runtime_error("rank " + std::to_string(rank) + " of " + std::to_string(size) + ": " + what
                                     + " failed (another process of the run stopped or cannot be reached): "
                                     + firstLine(e));
        }
        seconds += std::chrono::duration<double>(Clock::now() - begin).count();
        ++calls;
    }
};

DistributedGroup::DistributedGroup() : d(std::make_unique<Private>()) {}
DistributedGroup::~DistributedGroup() = default;

std::unique_ptr<DistributedGroup> DistributedGroup::join(const DistributedSetup &setup,
                                                         const std::function<bool(int, QString *)> &beforeConnect,
                                                         std::chrono::milliseconds setupTimeout, QString *error)
{
    std::unique_ptr<DistributedGroup> group(new DistributedGroup);
    Private &p = *group->d;
    p.rank = setup.rank;
    p.size = setup.worldSize;
    p.timeout = std::chrono::milliseconds(qint64(setup.timeoutSeconds) * 1000);
    const std::string host = setup.masterHost.toStdString();
    int port = setup.masterPort;
    const QString where = QStringLiteral("%1:%2").arg(setup.masterHost);
    try {
        c10d::TCPStoreOptions options;
        options.isServer = setup.rank == 0;
        options.port = uint16_t(port);
        options.waitWorkers = false;
        options.timeout = setupTimeout;
        auto store = c10::make_intrusive<c10d::TCPStore>(host, options);
        port = store->getPort();
        p.store = store;
    } catch (const std::exception &e) {
        if (error)
            *error = setup.rank == 0
                ? QStringLiteral("cannot serve the rendezvous store on %1: %2").arg(where.arg(port), QString::fromStdString(firstLine(e)))
                : QStringLiteral("rank %1: cannot reach rank 0's rendezvous store at %2: %3")
                      .arg(setup.rank).arg(where.arg(port), QString::fromStdString(firstLine(e)));
        return nullptr;
    }
    if (beforeConnect && !beforeConnect(port, error))
        return nullptr;
    try {
        // Rank 0 chose the backend; every rank builds the same kind of group.
        const std::string backendKey = "momok/backend";
        if (setup.rank == 0) {
            const std::string name = communicationBackendName(setup.backend).toStdString();
            p.store->set(backendKey, std::vector<uint8_t>(name.begin(), name.end()));
        } else {
            p.store->wait({backendKey}, setupTimeout);
        }
        const std::vector<uint8_t> chosen = p.store->get(backendKey);
        const QString chosenName = QString::fromStdString(std::string(chosen.begin(), chosen.end()));
        if (!parseCommunicationBackend(chosenName, &p.backend))
            throw std::runtime_error("rank 0 chose the collective backend \"" + chosenName.toStdString()
                                     + "\", which this build does not know ("
                                     + communicationBackendNames().toStdString() + ")");
        if (p.backend == CommunicationBackend::Nccl) {
#ifdef MOMOK_HAVE_NCCL
            p.storeBarrier("momok/joined", setupTimeout);
            // A collective that waits longer than the timeout throws on the host instead of
            // hanging (both spellings: LibTorch 1.13 reads the first, 2.x the second).
            ::setenv("NCCL_BLOCKING_WAIT", "1", 0);
            ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = p.timeout;
            p.nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(p.store, setup.rank, setup.worldSize, options);
            return group;
#else
            throw std::runtime_error("rank 0 chose NCCL, and this process's build has no NCCL: build every machine "
                                     "against the same CUDA LibTorch");
#endif
        }
        std::shared_ptr<::gloo::transport::Device> device;
        if (!setup.interface.isEmpty()) {
            device = c10d::ProcessGroupGloo::createDeviceForInterface(setup.interface.toStdString());
        } else {
            const bool loopback = setup.masterHost == QLatin1String("localhost") || setup.masterHost.startsWith(QLatin1String("127."))
                || setup.masterHost == QLatin1String("::1");
            const std::string local = loopback ? std::string("127.0.0.1") : localAddressTowards(host, port);
            device = local.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                   : c10d::ProcessGroupGloo::createDeviceForHostname(local);
        }
        p.storeBarrier("momok/joined", setupTimeout);
        auto options = c10d::ProcessGroupGloo::Options::create(p.timeout);
        options->devices.push_back(device);
        options->threads = 1;
        p.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(p.store, setup.rank, setup.worldSize, options);
    } catch (const std::exception &e) {
        if (error)
            *error = QStringLiteral("rank %1 of %2: cannot join the other processes through %3: %4")
                         .arg(setup.rank).arg(setup.worldSize).arg(where.arg(port), QString::fromStdString(firstLine(e)));
        return nullptr;
    }
    return group;
}

int DistributedGroup::rank() const { return d->rank; }
int DistributedGroup::size() const { return d->size; }
CommunicationBackend DistributedGroup::backend() const { return d->backend; }

void DistributedGroup::allReduceSum(torch::Tensor &flat, const char *what)
{
    std::vector<at::Tensor> tensors{flat};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;
    options.timeout = d->timeout;
    d->collective(what, [&](auto &group) { return group.allreduce(tensors, options); });
}

void DistributedGroup::broadcast(torch::Tensor &tensor, const char *what, std::chrono::milliseconds timeout, int root)
{
    // NCCL carries GPU tensors only: a host tensor goes through the store there too.
    const std::chrono::milliseconds wait = timeout.count() > 0 ? timeout : d->timeout;
    if (wait > d->timeout || (d->backend == CommunicationBackend::Nccl && !tensor.is_cuda())) {
        const auto host = tensor.to(torch::kCPU).contiguous();
        const QByteArray bytes = d->storeBroadcast(
            QByteArray(static_cast<const char *>(host.data_ptr()), qsizetype(host.nbytes())), what, wait, root);
        if (d->rank != root) {
            if (qsizetype(host.nbytes()) != bytes.size())
                throw std::runtime_error(std::string(what) + ": rank " + std::to_string(root) + " sent "
                                         + std::to_string(bytes.size()) + " bytes, not " + std::to_string(host.nbytes()));
            torch::NoGradGuard noGrad;
            tensor.copy_(torch::from_blob(const_cast<char *>(bytes.constData()), host.sizes(), host.options()));
        }
        return;
    }
    std::vector<at::Tensor> tensors{tensor};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    options.timeout = wait;
    d->collective(what, [&](auto &group) { return group.broadcast(tensors, options); });
}

QByteArray DistributedGroup::broadcastBytes(const QByteArray &bytes, const char *what, std::chrono::milliseconds timeout,
                                            int root)
{
    return d->storeBroadcast(bytes, what, timeout, root);
}

torch::Tensor DistributedGroup::allGatherRows(const torch::Tensor &local, const std::vector<int64_t> &rowsPerRank,
                                              const char *what)
{
    const int64_t most = *std::max_element(rowsPerRank.begin(), rowsPerRank.end());
    auto shape = local.sizes().vec();
    shape[0] = most;
    auto padded = torch::zeros(shape, local.options());
    padded.narrow(0, 0, local.size(0)).copy_(local);
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int r = 0; r < d->size; ++r)
        outputs[0].push_back(torch::empty(shape, local.options()));
    std::vector<at::Tensor> inputs{padded};
    c10d::AllgatherOptions options;
    options.timeout = d->timeout;
    d->collective(what, [&](auto &group) { return group.allgather(outputs, inputs, options); });
    std::vector<torch::Tensor> parts;
    for (int r = 0; r < d->size; ++r)
        parts.push_back(outputs[0][size_t(r)].narrow(0, 0, rowsPerRank[size_t(r)]));
    return torch::cat(parts, 0);
}

double DistributedGroup::communicationSeconds() const { return d->seconds; }
int64_t DistributedGroup::communicationCalls() const { return d->calls; }
void DistributedGroup::resetCommunicationClock()
{
    d->seconds = 0;
    d->calls = 0;
}

// ---- autograd functions over the group ----

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

DistributedGroup *groupOf(AutogradContext *ctx)
{
    return reinterpret_cast<DistributedGroup *>(ctx->saved_data["group"].toInt());
}

class GatherRowsFunction : public torch::autograd::Function<GatherRowsFunction>
{
public:
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &local, int64_t group, std::vector<int64_t> rows)
    {
        ctx->saved_data["group"] = group;
        auto *g = reinterpret_cast<DistributedGroup *>(group);
        int64_t offset = 0;
        for (int r = 0; r < g->rank(); ++r)
            offset += rows[size_t(r)];
        ctx->saved_data["offset"] = offset;
        ctx->saved_data["rows"] = rows[size_t(g->rank())];
        return g->allGatherRows(local.contiguous(), rows, "gathering the experts' outputs");
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        auto gathered = grads[0].contiguous().clone();
        groupOf(ctx)->allReduceSum(gathered, "summing the gathered rows' gradients");
        return {gathered.narrow(0, ctx->saved_data["offset"].toInt(), ctx->saved_data["rows"].toInt()).contiguous(),
                torch::Tensor(), torch::Tensor()};
    }
};

class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction>
{
public:
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &input, const torch::Tensor &weight,
                                 const torch::Tensor &bias, torch::Tensor runningMean, torch::Tensor runningVar,
                                 double momentum, double eps, int64_t group)
    {
        auto *g = reinterpret_cast<DistributedGroup *>(group);
        const auto x = input.contiguous();
        const int64_t features = x.size(1);
        // One all-reduce for the count, Σx and Σx² (double: the global variance is a difference).
        auto sums = torch::empty({2 * features + 1}, x.options().dtype(torch::kDouble)); // on x's device
        const auto xd = x.to(torch::kDouble);
        sums.narrow(0, 0, features).copy_(xd.sum(0));
        sums.narrow(0, features, features).copy_((xd * xd).sum(0));
        sums[2 * features] = double(x.size(0));
        g->allReduceSum(sums, "synchronising batch-norm statistics");
        const double count = sums[2 * features].item<double>();
        const auto mean = sums.narrow(0, 0, features) / count;
        const auto variance = (sums.narrow(0, features, features) / count - mean * mean).clamp_min(0);
        const auto invstd = (variance + eps).rsqrt().to(torch::kFloat);
        const auto meanFloat = mean.to(torch::kFloat);
        {
            torch::NoGradGuard noGrad;
            runningMean.mul_(1 - momentum).add_(meanFloat, momentum);
            runningVar.mul_(1 - momentum).add_((variance * (count / std::max(count - 1, 1.0))).to(torch::kFloat), momentum);
        }
        const auto normalised = (x - meanFloat) * invstd;
        ctx->save_for_backward({normalised, invstd, weight});
        ctx->saved_data["group"] = group;
        ctx->saved_data["count"] = count;
        return normalised * weight + bias;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &normalised = saved[0], &invstd = saved[1], &weight = saved[2];
        const auto dy = grads[0].contiguous();
        const int64_t features = dy.size(1);
        const auto localDy = dy.sum(0), localDyX = (dy * normalised).sum(0);
        auto sums = torch::cat({localDy, localDyX}).to(torch::kDouble);
        groupOf(ctx)->allReduceSum(sums, "synchronising batch-norm gradients");
        const double count = ctx->saved_data["count"].toDouble();
        const auto meanDy = (sums.narrow(0, 0, features) / count).to(torch::kFloat);
        const auto meanDyX = (sums.narrow(0, features, features) / count).to(torch::kFloat);
        const auto dx = (dy - meanDy - normalised * meanDyX) * (invstd * weight);
        return {dx, localDyX, localDy, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};
} // namespace

torch::Tensor allGatherWithGradient(DistributedGroup &group, const torch::Tensor &local,
                                    const std::vector<int64_t> &rowsPerRank)
{
    return GatherRowsFunction::apply(local, int64_t(reinterpret_cast<intptr_t>(&group)), rowsPerRank);
}

torch::Tensor synchronizedBatchNorm(DistributedGroup &group, torch::nn::BatchNorm1d &norm, const torch::Tensor &x)
{
    const auto &options = norm->options;
    auto tracked = norm->num_batches_tracked;
    if (tracked.defined()) {
        torch::NoGradGuard noGrad;
        tracked.add_(1);
    }
    return SyncBatchNormFunction::apply(x, norm->weight, norm->bias, norm->running_mean, norm->running_var,
                                        options.momentum().value_or(0.1), options.eps(),
                                        int64_t(reinterpret_cast<intptr_t>(&group)));
}

} // namespace momok
