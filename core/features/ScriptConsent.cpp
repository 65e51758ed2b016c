#include "features/ScriptConsent.h"

#include <QMutex>

namespace momok {

namespace {
QMutex s_mutex;
ScriptConsent &gate()
{
    static ScriptConsent consent;
    return consent;
}
} // namespace

void setScriptConsent(ScriptConsent consent)
{
    QMutexLocker lock(&s_mutex);
    gate() = std::move(consent);
}

bool askScriptConsent(const ScriptToRun &script, QString *refusal)
{
    ScriptConsent consent;
    {
        QMutexLocker lock(&s_mutex);
        consent = gate();
    }
    // Asked outside the lock: the app's gate waits for the user.
    return !consent || consent(script, refusal);
}

} // namespace momok
