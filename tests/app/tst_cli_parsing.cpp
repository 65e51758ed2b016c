// Every `momok` subcommand reads its command line through the one parser (cli/CliParsing.h):
// the same --help layout, and usage errors (an unknown option, a missing value, a wrong
// number of arguments, a bad --split) that name what is wrong and exit with code 2. Invalid
// training settings name the option that sets them (cli/ConfigOptions.h).
#include "CliRunner.h"
#include "DatasetFixtures.h"

#include "cli/CliCommands.h"
#include "cli/ConfigOptions.h"
#include "model/ModelConfig.h"

#include <QFileInfo>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

namespace {

using momok::testing::CliResult;
using momok::testing::runCli;

constexpr int kUsageError = 2;

} // namespace

class TestCliParsing : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    // One row per registered subcommand, so a new one is covered without editing this suite.
    static void subcommandRows()
    {
        QTest::addColumn<QString>("command");
        for (const momok::CliCommand &command : momok::cliCommands())
            QTest::newRow(qPrintable(command.name)) << command.name;
    }

private Q_SLOTS:
    void everySubcommandRejectsAnUnknownOption_data() { subcommandRows(); }
    void everySubcommandRejectsAnUnknownOption()
    {
        QFETCH(QString, command);
        const CliResult r = runCli({command, "--no-such-option"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("momok " + command + ": unknown option '--no-such-option'"), qPrintable(r.err));
        QVERIFY2(r.out.isEmpty(), qPrintable(r.out));

        // A single dash reads as a long option, a value after '=' is not part of the name.
        const CliResult dashed = runCli({command, "-bogus=3"});
        QCOMPARE(dashed.exitCode, kUsageError);
        QVERIFY2(dashed.err.contains("unknown option '-bogus'"), qPrintable(dashed.err));
    }

    void everySubcommandHasTheSameHelp_data() { subcommandRows(); }
    void everySubcommandHasTheSameHelp()
    {
        QFETCH(QString, command);
        const CliResult r = runCli({command, "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("Usage: momok " + command + " [options]"), qPrintable(r.out));
        QVERIFY2(r.out.contains("-h, --help") && r.out.contains("Show this help."), qPrintable(r.out));
        QVERIFY2(!r.out.contains("--help-all"), qPrintable(r.out));
    }

    void helpAnswersEverySpelling()
    {
        const QString help = runCli({"eval", "--help"}).out;
        QVERIFY(!help.isEmpty());
        for (const char *flag : {"-h", "-help"}) {
            const CliResult r = runCli({"eval", flag});
            QCOMPARE(r.exitCode, 0);
            QCOMPARE(r.out, help);
        }
    }

    void wrongArgumentCountsNameTheArgument()
    {
        CliResult r = runCli({"eval"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("momok eval: missing RUNDIR"), qPrintable(r.err));
        r = runCli({"explain", "run-a", "run-b"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("unexpected argument 'run-b' (momok explain takes RUNDIR)"), qPrintable(r.err));
        r = runCli({"info"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("momok info: missing DIR"), qPrintable(r.err));
        r = runCli({"make-teaching"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("missing OUTDIR"), qPrintable(r.err));
        r = runCli({"train", "stray"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("unexpected argument 'stray' (momok train takes no arguments)"), qPrintable(r.err));
        r = runCli({"runs", "--workspace", m_dir.filePath("none.momok"), "compare", "1", "2", "3"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("unexpected argument '3'"), qPrintable(r.err));
    }

    void missingOptionValueNamesTheOption()
    {
        const CliResult r = runCli({"train", "--dataset"});
        QCOMPARE(r.exitCode, kUsageError);
        QVERIFY2(r.err.contains("momok train: missing value after '--dataset'"), qPrintable(r.err));
    }

    // A GPU asked for is refused at once, before anything is written, never silently ignored.
    void aGpuIsRefusedNotIgnored()
    {
        const QString run = m_dir.filePath("gpu-run");
        const CliResult r = runCli({"train", "--dataset", QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"),
                                    "--preset", "quick-demo", "--device", "cuda:0", "--out", run});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("momok train: device cuda:0: ") && r.err.contains("use --device cpu"), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(run));
    }

    void unknownSplitListsTheAcceptedValues()
    {
        for (const char *command : {"eval", "explain"}) {
            // Checked before the run is opened: the folder need not exist.
            const CliResult r = runCli({command, m_dir.filePath("no-run"), "--split", "training"});
            QCOMPARE(r.exitCode, kUsageError);
            QVERIFY2(r.err.contains("--split: unknown split 'training' (accepted values: test, valid)"), qPrintable(r.err));
        }
    }

    // The option named for each setting is one the commands really register.
    void everySettingMapsToARegisteredOption()
    {
        QCOMPARE(momok::configOptionName("learning_rate"), QStringLiteral("--learning-rate"));
        QCOMPARE(momok::configOptionName("batch_size"), QStringLiteral("--batch-size"));
        QCOMPARE(momok::configOptionName("exid"), QStringLiteral("--no-exid"));
        QCOMPARE(momok::configOptionName("shared_relation_mask"), QStringLiteral("--shared-relation-mask"));
        QCOMPARE(momok::configOptionName("use_image"), QStringLiteral("--modalities"));
        const CliResult help = runCli({"train", "--help"});
        QCOMPARE(help.exitCode, 0);
        const QJsonObject keys = momok::ModelConfig().toJson();
        for (auto it = keys.begin(); it != keys.end(); ++it) {
            const QString option = momok::configOptionName(it.key());
            QVERIFY2(help.out.contains(QRegularExpression("\\s" + QRegularExpression::escape(option) + "\\b")),
                     qPrintable(it.key() + " → " + option));
        }
    }

    void invalidSettingsNameTheirOptions()
    {
        const QString out = m_dir.filePath("never-trained");
        CliResult r = runCli({"train", "--dataset", momok::fixtures::countriesDir(), "--out", out, "--learning-rate", "-1"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("--learning-rate: learning rate must be positive (is -1)"), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(out));

        // Several problems: one line each, each with its own option.
        r = runCli({"train", "--dataset", momok::fixtures::countriesDir(), "--out", out, "--batch-size", "0",
                    "--input-dropout", "1.5", "--modalities", ","});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("\n  --batch-size: batch size must be positive (is 0)"), qPrintable(r.err));
        QVERIFY2(r.err.contains("\n  --input-dropout: input dropout must be in [0, 1)"), qPrintable(r.err));
        QVERIFY2(r.err.contains("\n  --modalities: at least one decoder"), qPrintable(r.err));

        r = runCli({"train", "--dataset", momok::fixtures::countriesDir(), "--out", out, "--experts", "1"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("--experts: ExID needs at least 2 experts"), qPrintable(r.err));

        r = runCli({"bench", "--dataset", momok::fixtures::countriesDir(), "--lr-decay", "2"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("momok bench: invalid settings:\n  --lr-decay: "), qPrintable(r.err));

        r = runCli({"train", "--dataset", momok::fixtures::countriesDir(), "--out", out, "--modalities", "S,X"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("--modalities: unknown decoder 'X' (use S, I, T, joint)"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliParsing)
#include "tst_cli_parsing.moc"
