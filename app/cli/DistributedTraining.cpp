#include "cli/DistributedTraining.h"

#include "domain/Feedback.h"
#include "runtime/ComputeEnvironment.h"
#include "train/Trainer.h"

#include <QCoreApplication>
#include <QProcessEnvironment>

#include <atomic>
#include <csignal>

namespace momok {

namespace {
std::atomic<Feedback *> g_interruptFeedback{nullptr};

void onInterrupt(int)
{
    if (Feedback *feedback = g_interruptFeedback.load())
        feedback->cancel(); // an atomic store: safe in a signal handler
}

bool positiveOption(const CommandLine &commandLine, const char *name, int *value, QString *error)
{
    if (!commandLine.isSet(QLatin1String(name)))
        return true;
    bool ok = false;
    *value = commandLine.value(QLatin1String(name)).toInt(&ok);
    if (!ok || *value < (QLatin1String(name) == QLatin1String("node-rank") ? 0 : 1)) {
        if (error)
            *error = QStringLiteral("--%1 %2: expected a whole number of at least %3")
                         .arg(QLatin1String(name), commandLine.value(QLatin1String(name)))
                         .arg(QLatin1String(name) == QLatin1String("node-rank") ? 0 : 1);
        return false;
    }
    return true;
}
} // namespace

QList<QCommandLineOption> distributedTrainOptions()
{
    return {{"nproc", "train in N processes on this machine, each with its share of every batch (data-parallel, "
                      "through PyTorch's distributed engine: Gloo, or NCCL with --device cuda and a GPU per process)", "N"},
            {"nnodes", "machines taking part; each runs momok train with --node-rank and --master (machine 0 also "
                       "with the run's options)", "M"},
            {"node-rank", "this machine's number, 0 to M-1; machine 0 evaluates, writes the run folder and records it",
             "K"},
            {"master", "machine 0's address for the rendezvous (default: MASTER_ADDR and MASTER_PORT)", "HOST:PORT"}};
}

bool processLayout(const CommandLine &commandLine, ProcessLayout *layout, QString *error)
{
    // Started by a launcher (ours, or torchrun): the environment says it all.
    if (distributedSetupFromEnvironment(&layout->setup, error)) {
        if (commandLine.isSet("dataset") && layout->setup.rank != 0)
            layout->setup.datasetDir = commandLine.value("dataset");
        return error->isEmpty();
    }
    if (!error->isEmpty())
        return false;
    int processes = 1, machines = 1, machine = 0;
    if (!positiveOption(commandLine, "nproc", &processes, error) || !positiveOption(commandLine, "nnodes", &machines, error)
        || !positiveOption(commandLine, "node-rank", &machine, error))
        return false;
    if (machine >= machines) {
        *error = QStringLiteral("--node-rank %1: must be below --nnodes %2").arg(machine).arg(machines);
        return false;
    }
    DistributedSetup &setup = layout->setup;
    setup.worldSize = processes * machines;
    setup.localProcesses = processes;
    setup.rank = machine * processes;
    if (commandLine.isSet("master")) {
        if (!parseMasterAddress(commandLine.value("master"), &setup.masterHost, &setup.masterPort, error))
            return false;
    } else if (machines > 1) {
        const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        const QString host = environment.value(QStringLiteral("MASTER_ADDR")), port = environment.value(QStringLiteral("MASTER_PORT"));
        if (host.isEmpty() || port.isEmpty()) {
            *error = QStringLiteral("--nnodes %1: give machine 0's address with --master HOST:PORT (or MASTER_ADDR and "
                                    "MASTER_PORT)").arg(machines);
            return false;
        }
        if (!parseMasterAddress(host + QLatin1Char(':') + port, &setup.masterHost, &setup.masterPort, error))
            return false;
    }
    if (setup.rank != 0 && commandLine.isSet("dataset"))
        setup.datasetDir = commandLine.value("dataset");
    layout->launch = processes - 1;
    layout->firstLaunched = setup.rank + 1;
    return true;
}

std::unique_ptr<WorkerLauncher> workerLauncher(const ProcessLayout &layout)
{
    if (layout.launch <= 0)
        return nullptr;
    return std::make_unique<WorkerLauncher>(QCoreApplication::applicationFilePath(),
                                            QStringList{QStringLiteral("train"), QStringLiteral("--quiet")});
}

void cancelOnInterrupt(Feedback *feedback)
{
    g_interruptFeedback = feedback;
    struct sigaction action = {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    // SIGTERM (also what a launched rank gets when its launcher dies) cancels every time:
    // the rank then reports why it stops instead of vanishing.
    sigaction(SIGTERM, &action, nullptr);
    action.sa_flags = SA_RESETHAND; // a second Ctrl+C ends the process as usual
    // Started with SIGINT ignored (a background job of a script): it stays ignored, as the
    // shell meant, so that a Ctrl+C aimed at the script does not cancel this run.
    struct sigaction inherited = {};
    if (sigaction(SIGINT, nullptr, &inherited) == 0 && inherited.sa_handler == SIG_IGN)
        return;
    sigaction(SIGINT, &action, nullptr);
}

int runTrainWorker(const ProcessLayout &layout, QTextStream &err)
{
    const DistributedSetup &setup = layout.setup;
    const QString who = QStringLiteral("momok train (rank %1 of %2)").arg(setup.rank).arg(setup.worldSize);
    QString error;
    // This machine's other ranks start first: joining waits for every rank.
    std::unique_ptr<WorkerLauncher> launcher = workerLauncher(layout);
    if (launcher && !launcher->start(setup, layout.firstLaunched, layout.launch, setup.masterPort, &error)) {
        err << who << ": " << error << "\n";
        return 1;
    }
    Feedback feedback;
    cancelOnInterrupt(&feedback);
    Trainer trainer;
    // Started by hand on another machine (not by a launcher): say what it waits for, since
    // it waits for rank 0 for up to half an hour.
    if (!qEnvironmentVariableIsSet("RANK"))
        err << who << ": joining the run at " << setup.masterHost << ':' << setup.masterPort
            << " (waiting for machine 0 and every other process)\n";
    err.flush();
    if (!trainer.joinAsWorker(setup, &feedback, &error)) {
        err << who << ": " << error << "\n";
        return 1;
    }
    configureComputeEnvironment(trainer.computeThreads());
    const Outcome outcome = trainer.run(nullptr, &feedback, &error);
    g_interruptFeedback = nullptr;
    if (launcher) {
        launcher->waitForFinished(outcome == Outcome::Finished ? 60000 : 5000);
        for (const QString &failure : launcher->failures())
            err << who << ": " << failure << "\n";
    }
    if (outcome == Outcome::Finished)
        return 0;
    if (outcome == Outcome::Cancelled)
        return kWorkerCancelledExit; // rank 0 says so; this rank did as it was told
    err << who << ": " << error << "\n";
    return 1;
}

} // namespace momok
