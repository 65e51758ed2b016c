// The `momok` CLI end to end on a small generated graph: train, eval, predict, explain, bench, resume.
#include "CliRunner.h"
#include "SyntheticGraph.h"

#include <QJsonArray>
#include <QCryptographicHash>
#include <QtTest>

#include <functional>

#include <signal.h>

#include <algorithm>
#include <cmath>

namespace {

using momok::testing::CliResult;
using momok::testing::runCli;


const QStringList kSmall = {"--dim", "16", "--relation-dim", "8", "--max-feature-width", "16", "--batch-size", "32",
                            "--learning-rate", "0.03", "--input-dropout", "0.2", "--hidden-dropout", "0.2",
                            "--output-dropout", "0.2", "--random-features"};

// Every file's name and bytes in dir.
QByteArray folderDigest(const QString &dir)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QFileInfo &f : QDir(dir).entryInfoList(QDir::Files, QDir::Name)) {
        QFile file(f.absoluteFilePath());
        if (!file.open(QIODevice::ReadOnly))
            return {};
        hash.addData(f.fileName().toUtf8());
        hash.addData(file.readAll());
    }
    return hash.result();
}

} // namespace

class TestCliEngine : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_dataset, m_run;

private Q_SLOTS:
    void initTestCase()
    {
        m_dataset = m_dir.filePath("graph");
        m_run = m_dir.filePath("run");
        momok::testing::writeCommunityGraph(m_dataset);
    }

    void trainPrintsEpochsAndTest()
    {
        const CliResult r = runCli(QStringList{"train", "--dataset", m_dataset, "--out", m_run, "--epochs", "40",
                                               "--eval-every", "10"} + kSmall);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("epoch   40  loss"));
        QVERIFY(r.out.contains("valid @ epoch 10: MRR"));
        QVERIFY(r.out.contains("Filtered link prediction on test"));
        QVERIFY(QFile::exists(QDir(m_run).filePath("best.pt")));
        QVERIFY(QFile::exists(QDir(m_run).filePath("last.pt")));
        QVERIFY(!QFile::exists(QDir(m_run).filePath("last.pt.partial")));
    }

    void evalJsonHasTheDocumentedKeys()
    {
        const CliResult r = runCli({"eval", m_run, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        for (const char *key : {"mrr", "mr", "hits1", "hits3", "hits10"})
            QVERIFY2(o.contains(key), key);
        QVERIFY(o.value("mrr").toDouble() > 20.0); // far above chance (about 6 %)
        QVERIFY(o.value("hits10").toDouble() >= o.value("hits1").toDouble());
        const QJsonObject perDecoder = o.value("per_decoder").toObject();
        for (const char *key : {"S", "I", "T", "joint"})
            QVERIFY2(perDecoder.value(key).toObject().contains("mrr"), key);
        const QJsonObject perRelation = o.value("per_relation").toObject();
        QVERIFY(perRelation.contains("memberOf"));
        QVERIFY(perRelation.value("memberOf").toObject().value("per_decoder").toObject().contains("S"));
        QCOMPARE(o.value("rank").toString(), QStringLiteral("realistic"));
        // Tie rules bracket the realistic figure.
        QVERIFY(o.value("optimistic").toObject().value("mrr").toDouble() >= o.value("mrr").toDouble());
        QVERIFY(o.value("pessimistic").toObject().value("mrr").toDouble() <= o.value("mrr").toDouble());
        const CliResult table = runCli({"eval", m_run, "--per-relation", "--split", "valid"});
        QVERIFY(table.out.contains("Per relation"));
        QVERIFY(table.out.contains("sameGroupAs"));
    }

    void predictRanksAndMarksKnownAnswers()
    {
        const CliResult r = runCli({"predict", m_run, "--head", "m1_2", "--relation", "memberOf", "--top", "5", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray rows = o.value("predictions").toArray();
        QCOMPARE(rows.size(), 5);
        QCOMPARE(rows.first().toObject().value("rank").toInt(), 1);
        QVERIFY(rows.first().toObject().value("decoders").toObject().contains("joint"));
        QCOMPARE(o.value("gates").toObject().value("I").toArray().size(), 3);
        const CliResult hidden = runCli({"predict", m_run, "--head", "m1_2", "--relation", "memberOf", "--top", "80",
                                         "--hide-known", "--json"});
        for (const QJsonValue &v : QJsonDocument::fromJson(hidden.out.toUtf8()).object().value("predictions").toArray())
            QVERIFY(v.toObject().value("known").toArray().isEmpty());
        const CliResult text = runCli({"predict", m_run, "--tail", "hub0", "--relation", "memberOf"});
        QVERIFY(text.out.contains("(?, memberOf, hub0)"));
        QVERIFY(text.out.contains("gates for this query"));
        const CliResult bad = runCli({"predict", m_run, "--head", "nobody", "--relation", "memberOf"});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.contains("unknown entity 'nobody'"));
    }

    void explainGivesGatesAndBestRelations()
    {
        const CliResult r = runCli({"explain", m_run, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray gates = o.value("gates").toArray();
        QCOMPARE(gates.size(), 2); // memberOf, sameGroupAs
        for (const QJsonValue &g : gates) {
            double sum = 0;
            for (const QJsonValue &w : g.toObject().value("T").toArray())
                sum += w.toDouble();
            QVERIFY(qAbs(sum - 1.0) < 1e-6);
        }
        QVERIFY(o.value("best_relations").toObject().contains("S"));
        const CliResult text = runCli({"explain", m_run});
        QVERIFY(text.out.contains("Best predicted relations per decoder"));
    }

    void similarListsNeighboursPerRepresentation()
    {
        const CliResult r = runCli({"similar", m_run, "--entity", "m1_2", "--top", "5", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value("measure").toString(), QStringLiteral("cosine"));
        const QJsonObject lists = o.value("similar").toObject();
        for (const char *key : {"S", "I", "T", "joint"}) {
            const QJsonArray list = lists.value(key).toArray();
            QCOMPARE(list.size(), 5);
            double previous = 2;
            for (const QJsonValue &v : list) {
                QVERIFY(v.toObject().value("entity").toString() != "m1_2");
                const double s = v.toObject().value("similarity").toDouble();
                QVERIFY(s <= previous && s >= -1 && s <= 1);
                previous = s;
            }
        }
        // The structure representation learned the communities: m1_2's neighbours are mostly
        // of group 1 (11 of the other 78 entities, so chance is about one in five).
        int sameGroup = 0;
        for (const QJsonValue &v : lists.value("S").toArray())
            sameGroup += v.toObject().value("entity").toString().startsWith("m1_");
        QVERIFY2(sameGroup >= 3, qPrintable(r.out));
        const CliResult one = runCli({"similar", m_run, "--entity", "m1_2", "--modality", "joint", "--relation", "memberOf"});
        QVERIFY2(one.exitCode == 0, qPrintable(one.err));
        QVERIFY(one.out.contains("gates under memberOf"));
        QVERIFY(one.out.contains("Joint:") && !one.out.contains("Structure:"));
        const CliResult bad = runCli({"similar", m_run, "--entity", "m1_2", "--modality", "X"});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.contains("--modality takes S, I, T or joint"));
        QCOMPARE(runCli({"similar", m_run, "--entity", "nobody"}).exitCode, 1);
    }

    void typedCandidatesKeepTheRelationsTypes()
    {
        // Without entity types, memberOf's tails in training are the six hubs.
        const CliResult r = runCli({"predict", m_run, "--head", "m1_2", "--relation", "memberOf", "--top", "20",
                                    "--typed-candidates", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(o.value("typed_candidates").toBool());
        QCOMPARE(o.value("removed_by_type").toInt(), 78 - 6);
        const QJsonArray rows = o.value("predictions").toArray();
        QCOMPARE(rows.size(), 6);
        for (const QJsonValue &v : rows)
            QVERIFY(v.toObject().value("entity").toString().startsWith("hub"));
        const CliResult plain = runCli({"predict", m_run, "--head", "m1_2", "--relation", "memberOf", "--json"});
        QVERIFY(!QJsonDocument::fromJson(plain.out.toUtf8()).object().value("typed_candidates").toBool());
    }

    void newEntityFromTriplesAndWhatItCannotRecompute()
    {
        const CliResult r = runCli({"predict", m_run, "--new-entity", "--name", "newcomer", "--text", "a new member",
                                    "--triple", "newcomer memberOf hub2", "--triple", "_ sameGroupAs m2_1",
                                    "--relation", "memberOf", "--top", "3", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(o.value("structure_fitted").toBool());
        // The run's text features were seeded random numbers: nothing to recompute for a new text.
        QCOMPARE(o.value("modalities").toArray(), QJsonArray{"S"});
        QVERIFY2(QJsonDocument(o.value("notes").toArray()).toJson().contains("cannot recompute"), qPrintable(r.out));
        const QJsonArray queries = o.value("queries").toArray();
        QCOMPARE(queries.size(), 2); // memberOf, tail then head
        const QJsonObject tail = queries.first().toObject();
        QCOMPARE(tail.value("direction").toString(), QStringLiteral("tail"));
        // Fitted to it: among the first three of the six hubs (this small model tells its hubs
        // apart only weakly), marked as given.
        bool found = false;
        for (const QJsonValue &v : tail.value("predictions").toArray())
            if (v.toObject().value("entity").toString() == "hub2") {
                found = true;
                QCOMPARE(v.toObject().value("known").toArray(), QJsonArray{"train"});
            }
        QVERIFY2(found, qPrintable(r.out));
        const QRegularExpressionMatch loss = QRegularExpression("loss ([0-9.]+) → ([0-9.]+)")
                                                 .match(o.value("notes").toArray().last().toString());
        QVERIFY(loss.hasMatch());
        QVERIFY(loss.captured(2).toDouble() < loss.captured(1).toDouble());
        const CliResult text = runCli({"predict", m_run, "--new-entity", "--triple", "_ memberOf hub2", "--top", "2"});
        QVERIFY(text.out.contains("✓ given"));
        const CliResult bad = runCli({"predict", m_run, "--new-entity", "--triple", "_ memberOf nobody"});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains("unknown entity 'nobody'"), qPrintable(bad.err));
    }

    void evidenceForATripleNamesKnownTriples()
    {
        const CliResult r = runCli({"explain", m_run, "--head", "m1_2", "--relation", "memberOf", "--tail", "hub1", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(o.value("known_in_training").isBool());
        // Members resembling m1_2 in structure belong to hub1 themselves.
        QVERIFY2(o.value("counts").toObject().value("S").toInt() >= 3, qPrintable(r.out));
        for (const QJsonValue &v : o.value("evidence").toArray()) {
            const QJsonObject item = v.toObject();
            const QJsonArray known = item.value("known").toArray();
            QCOMPARE(known.at(1).toString(), QStringLiteral("memberOf"));
            if (item.value("kind").toString() == "similar_head")
                QCOMPARE(known.at(2).toString(), QStringLiteral("hub1"));
            else
                QCOMPARE(known.at(0).toString(), QStringLiteral("m1_2"));
        }
        const CliResult text = runCli({"explain", m_run, "--head", "m1_2", "--relation", "memberOf", "--tail", "hub1"});
        QVERIFY(text.out.contains("resembles"));
        const CliResult partial = runCli({"explain", m_run, "--head", "m1_2", "--relation", "memberOf"});
        QCOMPARE(partial.exitCode, 2);
        QVERIFY(partial.err.contains("needs all of --head, --relation and --tail"));
    }

    void exportWritesTheProjectorsFilesAndNpy()
    {
        const QString out = m_dir.filePath("projector");
        const CliResult r = runCli({"export", m_run, "--out", out, "--quiet"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("sprite: 576×576 px, cells of 64 px, 78 without an image"));
        auto lineCount = [](const QString &path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts).size() : -1;
        };
        for (const char *rep : {"structure", "image", "text", "joint"})
            QCOMPARE(lineCount(QDir(out).filePath(QString::fromLatin1(rep) + "/tensors.tsv")), 78);
        QCOMPARE(lineCount(QDir(out).filePath("metadata.tsv")), 79);
        QVERIFY(QFile::exists(QDir(out).filePath("projector_config.pbtxt")));
        const QString npy = m_dir.filePath("npy");
        const CliResult n = runCli({"export", m_run, "--format", "npy", "--out", npy});
        QVERIFY2(n.exitCode == 0, qPrintable(n.err));
        QCOMPARE(lineCount(QDir(npy).filePath("entity2id.txt")), 78);
        QVERIFY(QFile::exists(QDir(npy).filePath("joint.npy")));
        const CliResult bad = runCli({"export", m_run, "--format", "csv", "--out", npy});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("--format takes projector or npy"));
    }

    void runJsonKeepsAbsolutePaths()
    {
        // Given relative to the working folder, stored absolute: eval works from anywhere.
        const QString relative = QDir::current().relativeFilePath(m_dataset);
        QVERIFY(QDir::isRelativePath(relative));
        const QString run = m_dir.filePath("relative-run");
        const CliResult r = runCli(QStringList{"train", "--dataset", relative, "--out", run, "--epochs", "1"} + kSmall);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile spec(QDir(run).filePath("run.json"));
        QVERIFY(spec.open(QIODevice::ReadOnly));
        const QString stored = QJsonDocument::fromJson(spec.readAll()).object().value("dataset").toString();
        QVERIFY2(QDir::isAbsolutePath(stored), qPrintable(stored));
        QCOMPARE(QFileInfo(stored).canonicalFilePath(), QFileInfo(m_dataset).canonicalFilePath());
    }

    // Damaged run folders: each command names the file and what is wrong, exits 1, and
    // changes nothing in the folder.
    void damagedRunFoldersAreNamed()
    {
        struct Damage {
            const char *name, *file;
            std::function<void(const QString &)> apply;
            const char *reason;
            // history.json and report-valid.json are read only by --resume (eval, explain and
            // predict answer from the checkpoint and must keep working).
            bool resumeOnly = false;
        };
        auto replace = [](const QString &path, const std::function<QByteArray(QByteArray)> &edit) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = edit(f.readAll());
            f.close();
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(bytes);
        };
        const QList<Damage> damages = {
            {"truncated-checkpoint", "best.pt",
             [&](const QString &d) { replace(d + "/best.pt", [](QByteArray b) { return b.left(b.size() / 2); }); },
             "cannot read checkpoint"},
            {"foreign-checkpoint", "best.pt",
             [&](const QString &d) { replace(d + "/best.pt", [](QByteArray) { return QByteArray("not a checkpoint\n"); }); },
             "not a ZIP archive"},
            {"edited-config", ".pt", // best.pt, or last.pt for --resume
             [&](const QString &d) {
                 replace(d + "/run.json", [](QByteArray b) { return b.replace("\"dim\": 16", "\"dim\": 24"); });
             },
             "the checkpoint does not fit this run's configuration"},
            {"truncated-run-json", "run.json",
             [&](const QString &d) { replace(d + "/run.json", [](QByteArray b) { return b.left(b.size() / 2); }); },
             "it is not valid JSON"},
            {"truncated-history", "history.json",
             [&](const QString &d) { replace(d + "/history.json", [](QByteArray b) { return b.left(b.size() / 2); }); },
             "it is not valid JSON", true},
            {"edited-history", "history.json",
             [&](const QString &d) { replace(d + "/history.json", [](QByteArray) { return QByteArray("{\"epoch\": 1}\n"); }); },
             "not a run history", true},
            {"edited-best-report", "report-valid.json",
             [&](const QString &d) { replace(d + "/report-valid.json", [](QByteArray b) { return b.replace("\"split\"", "\"spilt\""); }); },
             "not an evaluation report", true},
        };
        for (const Damage &damage : damages) {
            const QString dir = m_dir.filePath(QStringLiteral("damaged-") + damage.name);
            QVERIFY(QDir().mkpath(dir));
            for (const QFileInfo &f : QDir(m_run).entryInfoList(QDir::Files))
                QVERIFY(QFile::copy(f.absoluteFilePath(), dir + "/" + f.fileName()));
            damage.apply(dir);
            const QByteArray before = folderDigest(dir);
            for (const QStringList &command : {QStringList{"eval", dir}, QStringList{"explain", dir},
                                               QStringList{"predict", dir, "--head", "m0_0", "--relation", "memberOf"},
                                               QStringList{"train", "--resume", dir}}) {
                const CliResult r = runCli(command);
                if (damage.resumeOnly && command.first() != QLatin1String("train")) {
                    QVERIFY2(r.exitCode == 0, qPrintable(QStringLiteral("%1 on %2: exit %3\n%4").arg(command.first(), damage.name).arg(r.exitCode).arg(r.err)));
                    QCOMPARE(folderDigest(dir), before);
                    continue;
                }
                const QRegularExpression where(QRegularExpression::escape(dir + "/") + "[a-z]*" + QRegularExpression::escape(damage.file));
                QVERIFY2(r.exitCode == 1 && r.err.contains(where) && r.err.contains(damage.reason),
                         qPrintable(QStringLiteral("%1 on %2: exit %3\n%4").arg(command.first(), damage.name).arg(r.exitCode).arg(r.err)));
                QCOMPARE(folderDigest(dir), before);
            }
        }
    }

    // A run folder and its dataset moved together (here: their parent renamed) still
    // evaluate; a dataset changed since training is named as such, with what changed.
    void movedTogetherWorksChangedDatasetIsRefused()
    {
        const QString parent = m_dir.filePath("project");
        momok::testing::writeCommunityGraph(parent + "/data");
        const QString run = parent + "/run";
        const CliResult trained = runCli(QStringList{"train", "--dataset", parent + "/data", "--out", run, "--epochs", "1"} + kSmall);
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        const QString moved = m_dir.filePath("project-moved");
        QVERIFY(QDir().rename(parent, moved));
        const CliResult evaluated = runCli({"eval", moved + "/run"});
        QVERIFY2(evaluated.exitCode == 0, qPrintable(evaluated.err));

        // One more triple in train: same entities and relations, another graph.
        QFile train(moved + "/data/train.txt");
        QVERIFY(train.open(QIODevice::ReadOnly));
        const QByteArray firstLine = train.readLine();
        train.close();
        const QList<QByteArray> parts = firstLine.trimmed().split(' ');
        QVERIFY(parts.size() >= 3);
        QVERIFY(train.open(QIODevice::Append));
        train.write(parts[2] + ' ' + parts[1] + ' ' + parts[0] + '\n'); // the reverse of the first triple
        train.close();
        const CliResult changed = runCli({"eval", moved + "/run"});
        QCOMPARE(changed.exitCode, 1);
        QVERIFY2(changed.err.contains(QDir::toNativeSeparators(moved + "/data") + ": the dataset has changed since this run was "
                                                                                   "trained: its names or triples differ"),
                 qPrintable(changed.err));
    }

    void resumeAndErrors()
    {
        const CliResult again = runCli({"train", "--resume", m_run});
        QCOMPARE(again.exitCode, 0); // already finished: re-tests the selected checkpoint
        QVERIFY(again.out.contains("resuming"));
        const CliResult exists = runCli(QStringList{"train", "--dataset", m_dataset, "--out", m_run} + kSmall);
        QCOMPARE(exists.exitCode, 1);
        QVERIFY(exists.err.contains("already holds a run"));
        const CliResult badValue = runCli({"train", "--dataset", m_dataset, "--out", m_dir.filePath("x"), "--experts", "0"});
        QCOMPARE(badValue.exitCode, 1);
        QVERIFY(badValue.err.contains("experts must be between 1 and 64"));
        const CliResult help = runCli({"train", "--help"});
        QVERIFY(help.out.contains("--no-exid"));
        QVERIFY(help.out.contains("mean of the active decoders' sigmoid scores"));
    }

    void interruptCancelsAndResumeFinishes()
    {
        // Ctrl+C during training: the run stops within a step, says how to continue, and
        // --resume finishes it.
        const QString run = m_dir.filePath("interrupted");
        // A run far longer than the test, evaluated every other epoch, in `out`.
        auto startLongRun = [&](QProcess &process, const QString &out) {
            process.start(QStringLiteral(MOMOK_CLI), QStringList{"train", "--dataset", m_dataset, "--out", out, "--epochs",
                                                                 "200", "--eval-every", "2", "--patience", "1000"} + kSmall);
        };
        QByteArray printed;
        auto waitForOutput = [&](QProcess &process, const char *text) {
            return QTest::qWaitFor([&] { return (printed += process.readAllStandardOutput()).contains(text); }, 120000);
        };
        QProcess train;
        startLongRun(train, run);
        QVERIFY(waitForOutput(train, "valid @ epoch 2:"));
        QCOMPARE(::kill(pid_t(train.processId()), SIGINT), 0);
        QVERIFY(train.waitForFinished(60000));
        QCOMPARE(train.exitStatus(), QProcess::NormalExit);
        QCOMPARE(train.exitCode(), 1);
        printed += train.readAllStandardOutput();
        const QString err = QString::fromUtf8(train.readAllStandardError());
        QVERIFY2(err.contains("momok train: cancelled; continue with momok train --resume " + run), qPrintable(err));
        QVERIFY2(printed.contains("cancelled during epoch"), printed.constData());
        QVERIFY(!printed.contains("epoch  200  loss"));
        QVERIFY(QFile::exists(QDir(run).filePath("last.pt")));

        const CliResult resumed = runCli({"train", "--resume", run});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
        QVERIFY(resumed.out.contains("resuming"));
        QVERIFY(resumed.out.contains("epoch  200  loss"));
        QVERIFY(resumed.out.contains("Filtered link prediction on test"));

        // Started with SIGINT ignored (how a script starts a background job), a Ctrl+C meant
        // for the script leaves the run alone; SIGTERM still cancels it.
        QProcess background;
        background.setChildProcessModifier([] { ::signal(SIGINT, SIG_IGN); });
        startLongRun(background, m_dir.filePath("background"));
        printed.clear();
        QVERIFY(waitForOutput(background, "valid @ epoch 2:"));
        QCOMPARE(::kill(pid_t(background.processId()), SIGINT), 0);
        QVERIFY(waitForOutput(background, "valid @ epoch 6:"));
        QCOMPARE(background.state(), QProcess::Running);
        QCOMPARE(::kill(pid_t(background.processId()), SIGTERM), 0);
        QVERIFY(background.waitForFinished(60000));
        QCOMPARE(background.exitCode(), 1);
        QVERIFY(QString::fromUtf8(background.readAllStandardError()).contains("cancelled; continue with"));
    }

    void benchReportsFigures()
    {
        const CliResult r = runCli({"bench", "--dataset", m_dataset, "--dim", "16", "--relation-dim", "8", "--epochs", "2",
                                    "--batch-size", "64", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        for (const char *key : {"train_epoch_seconds", "eval_seconds", "peak_rss_mb", "sgemm_gflops", "achieved_gflops",
                                "achieved_gflops_dominant_products"})
            QVERIFY2(o.value(key).toDouble() > 0, key);
        // Every product counted (fusion, the estimator, the gates, …) against the dominant ones alone.
        QVERIFY(o.value("epoch_gflop").toDouble() > o.value("epoch_gflop_dominant_products").toDouble());
        QCOMPARE(o.value("achieved_gflops").toDouble() / o.value("epoch_gflop").toDouble(),
                 o.value("achieved_gflops_dominant_products").toDouble() / o.value("epoch_gflop_dominant_products").toDouble());
        // eval_seconds is the median of the three evaluations listed.
        QList<double> evals;
        for (const QJsonValue v : o.value("evals_seconds").toArray())
            evals << v.toDouble();
        QCOMPARE(evals.size(), 3);
        std::sort(evals.begin(), evals.end());
        QCOMPARE(o.value("eval_seconds").toDouble(), evals[1]);
        // Each epoch's mean training loss, which a seed replays exactly: what a speed change
        // is compared on.
        const QJsonArray losses = o.value("epoch_losses").toArray();
        QCOMPARE(losses.size(), 2);
        for (const QJsonValue v : losses)
            QVERIFY(std::isfinite(v.toDouble()) && v.toDouble() > 0);
        const CliResult again = runCli({"bench", "--dataset", m_dataset, "--dim", "16", "--relation-dim", "8", "--epochs",
                                        "2", "--batch-size", "64", "--json"});
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        QCOMPARE(QJsonDocument::fromJson(again.out.toUtf8()).object().value("epoch_losses").toArray(), losses);
    }
};

QTEST_GUILESS_MAIN(TestCliEngine)
#include "tst_cli_engine.moc"
