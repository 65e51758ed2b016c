// A TorchScript image encoder is a program: `momok` names the file it runs (with the start
// of its SHA-256) on stderr every time it loads one, and only then runs it.
#include "CliRunner.h"

#include <torch/script.h>

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace momok::testing;

class TestCliScripts : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("MOMOK_CACHE_DIR", m_dir.filePath("cache").toUtf8()); // inherited by the CLI
    }

    void encoderFileIsNamedBeforeItRuns()
    {
        torch::jit::Module module("Encoder");
        module.define(R"JIT(
def forward(self, x):
    return x.mean(dim=[2, 3])
)JIT");
        const QString path = m_dir.filePath("my encoder.pt");
        module.save(path.toStdString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray digest = QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();

        const CliResult r = runCli({"features", QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"), "--out",
                                    m_dir.filePath("out"), "--image-encoder", path, "--encoder-size", "8", "--no-cache",
                                    "--quiet"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString said = QStringLiteral("momok: running the TorchScript module %1 (sha256 %2…): its code runs with "
                                            "your permissions")
                                 .arg(path, QString::fromLatin1(digest.left(16)));
        QVERIFY2(r.err.contains(said), qPrintable(r.err));
        QVERIFY(QFile::exists(m_dir.filePath("out/image_features.npy")));

        // Nothing to run, nothing said: a cached extraction does not load the module.
        const CliResult cached = runCli({"features", QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"),
                                         "--out", m_dir.filePath("out2"), "--image-encoder", path, "--encoder-size", "8",
                                         "--quiet"});
        QVERIFY2(cached.exitCode == 0, qPrintable(cached.err));
        const CliResult again = runCli({"features", QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"),
                                        "--out", m_dir.filePath("out3"), "--image-encoder", path, "--encoder-size", "8",
                                        "--quiet"});
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        QVERIFY2(!again.err.contains("running the TorchScript module"), qPrintable(again.err));
    }
};

QTEST_GUILESS_MAIN(TestCliScripts)
#include "tst_cli_scripts.moc"
