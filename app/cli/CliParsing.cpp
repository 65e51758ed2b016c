#include "cli/CliParsing.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace momok {

CommandLine::CommandLine(const QString &command, const QString &description) : m_command(command)
{
    // "-json" reads as "--json": no subcommand has single-letter options to bundle.
    m_parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    m_parser.setApplicationDescription(description);
    m_parser.addOption(QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")},
                                          QStringLiteral("Show this help.")));
}

void CommandLine::addOption(const QCommandLineOption &option)
{
    m_parser.addOption(option);
}

void CommandLine::addOptions(const QList<QCommandLineOption> &options)
{
    m_parser.addOptions(options);
}

void CommandLine::addPositional(const QString &name, const QString &description, int min, int max,
                                const QString &syntax)
{
    m_parser.addPositionalArgument(name, description, syntax.isEmpty() ? name : syntax);
    m_positionals.append({name, min, max});
}

QString CommandLine::program() const
{
    return QStringLiteral("momok ") + m_command;
}

QString CommandLine::helpText() const
{
    // QCommandLineParser names the program as invoked (often a path); show the subcommand.
    QString text = m_parser.helpText();
    const QString invoked = QStringLiteral("Usage: ") + QCoreApplication::arguments().value(0);
    if (QCoreApplication::instance() && text.startsWith(invoked))
        text.replace(0, invoked.size(), QStringLiteral("Usage: ") + program());
    else
        text.replace(QRegularExpression(QStringLiteral("^Usage: \\S+")), QStringLiteral("Usage: ") + program());
    return text;
}

bool CommandLine::parse(const QStringList &args, QTextStream &out, QTextStream &err, int *exitCode)
{
    QString error;
    if (!m_parser.parse(args))
        error = usageError(args);
    else if (m_parser.isSet(QStringLiteral("help"))) {
        out << helpText();
        *exitCode = 0;
        return false;
    } else {
        error = positionalCountError();
    }
    if (error.isEmpty())
        return true;
    err << program() << ": " << error << "\n"
        << "(`" << program() << " --help` lists its options and arguments)\n";
    *exitCode = kUsageError;
    return false;
}

QString CommandLine::usageError(const QStringList &args) const
{
    const QStringList unknown = m_parser.unknownOptionNames();
    if (!unknown.isEmpty()) {
        // Quote the option as it was typed ("--frob", "-frob"), not its bare name.
        QString typed = QStringLiteral("--") + unknown.first();
        for (const QString &arg : args.mid(1)) {
            if (arg == QLatin1String("--"))
                break;
            const QString spelled = arg.section(QLatin1Char('='), 0, 0);
            QString bare = spelled;
            while (bare.startsWith(QLatin1Char('-')))
                bare.remove(0, 1);
            if (spelled.startsWith(QLatin1Char('-')) && bare == unknown.first()) {
                typed = spelled;
                break;
            }
        }
        return QStringLiteral("unknown option '%1'").arg(typed);
    }
    // Qt's own sentences ("Missing value after '--dataset'."), in the CLI's lower-case style.
    QString text = m_parser.errorText().trimmed();
    if (text.endsWith(QLatin1Char('.')))
        text.chop(1);
    if (!text.isEmpty())
        text[0] = text[0].toLower();
    return text;
}

QString CommandLine::positionalCountError() const
{
    const QStringList given = m_parser.positionalArguments();
    int atLeast = 0, atMost = 0;
    bool bounded = true;
    for (const Positional &p : m_positionals) {
        atLeast += p.min;
        if (given.size() < atLeast)
            return QStringLiteral("missing %1").arg(p.name);
        if (p.max == kUnbounded)
            bounded = false;
        else
            atMost += p.max;
    }
    if (!bounded || given.size() <= atMost)
        return {};
    QStringList names;
    for (const Positional &p : m_positionals)
        names << p.name;
    const QString takes = names.isEmpty() ? QStringLiteral("takes no arguments")
                                          : QStringLiteral("takes %1").arg(names.join(QLatin1Char(' ')));
    return QStringLiteral("unexpected argument '%1' (%2 %3)").arg(given.value(atMost), program(), takes);
}

} // namespace momok
