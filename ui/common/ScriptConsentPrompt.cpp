#include "common/ScriptConsentPrompt.h"

#include "features/ScriptConsent.h"

#include <QApplication>
#include <QDir>
#include <QPushButton>
#include <QSettings>
#include <QThread>

#include <atomic>
#include <memory>

namespace momok::ui {

namespace {

bool askWithMessageBox(const QString &path)
{
    QMessageBox box(QApplication::activeWindow());
    box.setIcon(QMessageBox::Warning);
    box.setWindowTitle(QObject::tr("Run an image encoder?"));
    box.setText(QObject::tr("This run extracts its image features with a TorchScript module:\n%1")
                    .arg(QDir::toNativeSeparators(path)));
    box.setInformativeText(QObject::tr("A TorchScript module is a program: loading it runs its code with your "
                                       "permissions. Run it only if you trust where it came from. You are asked "
                                       "once for each version of the file."));
    QPushButton *run = box.addButton(QObject::tr("Run It"), QMessageBox::AcceptRole);
    QPushButton *dontRun = box.addButton(QObject::tr("Don't Run"), QMessageBox::RejectRole);
    box.setDefaultButton(dontRun);
    box.setEscapeButton(dontRun);
    box.exec();
    return box.clickedButton() == run;
}

} // namespace

void installScriptConsentPrompt(std::function<bool(const QString &path)> ask)
{
    if (!ask)
        ask = askWithMessageBox;
    // Once the app is quitting nothing answers a queued question, and the window's worker
    // pools wait for their threads: a module asked about from then on is refused.
    auto quitting = std::make_shared<std::atomic<bool>>(false);
    QObject::connect(qApp, &QCoreApplication::aboutToQuit, qApp, [quitting] { quitting->store(true); });
    setScriptConsent([ask, quitting](const ScriptToRun &script, QString *refusal) {
        if (quitting->load()) {
            if (refusal) *refusal = QObject::tr("the app is closing");
            return false;
        }
        const QString digest = QString::fromLatin1(script.sha256.toHex());
        bool allowed = false;
        auto decide = [&] {
            QSettings settings;
            QStringList trusted = settings.value(QLatin1String(kTrustedScriptsKey)).toStringList();
            allowed = trusted.contains(digest);
            if (!allowed && ask(script.path)) {
                allowed = true;
                trusted << digest;
                settings.setValue(QLatin1String(kTrustedScriptsKey), trusted);
            }
        };
        if (QThread::currentThread() == qApp->thread())
            decide();
        else
            QMetaObject::invokeMethod(qApp, decide, Qt::BlockingQueuedConnection);
        if (!allowed && refusal)
            *refusal = QObject::tr("you chose not to run it (it is asked again next time)");
        return allowed;
    });
}

} // namespace momok::ui
