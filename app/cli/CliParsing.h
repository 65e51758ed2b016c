#pragma once
// Shared argument handling of the `momok` subcommands.
#include <QCommandLineParser>
#include <QStringList>
#include <QTextStream>

namespace momok {

// Adds --help and parses a subcommand's arguments (args[0] is its name). False means
// "stop now with *exitCode": a usage error (2, reported on err) or --help printed (0).
bool parseSubcommand(QCommandLineParser &parser, const QStringList &args, QTextStream &out, QTextStream &err,
                     int *exitCode);

} // namespace momok
