#pragma once
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
};

const QList<CliCommand> &cliCommands();

} // namespace momok
