#pragma once
#include "cli/CliCommands.h"

namespace momok {
CliCommand trainCommand();
CliCommand evalCommand();
CliCommand predictCommand();
CliCommand explainCommand();
CliCommand benchCommand();
}
