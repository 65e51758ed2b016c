#pragma once
// Starts the other ranks of a data-parallel run on this machine as child processes of the
// `momok` command (`momok train`, with the rank in the environment as torchrun sets it:
// RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). They get the
// run from rank 0, end when it ends (or when this process dies), and what they print goes
// to this process's terminal. Used by `momok train --nproc` and by the app's training.
#include "distributed/DistributedSetup.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class QProcess;

namespace momok {

// The exit status of a launched rank that stopped because the run was cancelled (by any
// rank): not a failure.
constexpr int kWorkerCancelledExit = 3;

class WorkerLauncher
{
public:
    // program: the momok executable; arguments: what follows it (e.g. {"train", "--quiet"}).
    WorkerLauncher(QString program, QStringList arguments);
    // Children still running are stopped (SIGTERM, then SIGKILL after 5 s).
    ~WorkerLauncher();

    // Starts ranks firstRank … firstRank + count − 1 against setup's master at `port`.
    bool start(const DistributedSetup &setup, int firstRank, int count, int port, QString *error);
    // Waits up to msecs for every child to end. True when all have ended.
    bool waitForFinished(int msecs);
    // The children that did not end well, one line each ("rank 1 (pid 4242) was killed by
    // signal 9 (Killed)", "rank 2 (pid 4243) exited with status 1"); empty when none. A
    // rank that stopped for a cancel (kWorkerCancelledExit) ended well.
    QStringList failures() const;
    void stop();

private:
    struct Child {
        int rank;
        qint64 pid = 0;
        std::unique_ptr<QProcess> process;
    };
    QString m_program;
    QStringList m_arguments;
    std::vector<Child> m_children;
};

// The rank this process has when started by a launcher (or torchrun): from RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT. False when WORLD_SIZE is unset
// or 1; *error set when they are inconsistent.
bool distributedSetupFromEnvironment(DistributedSetup *setup, QString *error);

} // namespace momok
