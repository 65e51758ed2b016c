#pragma once
// Collects a dataset's problems while it is read. Thousands of bad lines would bury the
// useful first few: each file (or group of files, e.g. all images) lists its first
// `maxPerGroup` problems and then one "… and M more problems in FILE" entry.
#include "data/DatasetReader.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

namespace momok {

class DatasetProblemLog
{
public:
    explicit DatasetProblemLog(int maxPerGroup = 10);

    // `group` defaults to `file`; problems of one group share the limit.
    void add(DatasetProblem::Severity severity, const QString &file, int line, const QString &reason,
             const QString &group = {});
    void error(const QString &file, int line, const QString &reason) { add(DatasetProblem::Error, file, line, reason); }
    void warning(const QString &file, int line, const QString &reason) { add(DatasetProblem::Warning, file, line, reason); }

    bool hasErrors() const { return m_errorCount > 0; }
    int errorCount() const { return m_errorCount; }
    int warningCount() const { return m_warningCount; } // all of them, listed or not
    // Errors recorded for one group so far, counting those left out of the list.
    int errorCount(const QString &group) const { return m_groupErrors.value(group); }

    // The listed problems followed by one summary entry per group that overflowed.
    QVector<DatasetProblem> problems() const;

private:
    struct Overflow {
        int count = 0;
        bool hasError = false;
    };
    int m_maxPerGroup;
    int m_errorCount = 0;
    int m_warningCount = 0;
    QVector<DatasetProblem> m_listed;
    QHash<QString, int> m_listedPerGroup;
    QHash<QString, int> m_groupErrors;
    QHash<QString, Overflow> m_overflow;
    QStringList m_overflowOrder;
};

} // namespace momok
