#include "storage/SqlTransaction.h"

#include "runtime/CrashPoints.h"

#include <QSqlError>
#include <QSqlQuery>

namespace momok {

SqlTransaction::SqlTransaction(QSqlDatabase db)
    : m_db(std::move(db))
{
    m_active = exec("BEGIN IMMEDIATE");
    if (m_active)
        crashPoint("workspace.transaction-begun");
}

SqlTransaction::~SqlTransaction()
{
    rollback();
}

bool SqlTransaction::exec(const char *sql)
{
    QSqlQuery query(m_db);
    if (query.exec(QString::fromLatin1(sql)))
        return true;
    m_error = query.lastError().text();
    return false;
}

bool SqlTransaction::commit()
{
    if (!m_active)
        return false;
    crashPoint("workspace.before-commit");
    if (exec("COMMIT")) {
        m_active = false;
        crashPoint("workspace.committed");
        return true;
    }
    rollback();
    return false;
}

void SqlTransaction::rollback()
{
    if (!m_active)
        return;
    m_active = false;
    // Keeps the first error (the cause) rather than the rollback's.
    const QString cause = m_error;
    exec("ROLLBACK");
    if (!cause.isEmpty())
        m_error = cause;
}

} // namespace momok
