#pragma once
// Workspace subcommands of the `momok` CLI: import a dataset, inspect runs, search entities.
#include "cli/CliCommands.h"

namespace momok {

// momok import DIR --workspace FILE [--drop-unseen] [--json]
CliCommand importCommand();
// momok runs --workspace FILE [list [--dataset ID] | show ID | compare ID ID | delete ID] [--json]
CliCommand runsCommand();
// momok search --workspace FILE [--dataset ID] [QUERY…] [--limit N] [--type T] [--with-image]
//              [--with-text] [--json] [--bench [--queries N]]
CliCommand searchCommand();

} // namespace momok
