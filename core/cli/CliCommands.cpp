#include "cli/CliCommands.h"

#include "cli/EngineCommands.h"

namespace momok {

const QList<CliCommand> &cliCommands()
{
    static const QList<CliCommand> commands = {
        trainCommand(),
        evalCommand(),
        predictCommand(),
        explainCommand(),
        benchCommand(),
    };
    return commands;
}

} // namespace momok
