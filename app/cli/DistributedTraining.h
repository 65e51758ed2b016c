#pragma once
// `momok train` across several processes: which rank this process is (from --nproc,
// --nnodes, --node-rank and --master, or from the environment torchrun and our own launcher
// set), the other ranks' processes, and Ctrl+C as a cancel every rank agrees on.
#include "cli/CliParsing.h"
#include "distributed/DistributedSetup.h"
#include "distributed/WorkerLauncher.h"

#include <QTextStream>

#include <memory>

namespace momok {

class Feedback;

struct ProcessLayout {
    DistributedSetup setup; // this process
    int launch = 0;         // ranks this process starts on this machine …
    int firstLaunched = 0;  // … from this rank on
};

// train's distributed options, for CommandLine::addOptions.
QList<QCommandLineOption> distributedTrainOptions();
// This process's layout; false with *error for inconsistent options or environment.
bool processLayout(const CommandLine &commandLine, ProcessLayout *layout, QString *error);
// The launcher for the ranks this process starts (null when it starts none).
std::unique_ptr<WorkerLauncher> workerLauncher(const ProcessLayout &layout);
// A rank other than 0: joins, trains its share, writes nothing. The exit code.
int runTrainWorker(const ProcessLayout &layout, QTextStream &err);
// SIGINT and SIGTERM cancel this feedback (once; a second one ends the process). An inherited
// "ignore SIGINT" is kept.
void cancelOnInterrupt(Feedback *feedback);

} // namespace momok
