#include "storage/WorkspaceRecords.h"

#include <iterator>

namespace momok {

namespace {
// Order matches RunStatus; the same strings appear in the runs table's CHECK constraint.
const char *const kRunStatusNames[] = {"running", "finished", "cancelled", "failed", "interrupted"};
} // namespace

QString runStatusName(RunStatus status)
{
    return QString::fromLatin1(kRunStatusNames[int(status)]);
}

std::optional<RunStatus> runStatusFromName(const QString &name)
{
    for (int i = 0; i < int(std::size(kRunStatusNames)); ++i) {
        if (name == QLatin1String(kRunStatusNames[i]))
            return RunStatus(i);
    }
    return std::nullopt;
}

} // namespace momok
