// A disk that fills up while a checkpoint, the workspace or a feature cache entry is
// written: the error says the disk is full, no partial file is left, and the previous good
// state still loads (`momok eval` answers from the earlier checkpoint). The run folder lies on a small tmpfs mounted in a
// user namespace (`unshare -rm`), so no root is needed and nothing outside is touched;
// its size leaves room for the first epoch's files and half a checkpoint more.
#include "CliRunner.h"
#include "SyntheticGraph.h"

#include "storage/Workspace.h"

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

// Runs script in a user namespace with a tmpfs of sizeKiB mounted at mountPoint; the
// script's output (stdout and stderr). The tmpfs goes when the script ends.
QString onSmallDisk(const QString &mountPoint, qint64 sizeKiB, const QString &script)
{
    const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
    if (unshare.isEmpty())
        return QStringLiteral("MOUNT_FAILED: util-linux's unshare is needed to mount a small tmpfs without root");
    QDir().mkpath(mountPoint);
    const QString mount = QStringLiteral("mount -t tmpfs -o size=%1k tmpfs %2 || { echo MOUNT_FAILED; exit 90; }\n")
                              .arg(sizeKiB)
                              .arg(quoted(mountPoint));
    QProcess shell;
    shell.start(unshare, {"-rm", "sh", "-c", mount + script});
    if (!shell.waitForFinished(600000))
        return QStringLiteral("TIMED_OUT");
    return QString::fromUtf8(shell.readAllStandardOutput() + shell.readAllStandardError());
}

#define VERIFY_MOUNTED(out)                                                                                           \
    QVERIFY2(!(out).contains("MOUNT_FAILED"),                                                                         \
             qPrintable("cannot mount a tmpfs in a user namespace here (unprivileged user namespaces switched off?):\n" \
                        + (out)))

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

        const QString mountPoint = m_dir.filePath("small-disk");
        const QString run = mountPoint + "/run";
        QStringList train = QStringList{QStringLiteral(MOMOK_CLI), "train", "--dataset", dataset, "--out", run, "--epochs", "6"} + kSmall;
        for (QString &arg : train)
            arg = quoted(arg);
        const QString script = QStringLiteral("%1 2>&1; echo \"TRAIN_EXIT=$?\"\n"
                                              "echo FILES:; ls %2\n"
                                              "%3 eval %2 2>&1; echo \"EVAL_EXIT=$?\"\n")
                                   .arg(train.join(' '), quoted(run), quoted(QStringLiteral(MOMOK_CLI)));
        const QString out = onSmallDisk(mountPoint, tmpfsKiB, script);
        VERIFY_MOUNTED(out);

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

    // The workspace and the feature cache on a disk that fills up: a workspace that cannot
    // be opened says the disk is full and nothing is trained into nowhere; a cache entry
    // that cannot be written is said, the features are used anyway, and the entries
    // written before still load; once there is room again the workspace is intact.
    void workspaceAndFeatureCacheOnAFullDisk()
    {
        QVERIFY(m_dir.isValid());
        const QString mountPoint = m_dir.filePath("full-disk");
        const QString outside = m_dir.filePath("outside");
        QVERIFY(QDir().mkpath(outside));
        const QString cli = quoted(QStringLiteral(MOMOK_CLI));
        const QString countries = quoted(QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"));
        const QString train = QStringLiteral("MOMOK_CACHE_DIR=%1/cache %2 train --dataset %3 --preset quick-demo --epochs 1 "
                                             "--threads 1 --quiet")
                                  .arg(quoted(mountPoint), cli, countries);
        const QString script =
            QStringLiteral(
                // With room: one run recorded, both feature matrices cached.
                "%1 --out %2/a --workspace %3/workspace.momok >%2/a.log 2>&1; echo \"A_EXIT=$?\"\n"
                "rm %3/cache/text-*\n"
                "dd if=/dev/zero of=%3/filler bs=16k 2>/dev/null\n"
                // Full: a run to record in the workspace, and a training that must cache text features.
                "%1 --out %2/b --workspace %3/workspace.momok 2>&1; echo \"B_EXIT=$?\"\n"
                "%1 --out %2/c 2>&1; echo \"C_EXIT=$?\"\n"
                "echo CACHE:; ls %3/cache; echo :CACHE\n"
                // Room again: the workspace as it was, copied out before the tmpfs goes.
                "rm %3/filler\n"
                "%4 runs --workspace %3/workspace.momok 2>&1; echo \"RUNS_EXIT=$?\"\n"
                "cp %3/workspace.momok %2/\n")
                .arg(train, quoted(outside), quoted(mountPoint), cli);
        const QString out = onSmallDisk(mountPoint, 4096, script);
        VERIFY_MOUNTED(out);
        QVERIFY2(out.contains("A_EXIT=0"), qPrintable(out));

        // The workspace cannot take a run: the training is refused, saying why.
        QVERIFY2(out.contains("B_EXIT=1"), qPrintable(out));
        QVERIFY2(out.contains("cannot open workspace") && out.contains("the disk is full"), qPrintable(out));
        QVERIFY2(!QFile::exists(outside + "/b"), qPrintable(out)); // the same command can be run again

        // The cache entry cannot be written: said, and the training finishes without it.
        QVERIFY2(out.contains("C_EXIT=0"), qPrintable(out));
        QVERIFY2(out.contains("cannot write a feature cache entry") && out.contains("the disk is full")
                     && out.contains("the features are used without being cached"),
                 qPrintable(out));
        const QString cache = out.section("CACHE:", 1).section(":CACHE", 0, 0);
        QVERIFY2(cache.contains("image-") && !cache.contains("text-"), qPrintable(cache)); // no partial entry
        for (const QString &line : out.split('\n'))
            if (line.contains("disk is full"))
                qInfo("%s", qPrintable(line.trimmed()));

        // Room again: the run recorded before is there, the database intact.
        QVERIFY2(out.contains("RUNS_EXIT=0"), qPrintable(out));
        QString error;
        auto ws = momok::Workspace::open(outside + "/workspace.momok", &error);
        QVERIFY2(ws, qPrintable(error));
        QVERIFY2(ws->checkIntegrity(&error), qPrintable(error));
        QCOMPARE(ws->runs().size(), 1);
        QCOMPARE(ws->runs().first().status, momok::RunStatus::Finished);
    }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
