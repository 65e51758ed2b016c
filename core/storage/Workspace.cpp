#include "storage/Workspace.h"

#include "runtime/DiskSpace.h"

#include "storage/FtsQuery.h"
#include "storage/SqlTransaction.h"
#include "storage/WorkspaceSchema.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QSysInfo>
#include <QVariant>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include <signal.h>
#include <unistd.h>

namespace momok {

namespace {

std::atomic<int> s_connectionCounter{0};

QString nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QDateTime timeFrom(const QVariant &value)
{
    if (value.isNull())
        return {};
    // Stored with a 'Z' suffix, so the parsed time is UTC.
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

QString jsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject jsonObjectFrom(const QVariant &value)
{
    return QJsonDocument::fromJson(value.toString().toUtf8()).object();
}

QVariant nullable(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

bool fail(QString *error, const QString &context, const QString &detail)
{
    if (error)
        *error = detail.isEmpty() ? context : context + QStringLiteral(": ") + detail;
    return false;
}

bool fail(QString *error, const QString &context, const QSqlQuery &query)
{
    return fail(error, context, query.lastError().text());
}

// A failed write on a nearly full disk says so: SQLite's own words for it ("database or
// disk is full", or "disk I/O error" when it cannot even create its -wal file) do not. A
// write that waited the whole busy timeout for another writer says that.
bool failOn(const QString &workspacePath, QString *error, const QString &context, const QString &detail)
{
    fail(error, context, detail);
    if (!error)
        return false;
    *error += diskFullNote(workspacePath);
    if (detail.contains(QLatin1String("database is locked")))
        *error += QStringLiteral("; another program has been writing to this workspace for over %1 s: try again "
                                 "when it has finished")
                      .arg(Workspace::kBusyTimeoutMs / 1000);
    return false;
}

bool failOn(const QString &workspacePath, QString *error, const QString &context, const QSqlQuery &query)
{
    return failOn(workspacePath, error, context, query.lastError().text());
}

// The first column of every row a query for one dataset returns, as text; empty when the
// query fails (the callers list names for display, where nothing is the honest answer).
QStringList textColumnForDataset(const QSqlDatabase &db, const QString &sql, qint64 datasetId)
{
    QStringList out;
    QSqlQuery q(db);
    q.prepare(sql);
    q.addBindValue(datasetId);
    if (q.exec()) {
        while (q.next())
            out << q.value(0).toString();
    }
    return out;
}

// kill(pid, 0) probes without signalling; EPERM means the process exists under
// another user, so only ESRCH proves it is gone.
bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    return ::kill(pid_t(pid), 0) == 0 || errno != ESRCH;
}

QString hostName()
{
    return QSysInfo::machineHostName();
}

// Workspaces and checkpoints kept inside a dataset folder must not change its hash.
bool excludedFromHash(const QString &relativePath)
{
    for (const QString &part : relativePath.split(QLatin1Char('/'))) {
        if (part.startsWith(QLatin1Char('.')))
            return true;
    }
    static const char *const kSuffixes[] = {"-wal", "-shm", "-journal", ".sqlite", ".sqlite3", ".db", ".pt"};
    for (const char *suffix : kSuffixes) {
        if (relativePath.endsWith(QLatin1String(suffix), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

const char *const kDirections[] = {"both", "tail", "head"};

const std::array<RankMetricsTriple, kDecoderCount> &direction(const DirectionalMetrics &m, int d)
{
    return d == 0 ? m.both : d == 1 ? m.tail : m.head;
}

RunRecord runFrom(const QSqlQuery &q)
{
    RunRecord r;
    r.id = q.value(0).toLongLong();
    r.datasetId = q.value(1).toLongLong();
    r.datasetName = q.value(2).toString();
    r.name = q.value(3).toString();
    r.config = jsonObjectFrom(q.value(4));
    r.status = runStatusFromName(q.value(5).toString()).value_or(RunStatus::Failed);
    r.createdAt = timeFrom(q.value(6));
    r.startedAt = timeFrom(q.value(7));
    r.finishedAt = timeFrom(q.value(8));
    r.heartbeatAt = timeFrom(q.value(9));
    r.checkpointPath = q.value(10).toString();
    r.bestCheckpointPath = q.value(11).toString();
    r.pid = q.value(12).toLongLong();
    r.host = q.value(13).toString();
    r.finalMetrics = jsonObjectFrom(q.value(14));
    r.notes = q.value(15).toString();
    r.epochCount = q.value(16).toInt();
    if (!q.value(17).isNull())
        r.bestValidMrr = q.value(17).toDouble();
    if (!q.value(18).isNull())
        r.testMrr = q.value(18).toDouble();
    else if (r.finalMetrics.value(QLatin1String("mrr")).isDouble())
        r.testMrr = r.finalMetrics.value(QLatin1String("mrr")).toDouble();
    return r;
}

const char *const kRunColumns =
    "SELECT r.id, r.dataset_id, d.name, r.name, r.config, r.status, r.created_at, r.started_at,"
    " r.finished_at, r.heartbeat_at, r.checkpoint_path, r.best_checkpoint_path, r.pid, r.host,"
    " r.test_metrics, r.notes,"
    " (SELECT count(*) FROM epochs e WHERE e.run_id = r.id),"
    " (SELECT max(v.mrr) FROM evaluations v WHERE v.run_id = r.id AND v.split = 'valid'),"
    " (SELECT v.mrr FROM evaluations v WHERE v.run_id = r.id AND v.split = 'test' ORDER BY v.id DESC LIMIT 1)"
    " FROM runs r JOIN datasets d ON d.id = r.dataset_id";

DatasetRecord datasetFrom(const QSqlQuery &q)
{
    DatasetRecord d;
    d.id = q.value(0).toLongLong();
    d.path = q.value(1).toString();
    d.name = q.value(2).toString();
    d.format = q.value(3).toString();
    d.contentHash = q.value(4).toString();
    d.entityCount = q.value(5).toLongLong();
    d.relationCount = q.value(6).toLongLong();
    d.trainCount = q.value(7).toLongLong();
    d.validCount = q.value(8).toLongLong();
    d.testCount = q.value(9).toLongLong();
    d.importedAt = timeFrom(q.value(10));
    return d;
}

// Columns: entity_id, name, display_name, description, type, image_paths, has_image, has_text, score.
EntityHit entityFrom(const QSqlQuery &q)
{
    EntityHit h;
    h.entityId = q.value(0).toLongLong();
    h.name = q.value(1).toString();
    h.displayName = q.value(2).toString();
    h.description = q.value(3).toString();
    h.type = q.value(4).toString();
    for (const QJsonValue &v : QJsonDocument::fromJson(q.value(5).toString().toUtf8()).array())
        h.imagePaths << v.toString();
    h.hasImage = q.value(6).toBool();
    h.hasText = q.value(7).toBool();
    h.score = q.value(8).toDouble();
    return h;
}

const char *const kDatasetColumns =
    "SELECT id, path, name, format, content_hash, entity_count, relation_count,"
    " train_count, valid_count, test_count, imported_at FROM datasets";

} // namespace

Workspace::Workspace(const QString &path, const QString &connectionName)
    : m_path(path)
    , m_connectionName(connectionName)
{
}

Workspace::~Workspace()
{
    if (m_db.isOpen())
        m_db.close();
    // The handle must be released before the connection can be removed.
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

std::unique_ptr<Workspace> Workspace::open(const QString &path, QString *error)
{
    return open(path, error, OpenMode::Migrate);
}

std::unique_ptr<Workspace> Workspace::open(const QString &path, QString *error, OpenMode mode)
{
    const QFileInfo info(path);
    if (path.isEmpty() || info.isDir()) {
        fail(error, QStringLiteral("not a workspace file: '%1'").arg(path), QString());
        return nullptr;
    }
    if (mode == OpenMode::RequireCurrent && !info.isFile()) {
        fail(error, QStringLiteral("no workspace at %1").arg(path), QString());
        return nullptr;
    }
    if (!QDir().mkpath(info.absolutePath())) {
        fail(error, QStringLiteral("cannot create the folder %1").arg(info.absolutePath()), QString());
        return nullptr;
    }
    // SQLite in WAL mode writes the file and its -wal and -shm files beside it.
    if (info.exists() && !info.isWritable()) {
        fail(error, QStringLiteral("cannot open workspace %1").arg(info.absoluteFilePath()),
             QStringLiteral("the file is read-only; copy it somewhere writable or change its permissions"));
        return nullptr;
    }
    if (!QFileInfo(info.absolutePath()).isWritable()) {
        fail(error, QStringLiteral("cannot open workspace %1").arg(info.absoluteFilePath()),
             QStringLiteral("its folder is not writable (a workspace keeps its -wal and -shm files beside it)"));
        return nullptr;
    }
    const QString connection = QStringLiteral("momok-workspace-%1").arg(s_connectionCounter.fetch_add(1));
    std::unique_ptr<Workspace> ws(new Workspace(info.absoluteFilePath(), connection));
    ws->m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
    if (!ws->m_db.isValid()) {
        fail(error, QStringLiteral("Qt's SQLite driver (QSQLITE) is not available"), QString());
        return nullptr;
    }
    ws->m_db.setDatabaseName(ws->m_path);
    ws->m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs));
    if (!ws->m_db.open()) {
        failOn(ws->m_path, error, QStringLiteral("cannot open %1").arg(ws->m_path), ws->m_db.lastError().text());
        return nullptr;
    }
    // Checked before configure(), whose PRAGMA journal_mode writes to a file not yet in WAL mode.
    if (mode == OpenMode::RequireCurrent && ws->schemaVersion() != WorkspaceSchema::currentVersion()) {
        failOn(ws->m_path, error, QStringLiteral("cannot open workspace %1").arg(ws->m_path),
             QStringLiteral("its schema version %1 is not this build's %2 (open it to migrate it first)")
                 .arg(ws->schemaVersion())
                 .arg(WorkspaceSchema::currentVersion()));
        return nullptr;
    }
    QString why;
    // Read-only checks first: a file that is not a workspace, or one of a newer schema, is
    // refused before configure() switches its journal mode (a write).
    if (mode == OpenMode::Migrate && info.exists() && !WorkspaceSchema::checkCompatible(ws->m_db, &why)) {
        failOn(ws->m_path, error, QStringLiteral("cannot open workspace %1").arg(ws->m_path), why);
        return nullptr;
    }
    if (!ws->configure(&why)) {
        failOn(ws->m_path, error, QStringLiteral("cannot open workspace %1").arg(ws->m_path), why);
        return nullptr;
    }
    if (mode == OpenMode::RequireCurrent)
        return ws;
    if (!WorkspaceSchema::migrate(ws->m_db, &why)) {
        failOn(ws->m_path, error, QStringLiteral("cannot open workspace %1").arg(ws->m_path), why);
        return nullptr;
    }
    ws->m_interruptedOnOpen = ws->markInterruptedRuns();
    return ws;
}

bool Workspace::configure(QString *error)
{
    QSqlQuery q(m_db);
    // foreign_keys is per connection and off by default in SQLite.
    if (!q.exec(QStringLiteral("PRAGMA foreign_keys = ON")))
        return failOn(m_path, error, QStringLiteral("PRAGMA foreign_keys"), q);
    if (!q.exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(kBusyTimeoutMs)))
        return failOn(m_path, error, QStringLiteral("PRAGMA busy_timeout"), q);
    // WAL: readers (the UI) never block the trainer's writes, and a killed writer
    // leaves only an uncommitted tail that the next open ignores.
    if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !q.next())
        return failOn(m_path, error, QStringLiteral("PRAGMA journal_mode"), q);
    if (q.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        return failOn(m_path, error, QStringLiteral("the database refused write-ahead logging"), q.value(0).toString());
    // NORMAL is durable across process crashes in WAL mode; only power loss may drop the last commits.
    if (!q.exec(QStringLiteral("PRAGMA synchronous = NORMAL")))
        return failOn(m_path, error, QStringLiteral("PRAGMA synchronous"), q);
    return true;
}

int Workspace::schemaVersion() const
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

bool Workspace::checkIntegrity(QString *details) const
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA integrity_check")))
        return fail(details, QStringLiteral("integrity_check"), q);
    QStringList problems;
    while (q.next()) {
        const QString line = q.value(0).toString();
        if (line != QLatin1String("ok"))
            problems << line;
    }
    q.finish();
    if (!problems.isEmpty())
        return fail(details, problems.join(QLatin1Char('\n')), QString());
    // Also compares the full-text index with the entities table it indexes.
    if (!q.exec(QStringLiteral("INSERT INTO entity_fts(entity_fts) VALUES ('integrity-check')")))
        return fail(details, QStringLiteral("full-text index"), q);
    if (details)
        *details = QStringLiteral("ok");
    return true;
}

QString Workspace::contentHash(const QString &datasetDir, QString *error)
{
    const QDir root(datasetDir);
    if (!root.exists()) {
        fail(error, QStringLiteral("no such folder: %1").arg(datasetDir), QString());
        return {};
    }
    QStringList files;
    QDirIterator it(root.absolutePath(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories | QDirIterator::FollowSymlinks);
    while (it.hasNext()) {
        const QString relative = root.relativeFilePath(it.next());
        if (!excludedFromHash(relative))
            files << relative;
    }
    // Byte order of the UTF-16 names: independent of locale and of directory order.
    std::sort(files.begin(), files.end());

    static const QByteArray kSqliteMagic("SQLite format 3\0", 16);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QString &relative : files) {
        QFile file(root.filePath(relative));
        if (!file.open(QIODevice::ReadOnly)) {
            fail(error, QStringLiteral("cannot read %1").arg(file.fileName()), file.errorString());
            return {};
        }
        if (file.peek(16) == kSqliteMagic)
            continue; // a workspace under another name
        // Name and size delimit the files, so moving bytes between files changes the hash.
        hash.addData(relative.toUtf8());
        hash.addData(QByteArray(1, '\0'));
        hash.addData(QByteArray::number(file.size()));
        hash.addData(QByteArray(1, '\0'));
        if (!hash.addData(&file)) {
            fail(error, QStringLiteral("cannot read %1").arg(file.fileName()), file.errorString());
            return {};
        }
    }
    return QString::fromLatin1(hash.result().toHex());
}

// ---------------------------------------------------------------- datasets

QString Workspace::folderPath(const QString &dir)
{
    const QFileInfo info(dir);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

bool Workspace::importDataset(const KgDataset &dataset, const QString &contentHash, qint64 *datasetId, QString *error)
{
    const QString path = folderPath(dataset.directory);
    const QString now = nowText();

    SqlTransaction tx(m_db);
    if (!tx.isActive())
        return failOn(m_path, error, QStringLiteral("cannot start the import"), tx.error());

    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT id FROM datasets WHERE path = ? AND content_hash = ?"));
    q.addBindValue(path);
    q.addBindValue(contentHash);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot look the dataset up"), q);
    qint64 id = q.next() ? q.value(0).toLongLong() : -1;
    q.finish();

    const QVariantList counts = {qint64(dataset.entityCount()), qint64(dataset.relationCount()),
                                 qint64(dataset.train.size()), qint64(dataset.valid.size()),
                                 qint64(dataset.test.size())};
    if (id >= 0) {
        q.prepare(QStringLiteral("UPDATE datasets SET name = ?, format = ?, entity_count = ?, relation_count = ?,"
                                 " train_count = ?, valid_count = ?, test_count = ?, imported_at = ? WHERE id = ?"));
    } else {
        q.prepare(QStringLiteral("INSERT INTO datasets (name, format, entity_count, relation_count, train_count,"
                                 " valid_count, test_count, imported_at, path, content_hash)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    }
    q.addBindValue(QFileInfo(path).fileName()); // of the cleaned path: "data/geo/" names "geo"
    q.addBindValue(formatName(dataset.format));
    for (const QVariant &count : counts)
        q.addBindValue(count);
    q.addBindValue(now);
    if (id >= 0) {
        q.addBindValue(id);
    } else {
        q.addBindValue(path);
        q.addBindValue(contentHash);
    }
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot store the dataset"), q);
    if (id < 0)
        id = q.lastInsertId().toLongLong();

    // Null QStrings bind as SQL NULL: COALESCE stores them as empty text.
    // Upserts keep row ids (and so the full-text index) stable on re-import;
    // the WHERE clauses skip rewriting rows that did not change.
    QSqlQuery rel(m_db);
    rel.prepare(QStringLiteral("INSERT INTO relations (dataset_id, id, name) VALUES (?, ?, COALESCE(?, ''))"
                               " ON CONFLICT (dataset_id, id) DO UPDATE SET name = excluded.name"
                               " WHERE name IS NOT excluded.name"));
    for (int r = 0; r < dataset.relationNames.size(); ++r) {
        rel.bindValue(0, id);
        rel.bindValue(1, r);
        rel.bindValue(2, dataset.relationNames[r]);
        if (!rel.exec())
            return failOn(m_path, error, QStringLiteral("cannot store relation %1").arg(dataset.relationNames[r]), rel);
    }
    QSqlQuery ent(m_db);
    ent.prepare(QStringLiteral(
        "INSERT INTO entities (dataset_id, entity_id, name, display_name, description, type, image_paths,"
        " has_image, has_text) VALUES (?, ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), ?, ?, ?)"
        " ON CONFLICT (dataset_id, entity_id) DO UPDATE SET name = excluded.name,"
        " display_name = excluded.display_name, description = excluded.description, type = excluded.type,"
        " image_paths = excluded.image_paths, has_image = excluded.has_image, has_text = excluded.has_text"
        " WHERE name IS NOT excluded.name OR display_name IS NOT excluded.display_name"
        " OR description IS NOT excluded.description OR type IS NOT excluded.type"
        " OR image_paths IS NOT excluded.image_paths"));
    for (int e = 0; e < dataset.entities.size(); ++e) {
        const EntityInfo &info = dataset.entities[e];
        const QString display =
            info.displayName.isEmpty() ? QString(info.name).replace(QLatin1Char('_'), QLatin1Char(' ')) : info.displayName;
        ent.bindValue(0, id);
        ent.bindValue(1, e);
        ent.bindValue(2, info.name);
        ent.bindValue(3, display);
        ent.bindValue(4, info.description);
        ent.bindValue(5, info.type);
        ent.bindValue(6, QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(info.imagePaths)).toJson(QJsonDocument::Compact)));
        ent.bindValue(7, info.imagePaths.isEmpty() ? 0 : 1);
        ent.bindValue(8, info.description.trimmed().isEmpty() ? 0 : 1);
        if (!ent.exec())
            return failOn(m_path, error, QStringLiteral("cannot store entity %1").arg(info.name), ent);
    }
    // Rows past the current counts belong to an earlier reading of the same content.
    QSqlQuery trim(m_db);
    trim.prepare(QStringLiteral("DELETE FROM relations WHERE dataset_id = ? AND id >= ?"));
    trim.addBindValue(id);
    trim.addBindValue(qint64(dataset.relationNames.size()));
    if (!trim.exec())
        return failOn(m_path, error, QStringLiteral("cannot remove stale relations"), trim);
    trim.prepare(QStringLiteral("DELETE FROM entities WHERE dataset_id = ? AND entity_id >= ?"));
    trim.addBindValue(id);
    trim.addBindValue(qint64(dataset.entities.size()));
    if (!trim.exec())
        return failOn(m_path, error, QStringLiteral("cannot remove stale entities"), trim);

    if (!tx.commit())
        return failOn(m_path, error, QStringLiteral("cannot commit the import"), tx.error());
    if (datasetId)
        *datasetId = id;
    return true;
}

QVector<DatasetRecord> Workspace::datasets() const
{
    QVector<DatasetRecord> out;
    QSqlQuery q(m_db);
    if (!q.exec(QLatin1String(kDatasetColumns) + QStringLiteral(" ORDER BY id")))
        return out;
    while (q.next())
        out << datasetFrom(q);
    return out;
}

std::optional<DatasetRecord> Workspace::dataset(qint64 datasetId) const
{
    QSqlQuery q(m_db);
    q.prepare(QLatin1String(kDatasetColumns) + QStringLiteral(" WHERE id = ?"));
    q.addBindValue(datasetId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return datasetFrom(q);
}

QStringList Workspace::relationNames(qint64 datasetId) const
{
    return textColumnForDataset(m_db, QStringLiteral("SELECT name FROM relations WHERE dataset_id = ? ORDER BY id"),
                                datasetId);
}

bool Workspace::deleteDataset(qint64 datasetId, QString *error)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM datasets WHERE id = ?"));
    q.addBindValue(datasetId);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot delete dataset %1").arg(datasetId), q);
    if (q.numRowsAffected() != 1)
        return failOn(m_path, error, QStringLiteral("no dataset %1").arg(datasetId), QString());
    return true;
}

QVector<EntityHit> Workspace::searchEntities(qint64 datasetId, const QString &query, int limit,
                                             const QString &typeFilter, int modalityFilter, QString *error) const
{
    QVector<EntityHit> hits;
    const QString match = FtsQuery::prefixQuery(query);
    QString filters;
    if (!typeFilter.isEmpty())
        filters += QStringLiteral(" AND e.type = ?");
    if (modalityFilter & kRequireImage)
        filters += QStringLiteral(" AND e.has_image = 1");
    if (modalityFilter & kRequireText)
        filters += QStringLiteral(" AND e.has_text = 1");

    const QString columns = QStringLiteral(
        "SELECT e.entity_id, e.name, e.display_name, e.description, e.type, e.image_paths, e.has_image, e.has_text, ");
    QSqlQuery q(m_db);
    if (match.isEmpty()) {
        q.prepare(columns + QStringLiteral("0.0 FROM entities e WHERE e.dataset_id = ?") + filters
                  + QStringLiteral(" ORDER BY e.display_name COLLATE NOCASE, e.entity_id LIMIT ?"));
    } else {
        // Display names weigh most; among equal scores the shorter (closer) name first.
        q.prepare(columns + QStringLiteral("bm25(entity_fts, 10.0, 4.0, 1.0) AS score"
                                           " FROM entity_fts JOIN entities e ON e.id = entity_fts.rowid"
                                           " WHERE entity_fts MATCH ? AND e.dataset_id = ?")
                  + filters + QStringLiteral(" ORDER BY score, length(e.display_name), e.entity_id LIMIT ?"));
        q.addBindValue(match);
    }
    q.addBindValue(datasetId);
    if (!typeFilter.isEmpty())
        q.addBindValue(typeFilter);
    q.addBindValue(limit > 0 ? limit : -1);
    if (!q.exec()) {
        failOn(m_path, error, QStringLiteral("entity search failed"), q);
        return hits;
    }
    while (q.next())
        hits << entityFrom(q);
    return hits;
}

std::optional<EntityHit> Workspace::entity(qint64 datasetId, qint64 entityId) const
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT e.entity_id, e.name, e.display_name, e.description, e.type, e.image_paths,"
                             " e.has_image, e.has_text, 0.0 FROM entities e WHERE e.dataset_id = ? AND e.entity_id = ?"));
    q.addBindValue(datasetId);
    q.addBindValue(entityId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return entityFrom(q);
}

QStringList Workspace::entityTypes(qint64 datasetId) const
{
    return textColumnForDataset(
        m_db, QStringLiteral("SELECT DISTINCT type FROM entities WHERE dataset_id = ? AND type <> '' ORDER BY type"),
        datasetId);
}

// ---------------------------------------------------------------- runs

qint64 Workspace::beginRun(qint64 datasetId, const QString &name, const QJsonObject &config, QString *error)
{
    const QString now = nowText();
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO runs (dataset_id, name, config, status, created_at, started_at, pid, host,"
                             " heartbeat_at) VALUES (?, COALESCE(?, ''), ?, 'running', ?, ?, ?, ?, ?)"));
    q.addBindValue(datasetId);
    q.addBindValue(name);
    q.addBindValue(jsonText(config));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(qint64(::getpid()));
    q.addBindValue(hostName());
    q.addBindValue(now);
    if (!q.exec()) {
        failOn(m_path, error, QStringLiteral("cannot start run '%1' on dataset %2").arg(name).arg(datasetId), q);
        return -1;
    }
    return q.lastInsertId().toLongLong();
}

bool Workspace::recordEpoch(qint64 runId, const EpochRecord &record, QString *error)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral(
        "INSERT INTO epochs (run_id, epoch, main_loss, bce_loss, mi_estimate, estimator_loss, lr, seconds)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, epoch) DO UPDATE SET"
        " main_loss = excluded.main_loss, bce_loss = excluded.bce_loss, mi_estimate = excluded.mi_estimate,"
        " estimator_loss = excluded.estimator_loss, lr = excluded.lr, seconds = excluded.seconds"));
    q.addBindValue(runId);
    q.addBindValue(record.epoch);
    q.addBindValue(record.mainLoss);
    q.addBindValue(record.bceLoss);
    q.addBindValue(record.miEstimate);
    q.addBindValue(record.estimatorLoss);
    q.addBindValue(record.learningRate);
    q.addBindValue(record.seconds);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot record epoch %1 of run %2").arg(record.epoch).arg(runId), q);
    return true;
}

bool Workspace::recordEvaluation(qint64 runId, const EvaluationReport &report, QString *error, qint64 *evaluationId)
{
    const GateStatistics &gates = report.gates;
    if (gates.meanWeight.size() != qsizetype(gates.relations) * gates.modalities * gates.experts)
        return failOn(m_path, error, QStringLiteral("inconsistent gate statistics: %1 weights for %2 relations x %3 modalities x %4 experts")
                               .arg(gates.meanWeight.size()).arg(gates.relations).arg(gates.modalities).arg(gates.experts),
                    QString());

    SqlTransaction tx(m_db);
    if (!tx.isActive())
        return failOn(m_path, error, QStringLiteral("cannot start writing the evaluation"), tx.error());

    const RankMetrics &head = report.headline();
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO evaluations (run_id, epoch, split, mrr, mr, hits1, hits3, hits10, seconds,"
                             " report, created_at) VALUES (?, ?, COALESCE(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(runId);
    q.addBindValue(report.epoch);
    q.addBindValue(report.splitKey());
    q.addBindValue(head.mrr);
    q.addBindValue(head.mr);
    q.addBindValue(head.hits1);
    q.addBindValue(head.hits3);
    q.addBindValue(head.hits10);
    q.addBindValue(report.seconds);
    q.addBindValue(jsonText(report.toJson()));
    q.addBindValue(nowText());
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot record the %1 evaluation of run %2").arg(report.split ? splitName(*report.split) : QStringLiteral("unnamed")).arg(runId), q);
    const qint64 id = q.lastInsertId().toLongLong();

    QSqlQuery rel(m_db);
    rel.prepare(QStringLiteral("INSERT INTO relation_metrics (evaluation_id, relation, relation_name, decoder, direction,"
                               " mrr, mr, hits1, hits3, hits10, count) VALUES (?, ?, COALESCE(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const RelationReport &r : report.relations) {
        for (int dir = 0; dir < 3; ++dir) {
            for (int d = 0; d < kDecoderCount; ++d) {
                const RankMetrics &m = direction(r.metrics, dir)[d].realistic;
                rel.bindValue(0, id);
                rel.bindValue(1, qint64(r.relation));
                rel.bindValue(2, r.name);
                rel.bindValue(3, decoderKey(Decoder(d)));
                rel.bindValue(4, QLatin1String(kDirections[dir]));
                rel.bindValue(5, m.mrr);
                rel.bindValue(6, m.mr);
                rel.bindValue(7, m.hits1);
                rel.bindValue(8, m.hits3);
                rel.bindValue(9, m.hits10);
                rel.bindValue(10, qint64(m.count));
                if (!rel.exec())
                    return failOn(m_path, error, QStringLiteral("cannot record the metrics of relation %1").arg(r.name), rel);
            }
        }
    }

    QSqlQuery gate(m_db);
    gate.prepare(QStringLiteral("INSERT INTO gate_stats (evaluation_id, relation, relation_name, modality, expert,"
                                " mean_weight, query_count) VALUES (?, ?, COALESCE(?, ''), ?, ?, ?, ?)"));
    for (int r = 0; r < gates.relations; ++r) {
        for (int m = 0; m < gates.modalities; ++m) {
            const QString modality = m < 3 ? decoderKey(Decoder(m)) : QString::number(m);
            for (int e = 0; e < gates.experts; ++e) {
                gate.bindValue(0, id);
                gate.bindValue(1, r);
                gate.bindValue(2, gates.relationNames.value(r));
                gate.bindValue(3, modality);
                gate.bindValue(4, e);
                gate.bindValue(5, gates.at(r, m, e));
                gate.bindValue(6, qint64(gates.queryCount.value(r)));
                if (!gate.exec())
                    return failOn(m_path, error, QStringLiteral("cannot record the gate statistics of relation %1").arg(r), gate);
            }
        }
    }
    if (!tx.commit())
        return failOn(m_path, error, QStringLiteral("cannot commit the evaluation"), tx.error());
    if (evaluationId)
        *evaluationId = id;
    return true;
}

bool Workspace::setRunStatus(qint64 runId, RunStatus status, QString *error)
{
    const QString now = nowText();
    QSqlQuery q(m_db);
    if (status == RunStatus::Running) {
        q.prepare(QStringLiteral("UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?),"
                                 " finished_at = NULL, pid = ?, host = ?, heartbeat_at = ? WHERE id = ?"));
        q.addBindValue(now);
        q.addBindValue(qint64(::getpid()));
        q.addBindValue(hostName());
        q.addBindValue(now);
    } else {
        q.prepare(QStringLiteral("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?"));
        q.addBindValue(runStatusName(status));
        q.addBindValue(now);
    }
    q.addBindValue(runId);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot set the status of run %1").arg(runId), q);
    if (q.numRowsAffected() != 1)
        return fail(error, QStringLiteral("no run %1").arg(runId), QString());
    return true;
}

namespace {

bool updateRunColumn(const QSqlDatabase &db, qint64 runId, const char *column, const QVariant &value, QString *error)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE runs SET %1 = ? WHERE id = ?").arg(QLatin1String(column)));
    q.addBindValue(value);
    q.addBindValue(runId);
    if (!q.exec())
        return failOn(db.databaseName(), error, QStringLiteral("cannot update %1 of run %2").arg(QLatin1String(column)).arg(runId), q);
    if (q.numRowsAffected() != 1)
        return fail(error, QStringLiteral("no run %1").arg(runId), QString());
    return true;
}

} // namespace

bool Workspace::setCheckpoint(qint64 runId, const QString &path, bool best, QString *error)
{
    return updateRunColumn(m_db, runId, best ? "best_checkpoint_path" : "checkpoint_path", nullable(path), error);
}

bool Workspace::setFinalMetrics(qint64 runId, const QJsonObject &metrics, QString *error)
{
    return updateRunColumn(m_db, runId, "test_metrics", jsonText(metrics), error);
}

bool Workspace::setRunConfig(qint64 runId, const QJsonObject &config, QString *error)
{
    return updateRunColumn(m_db, runId, "config", jsonText(config), error);
}

bool Workspace::discardProgressAfter(qint64 runId, int epoch, QString *error)
{
    SqlTransaction tx(m_db);
    if (!tx.isActive())
        return failOn(m_path, error, QStringLiteral("cannot start discarding the progress of run %1").arg(runId), tx.error());
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM epochs WHERE run_id = ? AND epoch > ?"));
    q.addBindValue(runId);
    q.addBindValue(epoch);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot discard the epochs of run %1 after epoch %2").arg(runId).arg(epoch), q);
    // Their per-relation metrics and gate statistics go with them (ON DELETE CASCADE).
    q.prepare(QStringLiteral("DELETE FROM evaluations WHERE run_id = ? AND (epoch > ? OR split <> 'valid')"));
    q.addBindValue(runId);
    q.addBindValue(epoch);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot discard the evaluations of run %1 after epoch %2").arg(runId).arg(epoch), q);
    if (!tx.commit())
        return failOn(m_path, error, QStringLiteral("cannot commit discarding the progress of run %1").arg(runId), tx.error());
    return true;
}

bool Workspace::setNotes(qint64 runId, const QString &notes, QString *error)
{
    return updateRunColumn(m_db, runId, "notes", notes.isNull() ? QStringLiteral("") : notes, error);
}

void Workspace::heartbeat(qint64 runId)
{
    updateRunColumn(m_db, runId, "heartbeat_at", nowText(), nullptr);
}

int Workspace::markInterruptedRuns()
{
    const QString host = hostName();
    QVector<qint64> dead;
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("SELECT id, pid, host FROM runs WHERE status = 'running'")))
            return 0;
        while (q.next()) {
            if (q.value(2).toString() == host && !processAlive(q.value(1).toLongLong()))
                dead << q.value(0).toLongLong();
        }
    }
    if (dead.isEmpty())
        return 0;
    SqlTransaction tx(m_db);
    if (!tx.isActive())
        return 0;
    int changed = 0;
    {
        // The run ended around its last sign of life, not when someone noticed.
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("UPDATE runs SET status = 'interrupted',"
                                 " finished_at = COALESCE(heartbeat_at, started_at, created_at)"
                                 " WHERE id = ? AND status = 'running'"));
        for (qint64 id : dead) {
            q.bindValue(0, id);
            if (!q.exec())
                return 0;
            changed += q.numRowsAffected();
        }
    }
    return tx.commit() ? changed : 0;
}

QVector<RunRecord> Workspace::runs(qint64 datasetId) const
{
    QVector<RunRecord> out;
    QSqlQuery q(m_db);
    q.prepare(QLatin1String(kRunColumns) + (datasetId >= 0 ? QStringLiteral(" WHERE r.dataset_id = ?") : QString())
              + QStringLiteral(" ORDER BY r.id DESC"));
    if (datasetId >= 0)
        q.addBindValue(datasetId);
    if (!q.exec())
        return out;
    while (q.next())
        out << runFrom(q);
    return out;
}

std::optional<RunRecord> Workspace::run(qint64 runId) const
{
    QSqlQuery q(m_db);
    q.prepare(QLatin1String(kRunColumns) + QStringLiteral(" WHERE r.id = ?"));
    q.addBindValue(runId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return runFrom(q);
}

QVector<EpochRecord> Workspace::epochs(qint64 runId) const
{
    QVector<EpochRecord> out;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT epoch, main_loss, bce_loss, mi_estimate, estimator_loss, lr, seconds"
                             " FROM epochs WHERE run_id = ? ORDER BY epoch"));
    q.addBindValue(runId);
    if (!q.exec())
        return out;
    while (q.next()) {
        EpochRecord e;
        e.epoch = q.value(0).toInt();
        e.mainLoss = q.value(1).toDouble();
        e.bceLoss = q.value(2).toDouble();
        e.miEstimate = q.value(3).toDouble();
        e.estimatorLoss = q.value(4).toDouble();
        e.learningRate = q.value(5).toDouble();
        e.seconds = q.value(6).toDouble();
        out << e;
    }
    return out;
}

QVector<EvaluationRecord> Workspace::evaluations(qint64 runId) const
{
    QVector<EvaluationRecord> out;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT v.id, v.run_id, v.epoch, v.split, v.mrr, v.mr, v.hits1, v.hits3, v.hits10,"
                             " v.seconds, v.created_at,"
                             " (SELECT sum(m.count) FROM relation_metrics m WHERE m.evaluation_id = v.id"
                             "  AND m.decoder = 'combined' AND m.direction = 'both')"
                             " FROM evaluations v WHERE v.run_id = ? ORDER BY v.id"));
    q.addBindValue(runId);
    if (!q.exec())
        return out;
    while (q.next()) {
        EvaluationRecord r;
        r.id = q.value(0).toLongLong();
        r.runId = q.value(1).toLongLong();
        r.epoch = q.value(2).toInt();
        r.split = splitFromName(q.value(3).toString()).value_or(Split::Valid);
        r.headline.mrr = q.value(4).toDouble();
        r.headline.mr = q.value(5).toDouble();
        r.headline.hits1 = q.value(6).toDouble();
        r.headline.hits3 = q.value(7).toDouble();
        r.headline.hits10 = q.value(8).toDouble();
        r.seconds = q.value(9).toDouble();
        r.createdAt = timeFrom(q.value(10));
        r.headline.count = q.value(11).toLongLong();
        out << r;
    }
    return out;
}

std::optional<EvaluationReport> Workspace::evaluationReport(qint64 evaluationId, QString *error) const
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT report FROM evaluations WHERE id = ?"));
    q.addBindValue(evaluationId);
    if (!q.exec()) {
        failOn(m_path, error, QStringLiteral("cannot read evaluation %1").arg(evaluationId), q);
        return std::nullopt;
    }
    if (!q.next()) {
        failOn(m_path, error, QStringLiteral("no evaluation %1").arg(evaluationId), QString());
        return std::nullopt;
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(q.value(0).toString().toUtf8(), &parse);
    if (!doc.isObject()) {
        failOn(m_path, error, QStringLiteral("evaluation %1 has an unreadable report").arg(evaluationId), parse.errorString());
        return std::nullopt;
    }
    return EvaluationReport::fromJson(doc.object());
}

bool Workspace::deleteRun(qint64 runId, QString *error)
{
    const std::optional<RunRecord> r = run(runId);
    if (!r)
        return fail(error, QStringLiteral("no run %1").arg(runId), QString());
    // Deleting under a live trainer would make its next writes fail on foreign keys.
    if (r->status == RunStatus::Running && r->host == hostName() && processAlive(r->pid))
        return failOn(m_path, error, QStringLiteral("run %1 is still running (pid %2); stop it first").arg(runId).arg(r->pid), QString());
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM runs WHERE id = ?"));
    q.addBindValue(runId);
    if (!q.exec())
        return failOn(m_path, error, QStringLiteral("cannot delete run %1").arg(runId), q);
    if (q.numRowsAffected() != 1)
        return fail(error, QStringLiteral("no run %1").arg(runId), QString());
    return true;
}

} // namespace momok
