#pragma once
// `momok info DIR [--json]`: what a dataset folder holds and everything wrong with it.
#include "cli/CliCommands.h"

namespace momok {

// momok info DIR [--json] [--drop-unseen] [--no-image-check] [--no-feature-check] [--repeat N]
// Exit status 0 when the dataset is usable, 1 when it is not, 2 on a usage error.
CliCommand infoCommand();

} // namespace momok
