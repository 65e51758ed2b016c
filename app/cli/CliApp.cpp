#include "cli/CliApp.h"

#include "cli/CliCommands.h"
#include "features/ScriptConsent.h"
#include "runtime/ComputeEnvironment.h"

#include <QCoreApplication>
#include <QDir>
#include <QTextStream>

#include <cstdio>

namespace momok {
namespace {

void printUsage(QTextStream &out)
{
    out << "Usage: momok <command> [options]\n\n"
           "MoMoK Studio's headless engine: multi-modal knowledge graph completion with a\n"
           "mixture of modality knowledge experts.\n\n"
           "Commands:\n";
    for (const CliCommand &command : cliCommands())
        out << QStringLiteral("  %1%2\n").arg(command.name, -14).arg(command.summary);
    out << "\nOptions:\n"
           "  --version     print the app, LibTorch and BLAS versions and the thread count\n"
           "  --help        this text; `momok <command> --help` describes a command\n";
}

const CliCommand *findCommand(const QString &name)
{
    for (const CliCommand &command : cliCommands())
        if (command.name == name)
            return &command;
    return nullptr;
}

} // namespace

int runCli(int argc, char **argv)
{
    // Looked up before QCoreApplication, as QCoreApplication::arguments() will read argv[1].
    const CliCommand *command = argc > 1 ? findCommand(QString::fromLocal8Bit(argv[1])) : nullptr;
    if (command && command->computesAtLength)
        prepareProcessEnvironment(argv); // may start the program again, with the policies set
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("momok"));
    QTextStream out(stdout), err(stderr);

    const QStringList args = QCoreApplication::arguments();
    const QString first = args.value(1);
    if (first.isEmpty() || first == "--help" || first == "-h" || first == "help") {
        printUsage(out);
        return first.isEmpty() ? 2 : 0;
    }
    const ComputeInfo info = configureComputeEnvironment();
    const QString warning = performanceWarning(info);
    if (!warning.isEmpty())
        err << warning << Qt::endl;
    if (first == "--version" || first == "-v") {
        out << longDescription(info) << Qt::endl;
        return 0;
    }
    // A TorchScript image encoder is a program: say which file runs, every time.
    setScriptConsent([](const ScriptToRun &script, QString *) {
        QTextStream(stderr) << "momok: running the TorchScript module " << QDir::toNativeSeparators(script.path)
                            << " (sha256 " << script.sha256.toHex().left(16)
                            << "…): its code runs with your permissions\n";
        return true;
    });
    if (command)
        return command->run(args.mid(1), out, err);
    err << "momok: unknown command '" << first << "'\n\n";
    err.flush();
    printUsage(out);
    return 2;
}

} // namespace momok
