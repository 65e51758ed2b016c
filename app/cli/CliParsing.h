#pragma once
// The one command-line parser of every `momok` subcommand. Each subcommand declares its
// options and positional arguments on a CommandLine and calls parse(); all of them then
// share the --help layout, the option syntax (--name, --name=value, -name), and the usage
// errors: an unknown option, a missing value or a wrong number of positional arguments is
// reported on stderr, naming the option or argument, with exit code 2 (kUsageError).
// It never calls QCommandLineParser::process, which would exit the process.
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTextStream>
#include <QVector>

namespace momok {

// Exit codes shared by every subcommand: 0 done, 1 the work failed, 2 a usage error.
constexpr int kUsageError = 2;

class CommandLine
{
public:
    // Positional arguments without an upper bound (search's QUERY…).
    static constexpr int kUnbounded = -1;

    // command: the subcommand's name ("train"); description: what --help says about it.
    CommandLine(const QString &command, const QString &description);

    void addOption(const QCommandLineOption &option);
    void addOptions(const QList<QCommandLineOption> &options);
    // A positional argument taken between min and max times (max kUnbounded: any number);
    // syntax is how --help shows it ("[QUERY…]"), by default name.
    void addPositional(const QString &name, const QString &description, int min = 1, int max = 1,
                       const QString &syntax = {});

    // Parses a subcommand's arguments (args[0] is its name). False means "stop now with
    // *exitCode": a usage error reported on err (kUsageError), or --help printed on out (0).
    bool parse(const QStringList &args, QTextStream &out, QTextStream &err, int *exitCode);

    // "momok train": how messages start.
    QString program() const;
    QString helpText() const;

    bool isSet(const QString &name) const { return m_parser.isSet(name); }
    QString value(const QString &name) const { return m_parser.value(name); }
    QStringList values(const QString &name) const { return m_parser.values(name); } // a repeated option's values
    QStringList positionalArguments() const { return m_parser.positionalArguments(); }

private:
    struct Positional {
        QString name;
        int min = 1, max = 1;
    };
    // The first usage error in what parse() read, or empty.
    QString usageError(const QStringList &args) const;
    QString positionalCountError() const;

    QString m_command;
    QCommandLineParser m_parser;
    QVector<Positional> m_positionals;
};

} // namespace momok
