#pragma once
// The workspace's versioned schema: PRAGMA user_version counts the migrations
// applied, each migration moves the database forward by exactly one version.
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVector>

namespace momok {

struct SchemaMigration {
    int version = 0;     // user_version after this step
    QString description;
    QStringList statements; // one SQL statement each (QSqlQuery runs one at a time)
};

class WorkspaceSchema
{
public:
    // 'MMKS': marks the file as a MoMoK workspace (PRAGMA application_id).
    static constexpr int kApplicationId = 0x4D4D4B53;

    static const QVector<SchemaMigration> &migrations();
    static int currentVersion();

    // Reads only: user_version and application_id. False, with the reason, for a file that
    // is not SQLite, another application's database, or a newer schema than this build's.
    static bool checkCompatible(QSqlDatabase db, QString *error, int *version = nullptr);
    // Reads user_version and applies the missing steps, each in its own
    // transaction (a failed step leaves the database at the previous version).
    // Refuses databases newer than currentVersion() and SQLite files that belong
    // to another application.
    static bool migrate(QSqlDatabase db, QString *error);
};

} // namespace momok
