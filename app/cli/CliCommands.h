#pragma once
#include "domain/Feedback.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QTextStream>

#include <functional>

namespace momok {

struct CliCommand {
    QString name;
    QString summary;
    // args[0] is the command name, as QCommandLineParser expects.
    std::function<int(const QStringList &args, QTextStream &out, QTextStream &err)> run;
    // Trains, evaluates or extracts at length on several threads: the program must then run
    // with OpenBLAS's and OpenMP's waiting policies set (prepareProcessEnvironment). Its
    // launcher sets them; started directly, the program starts itself a second time for
    // these commands (about 0.6 s), and other commands start at once.
    bool computesAtLength = false;
};

const QList<CliCommand> &cliCommands();

// Progress of a long job on the terminal: one line per stage, rewritten in place ("images
// 120/353"). Training's batches are left to the epoch lines; quiet prints nothing.
Feedback::Handler consoleProgress(QTextStream &err, bool quiet);

} // namespace momok
