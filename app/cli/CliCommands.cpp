#include "cli/CliCommands.h"

#include "cli/EngineCommands.h"
#include "cli/FeatureCommands.h"
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
        featuresCommand(),
        makeTeachingCommand(),
    };
    return commands;
}

} // namespace momok
