// Latency of the collectives data-parallel training uses, between processes of this
// machine on loopback: all-reduces of a few numbers (a batch norm's statistics, the
// per-step cancel word) and of a gradient-sized buffer. Prints medians and ranges.
//
//   build/tests/bench_collectives [PROCESSES=2] [ROUNDS=2000] [FLOATS=300000]
//
// It starts the other processes itself (itself again, with RANK in the environment).
#include "distributed/DistributedGroup.h"

#include <QCoreApplication>
#include <QProcess>
#include <QProcessEnvironment>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace momok;

namespace {
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int processes = args.size() > 1 ? args[1].toInt() : 2;
    const int rounds = args.size() > 2 ? args[2].toInt() : 2000;
    const int floats = args.size() > 3 ? args[3].toInt() : 300000;
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    DistributedSetup setup;
    setup.worldSize = processes;
    setup.localProcesses = processes;
    setup.rank = env.value(QStringLiteral("RANK"), QStringLiteral("0")).toInt();
    setup.masterPort = env.value(QStringLiteral("MASTER_PORT"), QStringLiteral("0")).toInt();
    std::vector<std::unique_ptr<QProcess>> children;
    QString error;
    auto group = DistributedGroup::join(setup, [&](int port, QString *) {
        for (int r = 1; r < processes && setup.rank == 0; ++r) {
            auto child = std::make_unique<QProcess>();
            QProcessEnvironment childEnv = env;
            childEnv.insert(QStringLiteral("RANK"), QString::number(r));
            childEnv.insert(QStringLiteral("MASTER_PORT"), QString::number(port));
            child->setProcessEnvironment(childEnv);
            child->setProcessChannelMode(QProcess::ForwardedChannels);
            child->start(QCoreApplication::applicationFilePath(), args.mid(1));
            child->waitForStarted();
            children.push_back(std::move(child));
        }
        return true;
    }, std::chrono::minutes(1), &error);
    if (!group) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    using Clock = std::chrono::steady_clock;
    auto measure = [&](int64_t size, int count) {
        auto buffer = torch::ones({size});
        std::vector<double> micro;
        for (int i = 0; i < count; ++i) {
            const auto begin = Clock::now();
            group->allReduceSum(buffer, "benchmark");
            micro.push_back(std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
        }
        std::sort(micro.begin(), micro.end());
        return std::vector<double>{median(micro), micro[micro.size() / 10], micro[micro.size() * 9 / 10]};
    };
    const auto small = measure(129, rounds);
    const auto large = measure(floats, std::max(20, rounds / 20));
    if (setup.rank == 0) {
        std::printf("%d processes, loopback, Gloo\n", processes);
        std::printf("all-reduce of 129 floats:     median %8.1f us  (10th-90th percentile %.1f-%.1f)\n", small[0], small[1], small[2]);
        std::printf("all-reduce of %d floats: median %8.1f us  (10th-90th percentile %.1f-%.1f)\n", floats, large[0], large[1], large[2]);
    }
    group.reset();
    for (auto &child : children)
        child->waitForFinished();
    return 0;
}
