#pragma once
// Runs the built `momok` CLI (MOMOK_CLI) as a separate process, as a user would.
#include <QProcess>
#include <QString>
#include <QStringList>

namespace momok::testing {

struct CliResult {
    int exitCode = -1; // -1 when it crashed or timed out
    QString out, err;
};

inline CliResult runCli(const QStringList &args, int timeoutMs = 300000)
{
    QProcess cli;
    cli.start(QStringLiteral(MOMOK_CLI), args);
    CliResult r;
    if (!cli.waitForFinished(timeoutMs)) {
        cli.kill();
        cli.waitForFinished();
        r.err = QStringLiteral("timed out");
        return r;
    }
    r.exitCode = cli.exitStatus() == QProcess::NormalExit ? cli.exitCode() : -1;
    r.out = QString::fromUtf8(cli.readAllStandardOutput());
    r.err = QString::fromUtf8(cli.readAllStandardError());
    return r;
}

} // namespace momok::testing
