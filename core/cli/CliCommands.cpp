#include "cli/CliCommands.h"

#include "cli/EngineCommands.h"
#include "cli/InfoCommand.h"
#include "cli/WorkspaceCommands.h"

namespace momok {

const QList<CliCommand> &cliCommands()
{
    static const QList<CliCommand> commands = {
        trainCommand(),
        evalCommand(),
        predictCommand(),
        explainCommand(),
        benchCommand(),
        infoCommand(),
        importCommand(),
        runsCommand(),
        searchCommand(),
    };
    return commands;
}

} // namespace momok
