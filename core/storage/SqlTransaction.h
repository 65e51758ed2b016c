#pragma once
// A write transaction on one SQLite connection that rolls back unless committed,
// so an early return or failed statement never leaves half a multi-row write.
#include <QSqlDatabase>
#include <QString>

namespace momok {

class SqlTransaction
{
public:
    // Starts BEGIN IMMEDIATE: the write lock is taken up front, so a concurrent
    // writer waits in busy_timeout instead of failing later on lock upgrade.
    explicit SqlTransaction(QSqlDatabase db);
    ~SqlTransaction();
    SqlTransaction(const SqlTransaction &) = delete;
    SqlTransaction &operator=(const SqlTransaction &) = delete;

    bool isActive() const { return m_active; }
    const QString &error() const { return m_error; }
    bool commit();   // false (and rolled back) when COMMIT fails
    void rollback(); // no-op when not active

private:
    bool exec(const char *sql);

    QSqlDatabase m_db;
    bool m_active = false;
    QString m_error;
};

} // namespace momok
