// The app's consent gate for TorchScript modules (ScriptConsentPrompt): a module is run
// only after the user allows it, asked on the GUI thread while the loading worker waits;
// allowed bytes are not asked about again, changed bytes are, and a refusal is asked again
// next time. The real question box is shown and answered too.
#include "common/ScriptConsentPrompt.h"
#include "features/ScriptConsent.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCryptographicHash>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QtConcurrent>
#include <QtTest>

using namespace momok;

namespace {

momok::ScriptToRun script(const QString &path, const QByteArray &bytes)
{
    return {path, QCryptographicHash::hash(bytes, QCryptographicHash::Sha256)};
}

// Asks from a worker thread, as the app's loaders do, while this (GUI) thread runs events.
std::pair<bool, QString> askFromWorker(const momok::ScriptToRun &s)
{
    QFuture<std::pair<bool, QString>> answer = QtConcurrent::run([s] {
        QString refusal;
        const bool allowed = askScriptConsent(s, &refusal);
        return std::make_pair(allowed, refusal);
    });
    while (!answer.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return answer.result();
}

} // namespace

class TestScriptConsent : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("MoMoK-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_scriptconsent"));
        QSettings().clear();
    }

    void askedOncePerVersionOnTheGuiThread()
    {
        QStringList asked;
        bool answer = false;
        QThread *askedOn = nullptr;
        ui::installScriptConsentPrompt([&](const QString &path) {
            asked << path;
            askedOn = QThread::currentThread();
            return answer;
        });
        const auto v1 = script(QStringLiteral("/models/encoder.pt"), "version 1");

        // Refused: not run, said why, and asked again next time.
        auto [allowed, refusal] = askFromWorker(v1);
        QVERIFY(!allowed);
        QVERIFY2(refusal.contains("chose not to run"), qPrintable(refusal));
        QCOMPARE(asked, QStringList{"/models/encoder.pt"});
        QCOMPARE(askedOn, qApp->thread());

        answer = true;
        std::tie(allowed, refusal) = askFromWorker(v1);
        QVERIFY(allowed);
        QCOMPARE(asked.size(), 2);

        // Allowed bytes are remembered (across restarts: in the settings) …
        answer = false;
        std::tie(allowed, refusal) = askFromWorker(v1);
        QVERIFY(allowed);
        QCOMPARE(asked.size(), 2);
        QVERIFY(QSettings().value(QLatin1String(ui::kTrustedScriptsKey)).toStringList().contains(
            QString::fromLatin1(v1.sha256.toHex())));
        // … changed bytes under the same name are not.
        std::tie(allowed, refusal) = askFromWorker(script(QStringLiteral("/models/encoder.pt"), "version 2"));
        QVERIFY(!allowed);
        QCOMPARE(asked.size(), 3);
    }

    void theQuestionNamesTheFileAndDefaultsToNo()
    {
        ui::installScriptConsentPrompt(); // the real message box
        const auto s = script(QStringLiteral("/home/user/downloaded encoder.pt"), "some module");
        QString text, defaultButton;
        int boxes = 0;
        // Answer the box when it appears: first with Escape (the default, "Don't Run"), then "Run It".
        auto answer = [&](bool run) {
            QTimer::singleShot(50, [&, run] {
                auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
                if (!box)
                    return;
                ++boxes;
                text = box->text() + QLatin1Char('\n') + box->informativeText();
                defaultButton = box->defaultButton() ? box->defaultButton()->text() : QString();
                for (QAbstractButton *b : box->buttons())
                    if (run && b->text() == QLatin1String("Run It"))
                        b->click();
                if (!run)
                    QTest::keyClick(box, Qt::Key_Escape);
            });
        };
        answer(false);
        QVERIFY(!askFromWorker(s).first);
        QCOMPARE(boxes, 1);
        QVERIFY2(text.contains("/home/user/downloaded encoder.pt") && text.contains("runs its code"), qPrintable(text));
        QCOMPARE(defaultButton, QStringLiteral("Don't Run"));
        answer(true);
        QVERIFY(askFromWorker(s).first);
        QCOMPARE(boxes, 2);
    }
};

QTEST_MAIN(TestScriptConsent)
#include "tst_scriptconsent.moc"
