#pragma once
// The analyst's subcommands: similar entities per representation, embeddings export, and
// the evidence behind one predicted triple (`explain --head H --relation R --tail T`).
#include "cli/CliCommands.h"

namespace momok {

class CommandLine;

CliCommand similarCommand();
CliCommand exportCommand();

// explain's evidence mode, given its parsed command line (RUNDIR, --head, --relation, --tail,
// --neighbours, --json).
int runEvidence(const CommandLine &commandLine, QTextStream &out, QTextStream &err);

} // namespace momok
