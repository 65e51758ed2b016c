#include "cli/CliCommands.h"

namespace momok {

const QList<CliCommand> &cliCommands()
{
    static const QList<CliCommand> commands = {};
    return commands;
}

} // namespace momok
