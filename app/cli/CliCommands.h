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
    // Trains, evaluates or extracts at length on several threads: the program then starts with
    // OpenBLAS's and OpenMP's waiting policies set (prepareProcessEnvironment), which takes a
    // second start of the program (about 0.6 s). Other commands start at once.
    bool computesAtLength = false;
};

const QList<CliCommand> &cliCommands();

// Progress of a long job on the terminal: one line per stage, rewritten in place ("images
// 120/353"). Training's batches are left to the epoch lines; quiet prints nothing.
Feedback::Handler consoleProgress(QTextStream &err, bool quiet);

} // namespace momok
