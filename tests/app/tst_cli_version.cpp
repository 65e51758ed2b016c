#include "runtime/ComputeEnvironment.h"

#include <QtTest>

class TestCliVersion : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void versionNamesLibrariesAndThreads()
    {
        QProcess cli;
        cli.start(QStringLiteral(MOMOK_CLI), {QStringLiteral("--version")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QString out = QString::fromUtf8(cli.readAllStandardOutput());
        QVERIFY2(out.startsWith("MoMoK Studio 0."), qPrintable(out));
        QVERIFY2(out.contains(QRegularExpression("LibTorch 1\\.\\d+\\.\\d+")), qPrintable(out));
        QVERIFY2(out.contains("BLAS: OpenBLAS"), qPrintable(out));
        const QString threads = QStringLiteral("Intra-op threads: %1 ").arg(momok::physicalCoreCount());
        QVERIFY2(out.contains(threads), qPrintable(out));
        QVERIFY2(cli.readAllStandardError().isEmpty(), "no performance warning expected with OpenBLAS");
    }
    void unknownCommandFails()
    {
        QProcess cli;
        cli.start(QStringLiteral(MOMOK_CLI), {QStringLiteral("frobnicate")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY(cli.readAllStandardError().contains("unknown command 'frobnicate'"));
    }
};

QTEST_GUILESS_MAIN(TestCliVersion)
#include "tst_cli_version.moc"
