#include "cli/CliCommands.h"

#include "cli/AnalysisCommands.h"
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
        similarCommand(),
        exportCommand(),
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

Feedback::Handler consoleProgress(QTextStream &err, bool quiet)
{
    if (quiet)
        return {};
    return [&err](const Progress &p) {
        if (p.stage == WorkStage::Training)
            return;
        err << QStringLiteral("\r%1 %2/%3").arg(workStageLabel(p.stage), -10).arg(p.done).arg(p.total);
        if (p.done >= p.total)
            err << "\n";
        err.flush();
    };
}

} // namespace momok
