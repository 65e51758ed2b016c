// The rules around a data-parallel run's processes: which backend carries the collectives
// (Gloo, or NCCL with a GPU per process), which device each process computes on, what a
// launched process reads from its environment, and the backend's handshake at rendezvous
// (two ranks of one group, joined from two threads of this process on loopback).
#include "distributed/DistributedGroup.h"
#include "distributed/DistributedSetup.h"
#include "distributed/WorkerLauncher.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <QtTest>

#include <future>
#include <thread>

using namespace momok;

namespace {

// Sets the variables for the scope of one check and removes them afterwards.
class ScopedEnvironment
{
public:
    explicit ScopedEnvironment(std::initializer_list<std::pair<const char *, const char *>> values)
    {
        for (const auto &[name, value] : values) {
            m_names.push_back(name);
            qputenv(name, value);
        }
    }
    ~ScopedEnvironment()
    {
        for (const char *name : m_names)
            qunsetenv(name);
    }

private:
    std::vector<const char *> m_names;
};

struct Joined {
    std::unique_ptr<DistributedGroup> group;
    QString error;
};

// A worker (rank 1 of 2) joining a rank 0 that the test plays itself: a store it serves, with
// `backendName` already published, so that it stays up while the worker reads the choice.
// Returns the worker's error; *port is the store's.
QString joinAsWorkerOfServedStore(const std::string &backendName, int *port)
{
    c10d::TCPStoreOptions options;
    options.isServer = true;
    options.port = 0;
    options.waitWorkers = false;
    options.timeout = std::chrono::seconds(20);
    auto server = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);
    server->set("momok/backend", std::vector<uint8_t>(backendName.begin(), backendName.end()));
    DistributedSetup worker;
    worker.rank = 1;
    worker.worldSize = 2;
    worker.localRank = 1;
    worker.localProcesses = 2;
    worker.masterPort = server->getPort();
    *port = worker.masterPort;
    QString error;
    if (DistributedGroup::join(worker, {}, std::chrono::seconds(20), &error))
        return QStringLiteral("joined");
    return error;
}

// Rank 0 and rank 1 of a two-process group, each joining from its own thread; rank 0's
// setup carries `backend`.
std::pair<Joined, Joined> joinTwo(CommunicationBackend backend)
{
    DistributedSetup first;
    first.worldSize = 2;
    first.localProcesses = 2;
    first.backend = backend;
    first.timeoutSeconds = 20;
    Joined zero, one;
    std::promise<int> port;
    auto portReady = port.get_future();
    std::thread rank0([&] {
        zero.group = DistributedGroup::join(
            first, [&](int p, QString *) { port.set_value(p); return true; }, std::chrono::seconds(20), &zero.error);
    });
    const int servedPort = portReady.get();
    DistributedSetup second = first;
    second.rank = 1;
    second.localRank = 1;
    second.masterPort = servedPort;
    second.backend = CommunicationBackend::Gloo; // a worker takes rank 0's choice, not its own
    one.group = DistributedGroup::join(second, {}, std::chrono::seconds(20), &one.error);
    rank0.join();
    return {std::move(zero), std::move(one)};
}

} // namespace

class TestDistributedSetup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void backendRule_data()
    {
        QTest::addColumn<QString>("device");
        QTest::addColumn<int>("localProcesses");
        QTest::addColumn<int>("gpus");
        QTest::addColumn<bool>("ncclAvailable");
        QTest::addColumn<bool>("nccl");
        QTest::newRow("cpu") << "cpu" << 2 << 4 << true << false;
        QTest::newRow("cuda, a GPU each") << "cuda" << 2 << 2 << true << true;
        QTest::newRow("cuda, more GPUs than processes") << "cuda" << 2 << 8 << true << true;
        QTest::newRow("cuda, two processes on one GPU") << "cuda" << 2 << 1 << true << false;
        QTest::newRow("cuda, build without NCCL") << "cuda" << 2 << 2 << false << false;
        QTest::newRow("cuda:1 pins every process to one GPU") << "cuda:1" << 2 << 2 << true << false;
        QTest::newRow("cuda, no GPU") << "cuda" << 1 << 0 << true << false;
    }
    void backendRule()
    {
        QFETCH(QString, device);
        QFETCH(int, localProcesses);
        QFETCH(int, gpus);
        QFETCH(bool, ncclAvailable);
        QFETCH(bool, nccl);
        const auto backend = chooseCommunicationBackend(device, localProcesses, gpus, ncclAvailable);
        QCOMPARE(backend == CommunicationBackend::Nccl, nccl);
        QCOMPARE(communicationBackendName(backend), nccl ? QStringLiteral("nccl") : QStringLiteral("gloo"));
    }

    void eachNcclProcessTakesItsOwnGpu()
    {
        QCOMPARE(processDevice("cuda", 0, CommunicationBackend::Nccl), QStringLiteral("cuda:0"));
        QCOMPARE(processDevice("cuda", 3, CommunicationBackend::Nccl), QStringLiteral("cuda:3"));
        QCOMPARE(processDevice("cuda:1", 3, CommunicationBackend::Gloo), QStringLiteral("cuda:1"));
        QCOMPARE(processDevice("cpu", 1, CommunicationBackend::Gloo), QStringLiteral("cpu"));
    }

    void localRankFromTheEnvironment()
    {
        {
            ScopedEnvironment env({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"}});
            DistributedSetup setup;
            QString error;
            QVERIFY(distributedSetupFromEnvironment(&setup, &error));
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(setup.rank, 3);
            QCOMPARE(setup.localRank, 1);
            QCOMPARE(setup.localProcesses, 2);
        }
        {
            // Without LOCAL_RANK: the rank's place among its machine's processes.
            ScopedEnvironment env({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_WORLD_SIZE", "2"}});
            DistributedSetup setup;
            QString error;
            QVERIFY(distributedSetupFromEnvironment(&setup, &error));
            QCOMPARE(setup.localRank, 1);
        }
        {
            ScopedEnvironment env({{"WORLD_SIZE", "4"}, {"RANK", "1"}, {"LOCAL_RANK", "2"}, {"LOCAL_WORLD_SIZE", "2"}});
            DistributedSetup setup;
            QString error;
            distributedSetupFromEnvironment(&setup, &error);
            QCOMPARE(error, QStringLiteral("environment: LOCAL_RANK=2 is outside 0…1 (LOCAL_WORLD_SIZE=2)"));
        }
    }

    void masterAddress()
    {
        QString host, error;
        int port = 0;
        QVERIFY(parseMasterAddress("10.0.0.5:29500", &host, &port, &error));
        QCOMPARE(host, QStringLiteral("10.0.0.5"));
        QCOMPARE(port, 29500);
        QVERIFY(parseMasterAddress("[::1]:1234", &host, &port, &error));
        QCOMPARE(host, QStringLiteral("::1"));
        QVERIFY(!parseMasterAddress("node7", &host, &port, &error));
        QCOMPARE(error, QStringLiteral("--master node7: expected HOST:PORT with a port from 1 to 65535"));
    }

    void workersTakeRankZerosBackend()
    {
        auto [zero, one] = joinTwo(CommunicationBackend::Gloo);
        QVERIFY2(zero.group, qPrintable(zero.error));
        QVERIFY2(one.group, qPrintable(one.error));
        QCOMPARE(zero.group->backend(), CommunicationBackend::Gloo);
        QCOMPARE(one.group->backend(), CommunicationBackend::Gloo);
        // And the group carries a collective: 1 + 2 on both ranks.
        torch::Tensor a = torch::full({3}, 1.0), b = torch::full({3}, 2.0);
        std::thread other([&] { one.group->allReduceSum(b, "test sum"); });
        zero.group->allReduceSum(a, "test sum");
        other.join();
        QVERIFY(torch::equal(a, torch::full({3}, 3.0)));
        QVERIFY(torch::equal(b, torch::full({3}, 3.0)));
        // Rank 0's tensor reaches the other rank through the group (the default wait) and
        // through the store (a wait longer than the group's timeout).
        for (const auto wait : {std::chrono::milliseconds(0), std::chrono::milliseconds(60000)}) {
            torch::Tensor sent = torch::arange(4, torch::kDouble) + double(wait.count()), received = torch::zeros({4}, torch::kDouble);
            std::thread receiver([&] { one.group->broadcast(received, "test broadcast", wait); });
            zero.group->broadcast(sent, "test broadcast", wait);
            receiver.join();
            QVERIFY2(torch::equal(received, sent), qPrintable(QStringLiteral("wait %1 ms").arg(wait.count())));
        }
    }

    void backendNamesRoundTrip()
    {
        for (const CommunicationBackend backend : kCommunicationBackends) {
            CommunicationBackend parsed = backend == CommunicationBackend::Gloo ? CommunicationBackend::Nccl
                                                                                : CommunicationBackend::Gloo;
            QVERIFY(parseCommunicationBackend(communicationBackendName(backend), &parsed));
            QCOMPARE(parsed, backend);
        }
        CommunicationBackend untouched = CommunicationBackend::Nccl;
        for (const char *name : {"", "mpi", "NCCL", "Gloo", "nccl "})
            QVERIFY2(!parseCommunicationBackend(QString::fromLatin1(name), &untouched), name);
        QCOMPARE(untouched, CommunicationBackend::Nccl);
        QCOMPARE(communicationBackendTitle(CommunicationBackend::Gloo), QStringLiteral("Gloo"));
        QCOMPARE(communicationBackendTitle(CommunicationBackend::Nccl), QStringLiteral("NCCL"));
        QCOMPARE(communicationBackendNames(), QStringLiteral("gloo, nccl"));
    }

    void unknownBackendFromRankZeroIsRefused()
    {
        // Never quietly Gloo: a rank 0 of another version that names a backend this one does not
        // know would otherwise pair ranks that build different groups.
        int port = 0;
        const QString error = joinAsWorkerOfServedStore("mpi", &port);
        QCOMPARE(error, QStringLiteral("rank 1 of 2: cannot join the other processes through 127.0.0.1:%1: rank 0 "
                                       "chose the collective backend \"mpi\", which this build does not know (gloo, "
                                       "nccl)").arg(port));
    }

    void ncclChosenWithoutItFailsOnEveryRank()
    {
        if (ncclBuiltIn())
            QSKIP("this build has NCCL; the check is for builds without it");
        // A worker whose rank 0 chose NCCL.
        int port = 0;
        QString error = joinAsWorkerOfServedStore("nccl", &port);
        QCOMPARE(error, QStringLiteral("rank 1 of 2: cannot join the other processes through 127.0.0.1:%1: rank 0 "
                                       "chose NCCL, and this process's build has no NCCL: build every machine against "
                                       "the same CUDA LibTorch").arg(port));
        // And a rank 0 told to use NCCL without it stops at once with the same words.
        DistributedSetup coordinator;
        coordinator.worldSize = 2;
        coordinator.backend = CommunicationBackend::Nccl;
        QVERIFY(!DistributedGroup::join(coordinator, {}, std::chrono::seconds(20), &error));
        QVERIFY2(error.startsWith("rank 0 of 2: cannot join") && error.contains("rank 0 chose NCCL"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestDistributedSetup)
#include "tst_distributedsetup.moc"
