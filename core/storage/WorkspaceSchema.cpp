#include "storage/WorkspaceSchema.h"

#include "storage/SqlTransaction.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace momok {

namespace {

// Version 1: datasets, entities, relations, runs with their epochs, evaluations
// and per-relation metrics. Never edit a released step: add a new one instead.
SchemaMigration version1()
{
    return {1, QStringLiteral("datasets, entities, relations, runs, epochs, evaluations, relation metrics"),
            {
                QStringLiteral("PRAGMA application_id = %1").arg(WorkspaceSchema::kApplicationId),
                QStringLiteral(
                    "CREATE TABLE datasets ("
                    " id INTEGER PRIMARY KEY,"
                    " path TEXT NOT NULL,"
                    " name TEXT NOT NULL,"
                    " format TEXT NOT NULL,"
                    " content_hash TEXT NOT NULL,"
                    " entity_count INTEGER NOT NULL DEFAULT 0,"
                    " relation_count INTEGER NOT NULL DEFAULT 0,"
                    " train_count INTEGER NOT NULL DEFAULT 0,"
                    " valid_count INTEGER NOT NULL DEFAULT 0,"
                    " test_count INTEGER NOT NULL DEFAULT 0,"
                    " imported_at TEXT NOT NULL,"
                    " UNIQUE (path, content_hash))"),
                // id is the rowid alias the full-text index refers to.
                QStringLiteral(
                    "CREATE TABLE entities ("
                    " id INTEGER PRIMARY KEY,"
                    " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
                    " entity_id INTEGER NOT NULL,"
                    " name TEXT NOT NULL,"
                    " display_name TEXT NOT NULL,"
                    " description TEXT NOT NULL DEFAULT '',"
                    " type TEXT NOT NULL DEFAULT '',"
                    " image_paths TEXT NOT NULL DEFAULT '[]',"
                    " has_image INTEGER NOT NULL DEFAULT 0,"
                    " has_text INTEGER NOT NULL DEFAULT 0,"
                    " UNIQUE (dataset_id, entity_id))"),
                QStringLiteral("CREATE INDEX entities_by_type ON entities(dataset_id, type)"),
                QStringLiteral(
                    "CREATE TABLE relations ("
                    " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
                    " id INTEGER NOT NULL,"
                    " name TEXT NOT NULL,"
                    " PRIMARY KEY (dataset_id, id))"),
                QStringLiteral(
                    "CREATE TABLE runs ("
                    " id INTEGER PRIMARY KEY,"
                    " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
                    " name TEXT NOT NULL,"
                    " config TEXT NOT NULL DEFAULT '{}',"
                    " status TEXT NOT NULL CHECK (status IN ('running','finished','cancelled','failed','interrupted')),"
                    " created_at TEXT NOT NULL,"
                    " started_at TEXT,"
                    " finished_at TEXT,"
                    " checkpoint_path TEXT,"
                    " best_checkpoint_path TEXT,"
                    " pid INTEGER,"
                    " host TEXT,"
                    " heartbeat_at TEXT,"
                    " test_metrics TEXT,"
                    " notes TEXT NOT NULL DEFAULT '')"),
                QStringLiteral("CREATE INDEX runs_by_dataset ON runs(dataset_id)"),
                QStringLiteral("CREATE INDEX runs_by_status ON runs(status)"),
                QStringLiteral(
                    "CREATE TABLE epochs ("
                    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                    " epoch INTEGER NOT NULL,"
                    " main_loss REAL,"
                    " bce_loss REAL,"
                    " mi_estimate REAL,"
                    " estimator_loss REAL,"
                    " lr REAL,"
                    " seconds REAL,"
                    " PRIMARY KEY (run_id, epoch))"),
                QStringLiteral(
                    "CREATE TABLE evaluations ("
                    " id INTEGER PRIMARY KEY,"
                    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                    " epoch INTEGER NOT NULL,"
                    " split TEXT NOT NULL,"
                    " mrr REAL, mr REAL, hits1 REAL, hits3 REAL, hits10 REAL,"
                    " seconds REAL,"
                    " report TEXT NOT NULL,"
                    " created_at TEXT NOT NULL)"),
                QStringLiteral("CREATE INDEX evaluations_by_run ON evaluations(run_id, split)"),
                // Realistic ranks per relation, decoder (S/I/T/joint/combined) and direction (both/tail/head).
                QStringLiteral(
                    "CREATE TABLE relation_metrics ("
                    " evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,"
                    " relation INTEGER NOT NULL,"
                    " relation_name TEXT NOT NULL DEFAULT '',"
                    " decoder TEXT NOT NULL,"
                    " direction TEXT NOT NULL,"
                    " mrr REAL, mr REAL, hits1 REAL, hits3 REAL, hits10 REAL,"
                    " count INTEGER NOT NULL DEFAULT 0,"
                    " PRIMARY KEY (evaluation_id, relation, decoder, direction))"),
            }};
}

// Version 2: full-text search over entities (answers the UI's search box as the
// user types) and the gate statistics of each evaluation.
SchemaMigration version2()
{
    return {2, QStringLiteral("entity full-text index, gate statistics"),
            {
                // External content: the text lives once, in entities; the triggers keep
                // the index in sync, including rows removed by ON DELETE CASCADE.
                // remove_diacritics lets "jurm" find "Jūrmala"; the prefix indexes make
                // the one- to three-letter prefixes typed first cheap.
                QStringLiteral(
                    "CREATE VIRTUAL TABLE entity_fts USING fts5("
                    " display_name, name, description,"
                    " content='entities', content_rowid='id',"
                    " tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"),
                QStringLiteral(
                    "CREATE TRIGGER entities_fts_insert AFTER INSERT ON entities BEGIN"
                    " INSERT INTO entity_fts(rowid, display_name, name, description)"
                    " VALUES (new.id, new.display_name, new.name, new.description);"
                    " END"),
                QStringLiteral(
                    "CREATE TRIGGER entities_fts_delete AFTER DELETE ON entities BEGIN"
                    " INSERT INTO entity_fts(entity_fts, rowid, display_name, name, description)"
                    " VALUES ('delete', old.id, old.display_name, old.name, old.description);"
                    " END"),
                QStringLiteral(
                    "CREATE TRIGGER entities_fts_update AFTER UPDATE OF display_name, name, description ON entities BEGIN"
                    " INSERT INTO entity_fts(entity_fts, rowid, display_name, name, description)"
                    " VALUES ('delete', old.id, old.display_name, old.name, old.description);"
                    " INSERT INTO entity_fts(rowid, display_name, name, description)"
                    " VALUES (new.id, new.display_name, new.name, new.description);"
                    " END"),
                // Indexes the entities imported before this version.
                QStringLiteral("INSERT INTO entity_fts(entity_fts) VALUES ('rebuild')"),
                QStringLiteral(
                    "CREATE TABLE gate_stats ("
                    " evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,"
                    " relation INTEGER NOT NULL,"
                    " relation_name TEXT NOT NULL DEFAULT '',"
                    " modality TEXT NOT NULL,"
                    " expert INTEGER NOT NULL,"
                    " mean_weight REAL NOT NULL,"
                    " query_count INTEGER NOT NULL DEFAULT 0,"
                    " PRIMARY KEY (evaluation_id, relation, modality, expert))"),
            }};
}

bool pragmaInt(QSqlDatabase db, const QString &pragma, int *value, QString *error)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA ") + pragma) || !query.next()) {
        if (error)
            *error = QStringLiteral("cannot read %1: %2").arg(pragma, query.lastError().text());
        return false;
    }
    *value = query.value(0).toInt();
    return true;
}

} // namespace

const QVector<SchemaMigration> &WorkspaceSchema::migrations()
{
    static const QVector<SchemaMigration> steps = {version1(), version2()};
    return steps;
}

int WorkspaceSchema::currentVersion()
{
    return migrations().constLast().version;
}

bool WorkspaceSchema::checkCompatible(QSqlDatabase db, QString *error, int *versionOut)
{
    int version = 0, applicationId = 0;
    if (!pragmaInt(db, QStringLiteral("user_version"), &version, error)
        || !pragmaInt(db, QStringLiteral("application_id"), &applicationId, error))
        return false;
    if (applicationId != 0 && applicationId != kApplicationId) {
        if (error)
            *error = QStringLiteral("not a MoMoK workspace (SQLite application id %1)").arg(applicationId);
        return false;
    }
    if (version > currentVersion()) {
        if (error)
            *error = QStringLiteral("the workspace has schema version %1, newer than this build of MoMoK Studio "
                                    "understands (up to %2); open it with a newer version")
                         .arg(version)
                         .arg(currentVersion());
        return false;
    }
    if (version == 0) {
        // A version-0 file with tables is some other application's database.
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !query.next()) {
            if (error)
                *error = query.lastError().text();
            return false;
        }
        if (query.value(0).toInt() > 0) {
            if (error)
                *error = QStringLiteral("not a MoMoK workspace (an SQLite database with other tables)");
            return false;
        }
    }
    if (versionOut)
        *versionOut = version;
    return true;
}

bool WorkspaceSchema::migrate(QSqlDatabase db, QString *error)
{
    int version = 0;
    if (!checkCompatible(db, error, &version))
        return false;

    for (const SchemaMigration &step : migrations()) {
        if (step.version <= version)
            continue;
        SqlTransaction tx(db);
        if (!tx.isActive()) {
            if (error)
                *error = QStringLiteral("cannot start migration to version %1: %2").arg(step.version).arg(tx.error());
            return false;
        }
        // Another process may have migrated between our read and the write lock.
        int now = 0;
        if (!pragmaInt(db, QStringLiteral("user_version"), &now, error))
            return false;
        if (now >= step.version) {
            version = now;
            continue;
        }
        QSqlQuery query(db);
        for (const QString &statement : step.statements) {
            if (!query.exec(statement)) {
                if (error)
                    *error = QStringLiteral("migration to version %1 (%2) failed: %3")
                                 .arg(step.version)
                                 .arg(step.description, query.lastError().text());
                return false;
            }
        }
        if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(step.version)) || !tx.commit()) {
            if (error)
                *error = QStringLiteral("migration to version %1 failed: %2")
                             .arg(step.version)
                             .arg(query.lastError().isValid() ? query.lastError().text() : tx.error());
            return false;
        }
        version = step.version;
    }
    return true;
}

} // namespace momok
