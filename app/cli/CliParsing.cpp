#include "cli/CliParsing.h"

#include <QRegularExpression>

namespace momok {

bool parseSubcommand(QCommandLineParser &parser, const QStringList &args, QTextStream &out, QTextStream &err,
                     int *exitCode)
{
    parser.addHelpOption();
    if (!parser.parse(args)) {
        err << "momok " << args.value(0) << ": " << parser.errorText() << "\n";
        *exitCode = 2;
        return false;
    }
    if (parser.isSet("help")) {
        // helpText() names the program as invoked; show the subcommand instead.
        QString text = parser.helpText();
        text.replace(QRegularExpression(QStringLiteral("^Usage: \\S+")), QStringLiteral("Usage: momok ") + args.value(0));
        out << text;
        *exitCode = 0;
        return false;
    }
    return true;
}

} // namespace momok
