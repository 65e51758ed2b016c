#include "runtime/ComputeEnvironment.h"
#include "runtime/WaitPolicies.h"

#include <QtTest>

// `momok --version` (a command that never re-executes itself) started with `environment`: its
// standard output in *out once it has exited with 0. Callers check QTest::currentTestFailed().
static void versionOutput(const QProcessEnvironment &environment, QString *out)
{
    QProcess cli;
    cli.setProcessEnvironment(environment);
    cli.start(QStringLiteral(MOMOK_CLI), {QStringLiteral("--version")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    *out = QString::fromUtf8(cli.readAllStandardOutput());
}

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
        QVERIFY2(out.contains(QRegularExpression("LibTorch \\d+\\.\\d+\\.\\d+")), qPrintable(out));
        // The BLAS this process loaded (tst_computeenvironment checks which one that is).
        QVERIFY2(out.contains("BLAS: " + momok::currentComputeInfo().blasName), qPrintable(out));
        const QString threads = QStringLiteral("Intra-op threads: %1 ").arg(momok::physicalCoreCount());
        QVERIFY2(out.contains(threads), qPrintable(out));
        QVERIFY2(cli.readAllStandardError().isEmpty(), "no performance warning expected with OpenBLAS");
    }
    // The command is a launcher (app/launcher_main.cpp): the program it starts has the thread
    // pools' waiting policies in its environment from the start, and a user's own win.
    void theProgramStartsWithTheWaitPolicies_data()
    {
        QTest::addColumn<QStringList>("userSettings");
        QTest::addColumn<QString>("expected");
        QTest::newRow("none set") << QStringList() << QStringLiteral("OPENBLAS_THREAD_TIMEOUT=4, GOMP_SPINCOUNT=1000");
        QTest::newRow("the user's spin count")
            << QStringList{QStringLiteral("GOMP_SPINCOUNT=77")} << QStringLiteral("OPENBLAS_THREAD_TIMEOUT=4, GOMP_SPINCOUNT=77");
        QTest::newRow("the user's OpenMP policy") << QStringList{QStringLiteral("OMP_WAIT_POLICY=passive")}
                                                 << QStringLiteral("OPENBLAS_THREAD_TIMEOUT=4, OMP_WAIT_POLICY=passive");
        QTest::newRow("the user's BLAS timeout") << QStringList{QStringLiteral("OPENBLAS_THREAD_TIMEOUT=1")}
                                                 << QStringLiteral("OPENBLAS_THREAD_TIMEOUT=1, GOMP_SPINCOUNT=1000");
    }
    void theProgramStartsWithTheWaitPolicies()
    {
        QFETCH(QStringList, userSettings);
        QFETCH(QString, expected);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char *name : momok::kThreadPoolWaitVariables)
            environment.remove(QString::fromLatin1(name));
        for (const QString &setting : userSettings)
            environment.insert(setting.section('=', 0, 0), setting.section('=', 1));
        QString out;
        versionOutput(environment, &out);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(out.contains(QStringLiteral("Idle threads' waiting: %1\n").arg(expected)), qPrintable(out));
    }
    // …and with malloc's heap on transparent huge pages, after the user's own glibc tunables;
    // a user's own choice of that tunable wins.
    void theProgramStartsWithTheHeapOnHugePages_data()
    {
        QTest::addColumn<QString>("userTunables"); // empty: GLIBC_TUNABLES unset
        QTest::addColumn<QString>("expected");
        QTest::newRow("none set") << QString() << QStringLiteral("glibc.malloc.hugetlb=1");
        QTest::newRow("the user's other tunables") << QStringLiteral("glibc.malloc.arena_max=4")
                                                   << QStringLiteral("glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1");
        QTest::newRow("the user's own choice") << QStringLiteral("glibc.malloc.arena_max=4:glibc.malloc.hugetlb=0")
                                               << QStringLiteral("glibc.malloc.arena_max=4:glibc.malloc.hugetlb=0");
    }
    void theProgramStartsWithTheHeapOnHugePages()
    {
        QFETCH(QString, userTunables);
        QFETCH(QString, expected);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QString::fromLatin1(momok::kHeapTunablesVariable));
        if (!userTunables.isEmpty())
            environment.insert(QString::fromLatin1(momok::kHeapTunablesVariable), userTunables);
        QString out;
        versionOutput(environment, &out);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(out.contains(QStringLiteral("glibc tunables: %1\n").arg(expected)), qPrintable(out));
    }
    void aLauncherAwayFromItsProgramSaysWhatItLacks()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString copy = dir.filePath(QStringLiteral("momok"));
        QVERIFY(QFile::copy(QStringLiteral(MOMOK_CLI), copy));
        QVERIFY(QFile::setPermissions(copy, QFile::permissions(copy) | QFileDevice::ExeOwner));
        QProcess cli;
        cli.start(copy, {QStringLiteral("--version")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 127);
        const QString err = QString::fromUtf8(cli.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("cannot start %1/../libexec/momok-studio/momok: No such file or directory")
                                  .arg(QFileInfo(dir.path()).canonicalFilePath())),
                 qPrintable(err));
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
