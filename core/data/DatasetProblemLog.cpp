#include "data/DatasetProblemLog.h"

#include "domain/Plural.h"

#include <algorithm>

namespace momok {

DatasetProblemLog::DatasetProblemLog(int maxPerGroup)
    : m_maxPerGroup(std::max(1, maxPerGroup))
{
}

void DatasetProblemLog::add(DatasetProblem::Severity severity, const QString &file, int line, const QString &reason,
                            const QString &group)
{
    const QString key = group.isEmpty() ? file : group;
    if (severity == DatasetProblem::Error) {
        ++m_errorCount;
        ++m_groupErrors[key];
    } else {
        ++m_warningCount;
    }
    int &listed = m_listedPerGroup[key];
    if (listed < m_maxPerGroup) {
        ++listed;
        m_listed.append({severity, file, line, reason});
        return;
    }
    auto it = m_overflow.find(key);
    if (it == m_overflow.end()) {
        it = m_overflow.insert(key, {});
        m_overflowOrder << key;
    }
    ++it->count;
    it->hasError = it->hasError || severity == DatasetProblem::Error;
}

QVector<DatasetProblem> DatasetProblemLog::problems() const
{
    QVector<DatasetProblem> out = m_listed;
    for (const QString &key : m_overflowOrder) {
        const Overflow &o = m_overflow[key];
        out.append({o.hasError ? DatasetProblem::Error : DatasetProblem::Warning, key, 0,
                    QStringLiteral("… and %1 in %2").arg(counted(o.count, QStringLiteral("more problem(s)")), key)});
    }
    return out;
}

} // namespace momok
