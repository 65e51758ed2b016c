#pragma once
// Loading a TorchScript module runs code from it (its methods and whatever they call) with
// the user's permissions. Every load (TorchScriptImageEncoder::load) first asks the
// process's consent gate with the file's path and the SHA-256 of its bytes, then loads
// those same bytes, so the answer covers exactly what runs. (Feature files, checkpoints and
// `.pt` feature matrices are data: their readers never run code from them.)
//
// The default gate allows every module. The command line installs one that names the file
// it runs (runCli); the app one that asks the user once per module (ScriptConsentPrompt).
// LibTorch-free, so that the UI can install its gate.
#include <QByteArray>
#include <QString>

#include <functional>

namespace momok {

struct ScriptToRun {
    QString path;
    QByteArray sha256; // raw digest of the bytes that will run
};

// True to run; false with *refusal set (why, shown to the user) to refuse. Called from
// whichever thread loads the module.
using ScriptConsent = std::function<bool(const ScriptToRun &script, QString *refusal)>;

void setScriptConsent(ScriptConsent consent);
bool askScriptConsent(const ScriptToRun &script, QString *refusal);

} // namespace momok
