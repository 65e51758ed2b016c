#include "distributed/WorkerLauncher.h"

#include <QProcess>
#include <QProcessEnvironment>

#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace momok {

WorkerLauncher::WorkerLauncher(QString program, QStringList arguments)
    : m_program(std::move(program)), m_arguments(std::move(arguments))
{
}

WorkerLauncher::~WorkerLauncher() { stop(); }

bool WorkerLauncher::start(const DistributedSetup &setup, int firstRank, int count, int port, QString *error)
{
    for (int i = 0; i < count; ++i) {
        const int rank = firstRank + i;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("RANK"), QString::number(rank));
        environment.insert(QStringLiteral("WORLD_SIZE"), QString::number(setup.worldSize));
        environment.insert(QStringLiteral("LOCAL_RANK"), QString::number(rank % std::max(1, setup.localProcesses)));
        environment.insert(QStringLiteral("LOCAL_WORLD_SIZE"), QString::number(setup.localProcesses));
        environment.insert(QStringLiteral("MASTER_ADDR"), setup.masterHost);
        environment.insert(QStringLiteral("MASTER_PORT"), QString::number(port));
        auto process = std::make_unique<QProcess>();
        process->setProcessEnvironment(environment);
        process->setProcessChannelMode(QProcess::ForwardedChannels);
        process->setInputChannelMode(QProcess::ForwardedInputChannel);
        // A child must not outlive this process: if it dies (even by SIGKILL), the kernel
        // sends the child SIGTERM.
        process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        QStringList arguments = m_arguments;
        if (!setup.datasetDir.isEmpty())
            arguments << QStringLiteral("--dataset") << setup.datasetDir;
        process->start(m_program, arguments);
        if (!process->waitForStarted(30000)) {
            if (error)
                *error = QStringLiteral("cannot start rank %1 (%2): %3").arg(rank).arg(m_program, process->errorString());
            return false;
        }
        m_children.push_back({rank, process->processId(), std::move(process)});
    }
    return true;
}

bool WorkerLauncher::waitForFinished(int msecs)
{
    bool all = true;
    for (auto &child : m_children)
        if (child.process->state() != QProcess::NotRunning && !child.process->waitForFinished(msecs))
            all = false;
    return all;
}

QStringList WorkerLauncher::failures() const
{
    QStringList out;
    for (const auto &child : m_children) {
        const QProcess &p = *child.process;
        const QString who = QStringLiteral("rank %1 (pid %2)").arg(child.rank).arg(child.pid);
        if (p.state() != QProcess::NotRunning)
            out << QStringLiteral("%1 is still running").arg(who);
        else if (p.exitStatus() == QProcess::CrashExit) // Qt's exit code is then the signal's number
            out << QStringLiteral("%1 was killed by signal %2 (%3)").arg(who).arg(p.exitCode())
                       .arg(QString::fromLocal8Bit(strsignal(p.exitCode())));
        else if (p.exitCode() != 0 && p.exitCode() != kWorkerCancelledExit)
            out << QStringLiteral("%1 exited with status %2").arg(who).arg(p.exitCode());
    }
    return out;
}

void WorkerLauncher::stop()
{
    for (auto &child : m_children)
        if (child.process->state() != QProcess::NotRunning)
            child.process->terminate();
    for (auto &child : m_children)
        if (child.process->state() != QProcess::NotRunning && !child.process->waitForFinished(5000)) {
            child.process->kill();
            child.process->waitForFinished(5000);
        }
}

bool distributedSetupFromEnvironment(DistributedSetup *setup, QString *error)
{
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    bool ok = false;
    const int world = environment.value(QStringLiteral("WORLD_SIZE")).toInt(&ok);
    if (!ok || world <= 1)
        return false;
    auto number = [&](const char *name, int fallback, bool required) {
        const QString value = environment.value(QLatin1String(name));
        bool valid = false;
        const int n = value.toInt(&valid);
        if (!valid && (required || !value.isEmpty())) {
            if (error && error->isEmpty())
                *error = QStringLiteral("environment: %1=%2 is not a number").arg(QLatin1String(name), value);
            return fallback;
        }
        return valid ? n : fallback;
    };
    setup->worldSize = world;
    setup->rank = number("RANK", 0, true);
    setup->localProcesses = std::max(1, number("LOCAL_WORLD_SIZE", 1, false));
    setup->localRank = number("LOCAL_RANK", setup->rank % setup->localProcesses, false);
    setup->masterHost = environment.value(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
    setup->masterPort = number("MASTER_PORT", 29500, false);
    if (error && error->isEmpty() && (setup->rank < 0 || setup->rank >= world))
        *error = QStringLiteral("environment: RANK=%1 is outside 0…%2 (WORLD_SIZE=%3)").arg(setup->rank).arg(world - 1).arg(world);
    if (error && error->isEmpty() && (setup->localRank < 0 || setup->localRank >= setup->localProcesses))
        *error = QStringLiteral("environment: LOCAL_RANK=%1 is outside 0…%2 (LOCAL_WORLD_SIZE=%3)")
                     .arg(setup->localRank).arg(setup->localProcesses - 1).arg(setup->localProcesses);
    return true;
}

} // namespace momok
