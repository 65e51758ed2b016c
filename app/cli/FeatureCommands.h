#pragma once
#include "cli/CliCommands.h"

namespace momok {
CliCommand featuresCommand();
CliCommand makeTeachingCommand();
}
