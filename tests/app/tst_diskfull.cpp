// A disk that fills up while a checkpoint is written: the training stops with an error
// that says the disk is full, no partial file is left, and the previous checkpoint still
// loads (`momok eval` answers from it). The run folder lies on a small tmpfs mounted in a
// user namespace (`unshare -rm`), so no root is needed and nothing outside is touched;
// its size leaves room for the first epoch's files and half a checkpoint more.
#include "CliRunner.h"
#include "SyntheticGraph.h"

#include <QDirIterator>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

using namespace momok::testing;

namespace {

const QStringList kSmall = {"--dim", "16", "--relation-dim", "8", "--max-feature-width", "16", "--batch-size", "32",
                            "--learning-rate", "0.03", "--random-features", "--eval-every", "1", "--patience", "50"};

qint64 folderBytes(const QString &dir)
{
    qint64 total = 0;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        total += it.fileInfo().size();
    }
    return total;
}

QString quoted(const QString &s)
{
    QString q = s;
    q.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

} // namespace

class TestDiskFull : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void checkpointOnAFullDisk()
    {
        QVERIFY(m_dir.isValid());
        const QString dataset = m_dir.filePath("graph");
        writeCommunityGraph(dataset);

        // How much one epoch leaves in a run folder, and how big a checkpoint is.
        const QString calibration = m_dir.filePath("calibration");
        const CliResult first = runCli(QStringList{"train", "--dataset", dataset, "--out", calibration, "--epochs", "1"} + kSmall);
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        const qint64 checkpoint = QFileInfo(calibration + "/best.pt").size();
        QVERIFY(checkpoint > 0);
        const qint64 tmpfsKiB = (folderBytes(calibration) + checkpoint / 2) / 1024 + 8;

        const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
        QVERIFY2(!unshare.isEmpty(), "util-linux's unshare is needed to mount a small tmpfs without root");
        const QString mountPoint = m_dir.filePath("small-disk");
        QVERIFY(QDir().mkpath(mountPoint));
        const QString run = mountPoint + "/run";
        QStringList train = QStringList{QStringLiteral(MOMOK_CLI), "train", "--dataset", dataset, "--out", run, "--epochs", "6"} + kSmall;
        for (QString &arg : train)
            arg = quoted(arg);
        const QString script =
            QStringLiteral("mount -t tmpfs -o size=%1k tmpfs %2 || { echo MOUNT_FAILED; exit 90; }\n"
                           "%3 2>&1; echo \"TRAIN_EXIT=$?\"\n"
                           "echo FILES:; ls %4\n"
                           "%5 eval %4 2>&1; echo \"EVAL_EXIT=$?\"\n")
                .arg(tmpfsKiB)
                .arg(quoted(mountPoint), train.join(' '), quoted(run), quoted(QStringLiteral(MOMOK_CLI)));
        QProcess shell;
        shell.start(unshare, {"-rm", "sh", "-c", script});
        QVERIFY(shell.waitForFinished(600000));
        const QString out = QString::fromUtf8(shell.readAllStandardOutput() + shell.readAllStandardError());
        QVERIFY2(!out.contains("MOUNT_FAILED") && shell.exitCode() != 90,
                 qPrintable("cannot mount a tmpfs in a user namespace here (unprivileged user namespaces "
                            "switched off?):\n" + out));

        // The training stopped at a checkpoint write, saying why and what is kept.
        QVERIFY2(out.contains("TRAIN_EXIT=1"), qPrintable(out));
        QVERIFY2(out.contains("cannot write checkpoint") && out.contains("the disk is full")
                     && out.contains("the previous checkpoint is kept"),
                 qPrintable(out));
        for (const QString &line : out.split('\n'))
            if (line.contains("cannot write checkpoint"))
                qInfo("%s", qPrintable(line.trimmed()));
        // No half-written file, and the earlier checkpoint answers.
        const QString files = out.section("FILES:", 1).section("EVAL_EXIT", 0, 0);
        QVERIFY2(!files.contains(".partial"), qPrintable(files));
        QVERIFY2(files.contains("best.pt"), qPrintable(files));
        QVERIFY2(out.contains("EVAL_EXIT=0") && out.contains("MRR"), qPrintable(out));
    }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
