#pragma once
// The app's consent gate for TorchScript modules (see core/features/ScriptConsent.h): a
// module whose bytes the user has not allowed before is run only after they say so. The
// question is asked on the GUI thread (the loading worker waits for the answer; the UI
// does not); an allowed module's SHA-256 is remembered, so the same bytes are not asked
// about again, and changed bytes are.
#include <QMessageBox>
#include <QString>

#include <functional>

namespace momok::ui {

// Installs the gate. ask (for tests) replaces the question: it gets the module's path and
// returns the user's answer; by default a QMessageBox asks, parented to the active window.
void installScriptConsentPrompt(std::function<bool(const QString &path)> ask = {});

// The settings key holding the allowed modules' SHA-256 digests (hex).
inline constexpr const char *kTrustedScriptsKey = "security/trustedScripts";

} // namespace momok::ui
