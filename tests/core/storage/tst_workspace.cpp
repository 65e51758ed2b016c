// The SQLite workspace: schema and migrations, dataset import and entity search,
// runs with their epochs and evaluations, atomic writes and cascades.
#include "StorageTestData.h"

#include "storage/FtsQuery.h"
#include "storage/Workspace.h"
#include "storage/WorkspaceSchema.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QCryptographicHash>
#include <QtTest>

#include <algorithm>
#include <thread>

using namespace momok;
using namespace momok::testdata;

namespace {

// The schema as version 1 of the code wrote it (copied, not generated: the test
// must fail if someone edits the released step instead of adding a migration).
const char *const kVersion1Ddl[] = {
    "PRAGMA application_id = 1296911187",
    "CREATE TABLE datasets (id INTEGER PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL, format TEXT NOT NULL,"
    " content_hash TEXT NOT NULL, entity_count INTEGER NOT NULL DEFAULT 0, relation_count INTEGER NOT NULL DEFAULT 0,"
    " train_count INTEGER NOT NULL DEFAULT 0, valid_count INTEGER NOT NULL DEFAULT 0, test_count INTEGER NOT NULL DEFAULT 0,"
    " imported_at TEXT NOT NULL, UNIQUE (path, content_hash))",
    "CREATE TABLE entities (id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    " entity_id INTEGER NOT NULL, name TEXT NOT NULL, display_name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    " type TEXT NOT NULL DEFAULT '', image_paths TEXT NOT NULL DEFAULT '[]', has_image INTEGER NOT NULL DEFAULT 0,"
    " has_text INTEGER NOT NULL DEFAULT 0, UNIQUE (dataset_id, entity_id))",
    "CREATE INDEX entities_by_type ON entities(dataset_id, type)",
    "CREATE TABLE relations (dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE, id INTEGER NOT NULL,"
    " name TEXT NOT NULL, PRIMARY KEY (dataset_id, id))",
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, config TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL CHECK (status IN"
    " ('running','finished','cancelled','failed','interrupted')), created_at TEXT NOT NULL, started_at TEXT,"
    " finished_at TEXT, checkpoint_path TEXT, best_checkpoint_path TEXT, pid INTEGER, host TEXT, heartbeat_at TEXT,"
    " test_metrics TEXT, notes TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX runs_by_dataset ON runs(dataset_id)",
    "CREATE INDEX runs_by_status ON runs(status)",
    "CREATE TABLE epochs (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL,"
    " main_loss REAL, bce_loss REAL, mi_estimate REAL, estimator_loss REAL, lr REAL, seconds REAL,"
    " PRIMARY KEY (run_id, epoch))",
    "CREATE TABLE evaluations (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " epoch INTEGER NOT NULL, split TEXT NOT NULL, mrr REAL, mr REAL, hits1 REAL, hits3 REAL, hits10 REAL, seconds REAL,"
    " report TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX evaluations_by_run ON evaluations(run_id, split)",
    "CREATE TABLE relation_metrics (evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,"
    " relation INTEGER NOT NULL, relation_name TEXT NOT NULL DEFAULT '', decoder TEXT NOT NULL, direction TEXT NOT NULL,"
    " mrr REAL, mr REAL, hits1 REAL, hits3 REAL, hits10 REAL, count INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (evaluation_id, relation, decoder, direction))",
    "PRAGMA user_version = 1",
};

QStringList displayNames(const QVector<EntityHit> &hits)
{
    QStringList out;
    for (const EntityHit &h : hits)
        out << h.displayName;
    return out;
}

// Lower case without diacritics, as the index compares words.
QStringList foldedTokens(const QString &text)
{
    QString folded;
    for (const QChar c : text.normalized(QString::NormalizationForm_D)) {
        if (!c.isMark())
            folded += c.toLower();
    }
    return FtsQuery::tokens(folded);
}

QString json(const EvaluationReport &r)
{
    return QString::fromUtf8(QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact));
}

} // namespace

class TestWorkspace : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_files = 0;

    QString newPath() { return m_tmp.filePath(QStringLiteral("ws%1/workspace.momok").arg(++m_files)); }

    std::unique_ptr<Workspace> openNew(QString *path = nullptr)
    {
        const QString p = newPath();
        if (path)
            *path = p;
        QString error;
        auto ws = Workspace::open(p, &error);
        if (!ws)
            qWarning() << error;
        return ws;
    }

    qint64 importSmall(Workspace &ws, const QString &hash = QStringLiteral("hash-1"))
    {
        qint64 id = -1;
        QString error;
        if (!ws.importDataset(smallDataset(m_tmp.filePath("small")), hash, &id, &error))
            qWarning() << error;
        return id;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(QDir().mkpath(m_tmp.filePath("small")));
    }

    void runStatusNamesRoundTrip()
    {
        for (RunStatus s : {RunStatus::Running, RunStatus::Finished, RunStatus::Cancelled, RunStatus::Failed,
                            RunStatus::Interrupted})
            QCOMPARE(runStatusFromName(runStatusName(s)), std::optional<RunStatus>(s));
        QCOMPARE(runStatusName(RunStatus::Interrupted), QStringLiteral("interrupted"));
        QVERIFY(!runStatusFromName(QStringLiteral("paused")));
    }

    void ftsQueryQuotesEverything()
    {
        QCOMPARE(FtsQuery::prefixQuery(QStringLiteral("jap")), QStringLiteral("\"jap\"*"));
        QCOMPARE(FtsQuery::prefixQuery(QStringLiteral("  Tokyo   tow ")), QStringLiteral("\"Tokyo\"* AND \"tow\"*"));
        QCOMPARE(FtsQuery::prefixQuery(QStringLiteral("\"a*b\" -c NEAR(d)")),
                 QStringLiteral("\"a\"* AND \"b\"* AND \"c\"* AND \"NEAR\"* AND \"d\"*"));
        QCOMPARE(FtsQuery::tokens(QStringLiteral("Count_Max_(1991_film)")),
                 QStringList({"Count", "Max", "1991", "film"}));
        QCOMPARE(FtsQuery::tokens(QStringLiteral("FC_Jūrmala")), QStringList({"FC", "Jūrmala"}));
        QVERIFY(FtsQuery::prefixQuery(QStringLiteral("\"*-:^()")).isEmpty());
    }

    void createsSchema()
    {
        QString path;
        auto ws = openNew(&path);
        QVERIFY(ws);
        QCOMPARE(ws->schemaVersion(), WorkspaceSchema::currentVersion());
        QVERIFY(WorkspaceSchema::currentVersion() >= 2);
        QVERIFY(ws->checkIntegrity());
        RawDb raw(path);
        for (const char *table : {"datasets", "entities", "relations", "runs", "epochs", "evaluations",
                                  "relation_metrics", "gate_stats", "entity_fts"})
            QVERIFY2(raw.count("sqlite_master", QStringLiteral("name = '%1'").arg(table)) == 1, table);
        QCOMPARE(raw.value("PRAGMA journal_mode").toString(), QStringLiteral("wal"));
        QCOMPARE(raw.value("PRAGMA application_id").toInt(), WorkspaceSchema::kApplicationId);
        QCOMPARE(ws->datasets().size(), 0);
        QCOMPARE(ws->runs().size(), 0);
    }

    void openingTwiceKeepsSeparateConnections()
    {
        QString path;
        auto a = openNew(&path);
        QString error;
        auto b = Workspace::open(path, &error);
        QVERIFY2(b, qPrintable(error));
        const qint64 ds = importSmall(*a);
        QVERIFY(ds > 0);
        QCOMPARE(b->datasets().size(), 1); // b sees a's committed write
        a.reset();
        QCOMPARE(b->datasets().size(), 1); // closing a leaves b working
    }

    void migratesFromVersion1()
    {
        const QString path = newPath();
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        {
            RawDb raw(path);
            for (const char *sql : kVersion1Ddl)
                QCOMPARE(raw.exec(sql), QString());
            QCOMPARE(raw.exec("INSERT INTO datasets VALUES (1, '/data/mini', 'mini', 'named triples', 'abc', 3, 1, 2, 0, 0,"
                              " '2026-01-01T00:00:00.000Z')"),
                     QString());
            QCOMPARE(raw.exec("INSERT INTO entities (dataset_id, entity_id, name, display_name, description, type)"
                              " VALUES (1, 0, 'Japan', 'Japan', 'Island country', 'country'),"
                              " (1, 1, 'Tokyo', 'Tokyo', 'Capital', 'city'), (1, 2, 'Kyoto', 'Kyoto', '', 'city')"),
                     QString());
            QCOMPARE(raw.exec("INSERT INTO relations VALUES (1, 0, 'locatedIn')"), QString());
            QCOMPARE(raw.exec("INSERT INTO runs (id, dataset_id, name, config, status, created_at, pid, host)"
                              " VALUES (7, 1, 'old run', '{\"dim\":256}', 'finished', '2026-01-01T00:00:00.000Z', 1, 'h')"),
                     QString());
            QCOMPARE(raw.exec("INSERT INTO epochs VALUES (7, 1, 2.5, 2.0, 0.1, 0.3, 0.001, 12.0)"), QString());
            QCOMPARE(raw.exec("INSERT INTO evaluations VALUES (3, 7, 1, 'valid', 31.5, 100, 25, 35, 45, 4.0, '{}',"
                              " '2026-01-01T00:00:00.000Z')"),
                     QString());
            QCOMPARE(raw.exec("INSERT INTO relation_metrics VALUES (3, 0, 'locatedIn', 'combined', 'both', 31.5, 100,"
                              " 25, 35, 45, 10)"),
                     QString());
            QCOMPARE(raw.value("PRAGMA user_version").toInt(), 1);
        }
        QString error;
        auto ws = Workspace::open(path, &error);
        QVERIFY2(ws, qPrintable(error));
        QCOMPARE(ws->schemaVersion(), WorkspaceSchema::currentVersion());
        QVERIFY(ws->checkIntegrity());

        // The data survived...
        const QVector<DatasetRecord> sets = ws->datasets();
        QCOMPARE(sets.size(), 1);
        QCOMPARE(sets[0].name, QStringLiteral("mini"));
        QCOMPARE(sets[0].entityCount, 3);
        QCOMPARE(ws->relationNames(1), QStringList({"locatedIn"}));
        const std::optional<RunRecord> run = ws->run(7);
        QVERIFY(run);
        QCOMPARE(run->status, RunStatus::Finished);
        QCOMPARE(run->config.value("dim").toInt(), 256);
        QCOMPARE(run->epochCount, 1);
        QCOMPARE(run->bestValidMrr.value_or(-1), 31.5);
        QCOMPARE(ws->epochs(7).size(), 1);
        QCOMPARE(ws->evaluations(7).size(), 1);
        QCOMPARE(ws->evaluations(7)[0].headline.count, 10);

        // ...the old entities are in the new full-text index...
        QCOMPARE(displayNames(ws->searchEntities(1, "ky", 10)), QStringList({"Kyoto"}));
        QCOMPARE(displayNames(ws->searchEntities(1, "isla", 10)), QStringList({"Japan"}));

        // ...and the new gate table takes writes.
        QVERIFY(ws->recordEvaluation(7, report(2, 3, 2, "valid"), &error));
        RawDb raw(path);
        QCOMPARE(raw.count("gate_stats"), 2 * 3 * 3);
        QCOMPARE(raw.value("PRAGMA user_version").toInt(), WorkspaceSchema::currentVersion());
    }

    static QByteArray fileDigest(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
    }

    // A refused open changes no byte of the file and leaves no -wal or -shm beside it.
    static void checkUntouched(const QString &path, const QByteArray &digest)
    {
        QCOMPARE(fileDigest(path), digest);
        QVERIFY(!QFileInfo::exists(path + "-wal"));
        QVERIFY(!QFileInfo::exists(path + "-shm"));
    }

    void refusesNewerAndForeignDatabases()
    {
        const QString newer = newPath();
        QVERIFY(QDir().mkpath(QFileInfo(newer).absolutePath()));
        {
            RawDb raw(newer);
            QCOMPARE(raw.exec(QStringLiteral("PRAGMA application_id = %1").arg(WorkspaceSchema::kApplicationId)), QString());
            QCOMPARE(raw.exec("CREATE TABLE future (x)"), QString());
            QCOMPARE(raw.exec(QStringLiteral("PRAGMA user_version = %1").arg(WorkspaceSchema::currentVersion() + 1)),
                     QString());
        }
        QString error;
        const QByteArray newerDigest = fileDigest(newer);
        QVERIFY(!Workspace::open(newer, &error));
        QVERIFY2(error.contains("newer"), qPrintable(error));
        checkUntouched(newer, newerDigest);
        {
            RawDb raw(newer); // untouched by the refused open
            QCOMPARE(raw.value("PRAGMA user_version").toInt(), WorkspaceSchema::currentVersion() + 1);
            QCOMPARE(raw.count("sqlite_master"), 1);
        }

        const QString foreign = m_tmp.filePath("foreign.sqlite");
        {
            RawDb raw(foreign);
            QCOMPARE(raw.exec("CREATE TABLE songs (title TEXT)"), QString());
        }
        error.clear();
        const QByteArray foreignDigest = fileDigest(foreign);
        QVERIFY(!Workspace::open(foreign, &error));
        QVERIFY2(error.contains("not a MoMoK workspace"), qPrintable(error));
        checkUntouched(foreign, foreignDigest);

        const QString text = m_tmp.filePath("notes.txt");
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        error.clear();
        const QByteArray textDigest = fileDigest(text);
        QVERIFY(!Workspace::open(text, &error));
        QVERIFY2(error.contains("not a database"), qPrintable(error));
        checkUntouched(text, textDigest);
    }

    void contentHashCoversNamesAndBytes()
    {
        const QString dir = m_tmp.filePath("hashme");
        QVERIFY(QDir().mkpath(dir + "/images"));
        auto write = [](const QString &path, const QByteArray &bytes) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        };
        write(dir + "/train.txt", "a r b .\n");
        write(dir + "/entity2id.txt", "a 0\nb 1\n");
        write(dir + "/images/a.jpg", QByteArray(200000, '\x7f'));
        QString error;
        const QString h1 = Workspace::contentHash(dir, &error);
        QCOMPARE(h1.size(), 64);
        QCOMPARE(Workspace::contentHash(dir), h1);

        // A workspace, its WAL and hidden files inside the folder do not count.
        {
            QString e;
            auto ws = Workspace::open(dir + "/inside.momok", &e);
            QVERIFY2(ws, qPrintable(e));
            write(dir + "/.hidden", "x");
            QCOMPARE(Workspace::contentHash(dir), h1);
        }
        write(dir + "/images/a.jpg", QByteArray(199999, '\x7f') + "\x7e");
        const QString h2 = Workspace::contentHash(dir);
        QVERIFY(h2 != h1);
        QVERIFY(QFile::rename(dir + "/train.txt", dir + "/valid.txt"));
        QVERIFY(Workspace::contentHash(dir) != h2);

        QVERIFY(Workspace::contentHash(m_tmp.filePath("missing"), &error).isEmpty());
        QVERIFY(!error.isEmpty());
    }

    void importIsIdempotent()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 id = importSmall(*ws);
        QVERIFY(id > 0);
        const std::optional<DatasetRecord> rec = ws->dataset(id);
        QVERIFY(rec);
        QCOMPARE(rec->name, QStringLiteral("small"));
        QCOMPARE(rec->path, QFileInfo(m_tmp.filePath("small")).canonicalFilePath());
        QCOMPARE(rec->format, formatName(DatasetFormat::NamedTriples));
        QCOMPARE(rec->contentHash, QStringLiteral("hash-1"));
        QCOMPARE(rec->entityCount, 10);
        QCOMPARE(rec->relationCount, 3);
        QCOMPARE(rec->trainCount, 4);
        QCOMPARE(rec->validCount, 1);
        QCOMPARE(rec->testCount, 1);
        QVERIFY(rec->importedAt.isValid());
        QCOMPARE(ws->relationNames(id), QStringList({"locatedIn", "capitalOf", "bornIn"}));

        RawDb raw(path);
        const qint64 rowidBefore = raw.value("SELECT id FROM entities WHERE name = 'Kyoto'").toLongLong();
        QCOMPARE(importSmall(*ws), id);
        QCOMPARE(ws->datasets().size(), 1);
        QCOMPARE(raw.count("entities"), 10);
        QCOMPARE(raw.count("relations"), 3);
        QCOMPARE(raw.value("SELECT id FROM entities WHERE name = 'Kyoto'").toLongLong(), rowidBefore);
        qint64 viaSlash = -1;
        QVERIFY(ws->importDataset(smallDataset(m_tmp.filePath("small") + "/"), "hash-1", &viaSlash, nullptr));
        QCOMPARE(viaSlash, id); // the same folder however it is spelled
        QCOMPARE(ws->dataset(id)->name, QStringLiteral("small"));

        // Same content, refreshed metadata: updated in place and re-indexed.
        KgDataset changed = smallDataset(m_tmp.filePath("small"));
        changed.entities[3].displayName = QStringLiteral("Kyōto City");
        changed.entities.removeLast();
        qint64 again = -1;
        QString error;
        QVERIFY2(ws->importDataset(changed, "hash-1", &again, &error), qPrintable(error));
        QCOMPARE(again, id);
        QCOMPARE(raw.count("entities"), 9);
        QCOMPARE(displayNames(ws->searchEntities(id, "kyoto cit", 10)), QStringList({"Kyōto City"}));
        QVERIFY(ws->searchEntities(id, "tower", 10).isEmpty());
        QVERIFY(ws->checkIntegrity());

        // New content under the same path is a new record.
        const qint64 second = importSmall(*ws, "hash-2");
        QVERIFY(second > 0 && second != id);
        QCOMPARE(ws->datasets().size(), 2);
        QCOMPARE(raw.count("entities"), 19);
    }

    void searchesAsYouType()
    {
        auto ws = openNew();
        const qint64 id = importSmall(*ws);
        QString error;

        // Prefixes find whole words, best match first.
        QVector<EntityHit> hits = ws->searchEntities(id, "jap", 10, {}, 0, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(hits.size() >= 2);
        QCOMPARE(hits[0].displayName, QStringLiteral("Japan"));
        QVERIFY(displayNames(hits).contains("Japanese cuisine"));
        QCOMPARE(hits[0].entityId, 0);
        QCOMPARE(hits[0].type, QStringLiteral("country"));
        QVERIFY(hits[0].hasImage && hits[0].hasText);
        QCOMPARE(hits[0].imagePaths.size(), 1);
        QCOMPARE(displayNames(ws->searchEntities(id, "J", 10)).first(), QStringLiteral("Japan"));
        QCOMPARE(displayNames(ws->searchEntities(id, "tokyo", 10)).first(), QStringLiteral("Tokyo"));

        // Every word must match (AND), in any order, in any column.
        QCOMPARE(displayNames(ws->searchEntities(id, "tok tow", 10)), QStringList({"Tokyo Tower"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "tow TOK", 10)), QStringList({"Tokyo Tower"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "morgan fre", 10)), QStringList({"Bopha!"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "count_max_(1991", 10)), QStringList({"Count Max (1991 film)"}));
        QVERIFY(ws->searchEntities(id, "tokyo zebra", 10).isEmpty());
        // Diacritics fold both ways; a word's middle does not match.
        QCOMPARE(displayNames(ws->searchEntities(id, "jurm", 10)), QStringList({"FC Jūrmala"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "jūrmala", 10)), QStringList({"FC Jūrmala"}));
        QVERIFY(ws->searchEntities(id, "okyo", 10).isEmpty());

        // User input is never FTS syntax.
        const QStringList nasty = {"\"", "\"jap", "jap\"", "*", "jap*", "-", "-tokyo", "tokyo -tower", "NEAR(tokyo",
                                   "tokyo OR japan", "AND", "NOT", "display_name:tokyo", "^tok", "(", ")", "'", "o'brien",
                                   "%", "_", "tok\\", "😀", "'; DROP TABLE entities; --"};
        for (const QString &q : nasty) {
            error.clear();
            ws->searchEntities(id, q, 10, {}, 0, &error);
            QVERIFY2(error.isEmpty(), qPrintable(q + ": " + error));
        }
        QCOMPARE(displayNames(ws->searchEntities(id, "\"jap", 10)).first(), QStringLiteral("Japan"));
        QCOMPARE(displayNames(ws->searchEntities(id, "-tokyo tower", 10)), QStringList({"Tokyo Tower"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "o'brien", 10)), QStringList({"O'Brien (surname)"}));
        QVERIFY(ws->searchEntities(id, "tokyo OR japan", 10).isEmpty()); // "or" is a word, and nothing has it
        QVERIFY(!ws->searchEntities(id, "'; DROP TABLE entities; --", 10).size());
        QCOMPARE(ws->searchEntities(id, "", 0).size(), 10);

        // Filters by type and by modality presence.
        QCOMPARE(displayNames(ws->searchEntities(id, "", 10, "city")), QStringList({"Kyoto", "Tokyo"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "to", 10, "city")), QStringList({"Tokyo"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "tok", 10, {}, kRequireImage)), QStringList({"Tokyo"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "", 10, "city", kRequireText)), QStringList({"Tokyo"}));
        QCOMPARE(displayNames(ws->searchEntities(id, "", 10, {}, kRequireImage | kRequireText)),
                 QStringList({"Bopha!", "Japan", "Tokyo"}));
        QVERIFY(ws->searchEntities(id, "", 10, "galaxy").isEmpty());
        QCOMPARE(ws->searchEntities(id, "", 3).size(), 3);
        QVERIFY(ws->searchEntities(id + 100, "tokyo", 10).isEmpty());

        // Lookups for the UI: one entity by id, the type filter's choices.
        const std::optional<EntityHit> tokyo = ws->entity(id, 1);
        QVERIFY(tokyo);
        QCOMPARE(tokyo->displayName, QStringLiteral("Tokyo"));
        QCOMPARE(tokyo->imagePaths.size(), 2);
        QVERIFY(tokyo->imagePaths[1].endsWith("tokyo2.jpg"));
        QVERIFY(!ws->entity(id, 10));
        QCOMPARE(ws->entityTypes(id), QStringList({"building", "city", "club", "country", "film", "name", "person", "topic"}));
    }

    void searchesMkgY()
    {
        const QString dir = QStringLiteral(MOMOK_BENCHMARK_DATASETS "/MKG-Y"); // bundled with the repository
        const KgDataset data = datasetFromIdFiles(dir);
        QCOMPARE(data.entities.size(), 15000);
        auto ws = openNew();
        QElapsedTimer timer;
        timer.start();
        qint64 id = -1;
        QString error;
        QVERIFY2(ws->importDataset(data, Workspace::contentHash(dir), &id, &error), qPrintable(error));
        qInfo("MKG-Y import: %lld ms", qint64(timer.elapsed()));
        QCOMPARE(ws->dataset(id)->entityCount, 15000);
        QCOMPARE(ws->relationNames(id).size(), 28);

        const QVector<EntityHit> jap = ws->searchEntities(id, "jap", 20);
        // Not Mahinda_Rajapaksa: a prefix matches the start of a word.
        QCOMPARE(displayNames(jap), QStringList({"Japanese Story", "West Japan Railway Company"}));

        // Every 150th entity is found by its own display name, and a prefix of its
        // first word only returns entities with a word of that prefix.
        qint64 worstNs = 0;
        for (int e = 0; e < data.entities.size(); e += 150) {
            const EntityInfo &info = data.entities[e];
            timer.restart();
            const QVector<EntityHit> hits = ws->searchEntities(id, info.displayName, 0);
            worstNs = std::max(worstNs, timer.nsecsElapsed());
            const bool found = std::any_of(hits.begin(), hits.end(), [&](const EntityHit &h) { return h.entityId == e; });
            QVERIFY2(found, qPrintable(info.displayName));

            const QStringList words = foldedTokens(info.displayName);
            if (words.isEmpty())
                continue;
            const QString prefix = words[0].left(3);
            for (const EntityHit &h : ws->searchEntities(id, prefix, 25)) {
                const QStringList tokens = foldedTokens(h.displayName + ' ' + h.name);
                const bool ok = std::any_of(tokens.begin(), tokens.end(),
                                            [&](const QString &t) { return t.startsWith(prefix); });
                QVERIFY2(ok, qPrintable(prefix + " -> " + h.displayName));
            }
        }
        qInfo("MKG-Y full-name search, slowest of 100: %.2f ms", worstNs / 1e6);
    }

    // Another writer holding the write lock (a second connection; SQLite locks the file the
    // same way for another process): the workspace still opens and reads (WAL
    // readers never wait for a writer); a write waits the busy timeout, then fails saying
    // why, and succeeds once the other writer is done. Nothing is half-written.
    void lockedByAnotherWriterIsReadable()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        const qint64 runId = ws->beginRun(ds, "locked", {}, &error);
        QVERIFY2(runId > 0, qPrintable(error));
        ws.reset();

        RawDb other(path);
        QCOMPARE(other.exec("BEGIN IMMEDIATE"), QString());
        QCOMPARE(other.exec("UPDATE runs SET notes = 'the other writer' WHERE id = 1"), QString());
        auto reader = Workspace::open(path, &error);
        QVERIFY2(reader, qPrintable(error));
        QCOMPARE(reader->runs().size(), 1);
        QCOMPARE(reader->run(runId)->notes, QString()); // the other writer's change is not committed
        QElapsedTimer waited;
        waited.start();
        QVERIFY(!reader->setNotes(runId, QStringLiteral("mine"), &error));
        QVERIFY(waited.elapsed() >= Workspace::kBusyTimeoutMs - 500);
        QVERIFY2(error.contains("database is locked") && error.contains("another program has been writing to this workspace"),
                 qPrintable(error));
        QCOMPARE(other.exec("COMMIT"), QString());
        QCOMPARE(reader->run(runId)->notes, QStringLiteral("the other writer"));
        QVERIFY2(reader->setNotes(runId, QStringLiteral("mine"), &error), qPrintable(error));
        QCOMPARE(reader->run(runId)->notes, QStringLiteral("mine"));
        QVERIFY(reader->checkIntegrity());
    }

    void failedWritesLeaveNothingBehind()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        const qint64 runId = ws->beginRun(ds, "atomic", {}, &error);
        QVERIFY2(runId > 0, qPrintable(error));
        QVERIFY2(ws->recordEvaluation(runId, report(4, 2, 1, "valid"), &error), qPrintable(error));
        RawDb raw(path);
        auto snapshot = [&raw] {
            return QVector<qint64>{raw.count("evaluations"), raw.count("relation_metrics"), raw.count("gate_stats"),
                                   raw.count("entities"), raw.count("relations"), raw.count("datasets"),
                                   raw.count("entity_fts", "entity_fts MATCH 'kyoto'")};
        };
        const QVector<qint64> before = snapshot();
        QCOMPARE(before[1], 4 * 15);
        QCOMPARE(before[2], 4 * 3 * 2);

        // A duplicated relation violates the primary key after rows were written.
        EvaluationReport dup = report(4, 2, 2, "valid");
        dup.relations[2].relation = 1;
        error.clear();
        QVERIFY(!ws->recordEvaluation(runId, dup, &error));
        QVERIFY2(error.contains("UNIQUE") || error.contains("constraint"), qPrintable(error));
        QCOMPARE(snapshot(), before);

        // A failure injected deep inside the gate statistics.
        QCOMPARE(raw.exec("CREATE TRIGGER fail_gate BEFORE INSERT ON gate_stats WHEN NEW.relation = 3"
                          " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
                 QString());
        error.clear();
        QVERIFY(!ws->recordEvaluation(runId, report(4, 2, 3, "valid"), &error));
        QVERIFY2(error.contains("injected failure"), qPrintable(error));
        QCOMPARE(snapshot(), before);
        QCOMPARE(raw.exec("DROP TRIGGER fail_gate"), QString());

        // A foreign key violation (no such run) and a malformed report.
        QVERIFY(!ws->recordEvaluation(runId + 50, report(4, 2, 3, "valid"), &error));
        QVERIFY2(error.contains("FOREIGN KEY"), qPrintable(error));
        QVERIFY(!ws->recordEpoch(runId + 50, EpochRecord{1}));
        EvaluationReport bad = report(4, 2, 3, "valid");
        bad.gates.meanWeight.removeLast();
        QVERIFY(!ws->recordEvaluation(runId, bad, &error));
        QCOMPARE(snapshot(), before);

        // An import that fails halfway through the entities keeps the previous import.
        QCOMPARE(raw.exec("CREATE TRIGGER fail_entity BEFORE UPDATE ON entities WHEN NEW.entity_id = 5"
                          " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
                 QString());
        KgDataset renamed = smallDataset(m_tmp.filePath("small"));
        for (EntityInfo &e : renamed.entities)
            e.displayName += QStringLiteral(" renamed");
        error.clear();
        QVERIFY(!ws->importDataset(renamed, "hash-1", nullptr, &error));
        QVERIFY2(error.contains("injected failure"), qPrintable(error));
        QCOMPARE(snapshot(), before);
        QVERIFY(ws->searchEntities(ds, "renamed", 10).isEmpty());
        QCOMPARE(raw.count("entities", "display_name LIKE '%renamed'"), 0);
        QVERIFY(ws->checkIntegrity());
        QCOMPARE(raw.exec("DROP TRIGGER fail_entity"), QString());
        QVERIFY(ws->importDataset(renamed, "hash-1", nullptr, &error));
        QCOMPARE(ws->searchEntities(ds, "renamed", 0).size(), 10);
        QVERIFY(ws->checkIntegrity());
    }

    void runsRoundTrip()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        const QJsonObject config{{"dim", 256}, {"lr", 0.0005}, {"experts", 3}, {"name", "baseline"}};
        const qint64 runId = ws->beginRun(ds, "baseline", config, &error);
        QVERIFY2(runId > 0, qPrintable(error));

        std::optional<RunRecord> r = ws->run(runId);
        QVERIFY(r);
        QCOMPARE(r->status, RunStatus::Running);
        QCOMPARE(r->pid, QCoreApplication::applicationPid());
        QCOMPARE(r->host, QSysInfo::machineHostName());
        QCOMPARE(r->config, config);
        QCOMPARE(r->datasetId, ds);
        QCOMPARE(r->datasetName, QStringLiteral("small"));
        QVERIFY(r->createdAt.isValid() && r->startedAt.isValid() && !r->finishedAt.isValid());
        QVERIFY(qAbs(r->createdAt.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(r->epochCount, 0);
        QVERIFY(!r->bestValidMrr && !r->testMrr);

        QVector<EpochRecord> written;
        for (int e = 1; e <= 3; ++e) {
            EpochRecord rec{e, 3.0 / e, 2.5 / e, 0.01 * e, -1.0 * e, 0.001 / e, 10.25 + e};
            QVERIFY(ws->recordEpoch(runId, rec, &error));
            written << rec;
        }
        written[1].mainLoss = 9.75; // a resumed run rewrites epoch 2
        QVERIFY(ws->recordEpoch(runId, written[1]));
        const QVector<EpochRecord> read = ws->epochs(runId);
        QCOMPARE(read.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(read[i].epoch, written[i].epoch);
            QCOMPARE(read[i].mainLoss, written[i].mainLoss);
            QCOMPARE(read[i].bceLoss, written[i].bceLoss);
            QCOMPARE(read[i].miEstimate, written[i].miEstimate);
            QCOMPARE(read[i].estimatorLoss, written[i].estimatorLoss);
            QCOMPARE(read[i].learningRate, written[i].learningRate);
            QCOMPARE(read[i].seconds, written[i].seconds);
        }

        const EvaluationReport v1 = report(5, 4, 1, "valid", 30.0);
        const EvaluationReport v2 = report(5, 4, 2, "valid", 33.0);
        const EvaluationReport t = report(5, 4, 2, "test", 32.0);
        qint64 ids[3] = {};
        QVERIFY2(ws->recordEvaluation(runId, v1, &error, &ids[0]), qPrintable(error));
        QVERIFY2(ws->recordEvaluation(runId, v2, &error, &ids[1]), qPrintable(error));
        QVERIFY2(ws->recordEvaluation(runId, t, &error, &ids[2]), qPrintable(error));

        const QVector<EvaluationRecord> evals = ws->evaluations(runId);
        QCOMPARE(evals.size(), 3);
        QCOMPARE(evals[0].id, ids[0]);
        QCOMPARE(evals[1].split, Split::Valid);
        QCOMPARE(evals[2].split, Split::Test);
        QCOMPARE(evals[1].epoch, 2);
        QCOMPARE(evals[1].headline.mrr, v2.headline().mrr);
        QCOMPARE(evals[1].headline.hits10, v2.headline().hits10);
        QCOMPARE(evals[2].seconds, t.seconds);
        for (int i = 0; i < 3; ++i) {
            const std::optional<EvaluationReport> loaded = ws->evaluationReport(ids[i], &error);
            QVERIFY2(loaded, qPrintable(error));
            QCOMPARE(json(*loaded), json(i == 0 ? v1 : i == 1 ? v2 : t));
        }
        QCOMPARE(ws->evaluationReport(ids[2])->relations[4].metrics.head[int(Decoder::Image)].pessimistic.mr,
                 t.relations[4].metrics.head[int(Decoder::Image)].pessimistic.mr);
        QVERIFY(!ws->evaluationReport(ids[2] + 10, &error));

        // The relational copies: realistic ranks per relation, decoder and direction; gate means.
        RawDb raw(path);
        QCOMPARE(raw.count("relation_metrics", QStringLiteral("evaluation_id = %1").arg(ids[1])), 5 * 5 * 3);
        QCOMPARE(raw.count("gate_stats", QStringLiteral("evaluation_id = %1").arg(ids[1])), 5 * 3 * 4);
        QCOMPARE(raw.value(QStringLiteral("SELECT mrr FROM relation_metrics WHERE evaluation_id = %1 AND relation = 3"
                                          " AND decoder = 'T' AND direction = 'tail'").arg(ids[1]))
                     .toDouble(),
                 v2.relations[3].metrics.tail[int(Decoder::Text)].realistic.mrr);
        QCOMPARE(raw.value(QStringLiteral("SELECT count FROM relation_metrics WHERE evaluation_id = %1 AND relation = 3"
                                          " AND decoder = 'combined' AND direction = 'both'").arg(ids[1]))
                     .toLongLong(),
                 v2.relations[3].metrics.both[int(Decoder::Combined)].realistic.count);
        QCOMPARE(raw.value(QStringLiteral("SELECT mean_weight FROM gate_stats WHERE evaluation_id = %1 AND relation = 2"
                                          " AND modality = 'I' AND expert = 3").arg(ids[1]))
                     .toDouble(),
                 v2.gates.at(2, 1, 3));

        QVERIFY(ws->setCheckpoint(runId, "/ckpt/last.pt", false));
        QVERIFY(ws->setCheckpoint(runId, "/ckpt/best.pt", true));
        QVERIFY(ws->setFinalMetrics(runId, t.headline().toJson()));
        QVERIFY(ws->setNotes(runId, "first try"));
        ws->heartbeat(runId);
        QVERIFY(ws->setRunStatus(runId, RunStatus::Finished, &error));
        QVERIFY(!ws->setRunStatus(runId + 99, RunStatus::Failed, &error));
        QVERIFY(!ws->setCheckpoint(runId + 99, "/x", false));

        r = ws->run(runId);
        QCOMPARE(r->status, RunStatus::Finished);
        QVERIFY(r->finishedAt.isValid() && r->heartbeatAt.isValid());
        QCOMPARE(r->checkpointPath, QStringLiteral("/ckpt/last.pt"));
        QCOMPARE(r->bestCheckpointPath, QStringLiteral("/ckpt/best.pt"));
        QCOMPARE(r->finalMetrics, t.headline().toJson());
        QCOMPARE(r->notes, QStringLiteral("first try"));
        QCOMPARE(r->epochCount, 3);
        QCOMPARE(r->bestValidMrr.value_or(-1), v2.headline().mrr);
        QCOMPARE(r->testMrr.value_or(-1), t.headline().mrr);

        const qint64 second = ws->beginRun(ds, "second", {}, &error);
        const QVector<RunRecord> all = ws->runs();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[0].id, second); // newest first
        QCOMPARE(ws->runs(ds).size(), 2);
        QCOMPARE(ws->runs(ds + 1).size(), 0);
        QVERIFY(ws->beginRun(ds + 42, "orphan", {}, &error) < 0);
        QVERIFY(!error.isEmpty());

        // A resumed run is owned by whoever resumes it.
        QVERIFY(ws->setRunStatus(runId, RunStatus::Running, &error));
        r = ws->run(runId);
        QCOMPARE(r->status, RunStatus::Running);
        QVERIFY(!r->finishedAt.isValid());
    }

    void storesLargeEvaluations()
    {
        // DB15K's shape: 279 relations, 4 experts per modality.
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        const qint64 runId = ws->beginRun(ds, "db15k-sized", {}, &error);
        const EvaluationReport big = report(279, 4, 5, "test");
        QElapsedTimer timer;
        timer.start();
        qint64 evalId = -1;
        QVERIFY2(ws->recordEvaluation(runId, big, &error, &evalId), qPrintable(error));
        const qint64 writeMs = timer.restart();
        const std::optional<EvaluationReport> loaded = ws->evaluationReport(evalId, &error);
        const qint64 readMs = timer.elapsed();
        QVERIFY2(loaded, qPrintable(error));
        QCOMPARE(json(*loaded), json(big));
        RawDb raw(path);
        QCOMPARE(raw.count("relation_metrics"), 279 * 15);
        QCOMPARE(raw.count("gate_stats"), 279 * 3 * 4);
        qInfo("279-relation evaluation: written in %lld ms, read back in %lld ms", writeMs, readMs);
    }

    void deletesCascade()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        const qint64 a = ws->beginRun(ds, "a", {}, &error);
        const qint64 b = ws->beginRun(ds, "b", {}, &error);
        for (qint64 run : {a, b}) {
            QVERIFY(ws->recordEpoch(run, EpochRecord{1, 1.0}));
            QVERIFY(ws->recordEpoch(run, EpochRecord{2, 0.5}));
            QVERIFY(ws->recordEvaluation(run, report(3, 2, 2, "valid"), &error));
        }
        RawDb raw(path);
        QCOMPARE(raw.count("relation_metrics"), 2 * 3 * 15);

        // A live run is protected; once it stopped it goes with everything it owns.
        QVERIFY(!ws->deleteRun(a, &error));
        QVERIFY2(error.contains("still running"), qPrintable(error));
        QVERIFY(ws->setRunStatus(a, RunStatus::Cancelled, &error));
        QVERIFY2(ws->deleteRun(a, &error), qPrintable(error));
        QVERIFY(!ws->run(a));
        QVERIFY(!ws->deleteRun(a, &error));
        QCOMPARE(raw.count("epochs"), 2);
        QCOMPARE(raw.count("evaluations"), 1);
        QCOMPARE(raw.count("relation_metrics"), 3 * 15);
        QCOMPARE(raw.count("gate_stats"), 3 * 3 * 2);
        QCOMPARE(ws->epochs(b).size(), 2);

        // Deleting the dataset takes its entities (and their index entries), relations and runs.
        const qint64 other = importSmall(*ws, "hash-other");
        QVERIFY(ws->deleteDataset(ds, &error));
        QVERIFY(!ws->run(b));
        for (const char *table : {"runs", "epochs", "evaluations", "relation_metrics", "gate_stats"})
            QCOMPARE(raw.count(table), 0);
        QCOMPARE(raw.count("entities"), 10);
        QCOMPARE(raw.count("relations"), 3);
        QVERIFY(ws->searchEntities(ds, "tokyo", 10).isEmpty());
        QCOMPARE(ws->searchEntities(other, "tokyo", 10).size(), 2);
        QCOMPARE(raw.count("entity_fts", "entity_fts MATCH 'tokyo'"), 2);
        QVERIFY(ws->checkIntegrity());
        QVERIFY(!ws->deleteDataset(ds, &error));
    }

    void marksDeadRunsInterrupted()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        // A pid that certainly ended (and was reaped by QProcess).
        QProcess shortLived;
        shortLived.start(QStringLiteral("true"));
        QVERIFY(shortLived.waitForStarted());
        const qint64 deadPid = shortLived.processId();
        QVERIFY(shortLived.waitForFinished());

        const qint64 dead = ws->beginRun(ds, "dead", {}, &error);
        const qint64 alive = ws->beginRun(ds, "alive", {}, &error);
        const qint64 remote = ws->beginRun(ds, "remote", {}, &error);
        const qint64 done = ws->beginRun(ds, "done", {}, &error);
        QVERIFY(ws->setRunStatus(done, RunStatus::Finished, &error));
        RawDb raw(path);
        QCOMPARE(raw.exec(QStringLiteral("UPDATE runs SET pid = %1, heartbeat_at = '2026-05-01T10:00:00.000Z'"
                                         " WHERE id IN (%2, %3, %4)").arg(deadPid).arg(dead).arg(remote).arg(done)),
                 QString());
        QCOMPARE(raw.exec(QStringLiteral("UPDATE runs SET host = 'another-machine' WHERE id = %1").arg(remote)), QString());

        QCOMPARE(ws->markInterruptedRuns(), 1);
        QCOMPARE(ws->run(dead)->status, RunStatus::Interrupted);
        QCOMPARE(ws->run(dead)->finishedAt, QDateTime::fromString("2026-05-01T10:00:00.000Z", Qt::ISODateWithMs));
        QCOMPARE(ws->run(alive)->status, RunStatus::Running);  // this process
        QCOMPARE(ws->run(remote)->status, RunStatus::Running); // cannot tell from here
        QCOMPARE(ws->run(done)->status, RunStatus::Finished);
        QCOMPARE(ws->markInterruptedRuns(), 0);

        QCOMPARE(raw.exec(QStringLiteral("UPDATE runs SET pid = %1, status = 'running' WHERE id = %2").arg(deadPid).arg(alive)),
                 QString());
        auto reopened = Workspace::open(path, &error);
        QVERIFY(reopened);
        QCOMPARE(reopened->interruptedOnOpen(), 1);
        QCOMPARE(reopened->run(alive)->status, RunStatus::Interrupted);
    }

    void worksFromAWorkerThread()
    {
        QString path;
        auto ws = openNew(&path);
        const qint64 ds = importSmall(*ws);
        QString error;
        const qint64 runId = ws->beginRun(ds, "threaded", {}, &error);
        bool workerOk = true;
        QString workerError;
        std::thread worker([&] {
            // The trainer's pattern: its own Workspace object on its own thread.
            auto own = Workspace::open(path, &workerError);
            if (!own) {
                workerOk = false;
                return;
            }
            for (int e = 1; e <= 40 && workerOk; ++e) {
                workerOk = own->recordEpoch(runId, EpochRecord{e, 1.0 / e}, &workerError);
                if (e % 10 == 0 && workerOk)
                    workerOk = own->recordEvaluation(runId, report(3, 2, e, "valid"), &workerError);
            }
        });
        // Meanwhile the UI thread keeps reading.
        int reads = 0;
        for (int i = 0; i < 200; ++i) {
            reads += ws->epochs(runId).size() >= 0;
            ws->runs();
        }
        worker.join();
        QVERIFY2(workerOk, qPrintable(workerError));
        QCOMPARE(reads, 200);
        QCOMPARE(ws->epochs(runId).size(), 40);
        QCOMPARE(ws->evaluations(runId).size(), 4);
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
