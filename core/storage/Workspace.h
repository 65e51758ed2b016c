#pragma once
// A workspace: one SQLite file holding imported datasets (with a full-text entity
// index), training runs, their epochs and evaluations. Checkpoints are files next
// to it; the workspace only stores their paths.
//
// Each Workspace object owns its own QSqlDatabase connection and must only be used
// from the thread that opened it (Qt's SQL connections are per thread): the
// trainer opens a second Workspace on its worker thread. Concurrent writers from
// threads or processes are serialised by SQLite (WAL, busy timeout).
#include "data/KgDataset.h"
#include "eval/EvaluationReport.h"
#include "storage/WorkspaceRecords.h"
#include "train/TrainingObserver.h"

#include <QJsonObject>
#include <QSqlDatabase>
#include <QString>
#include <QVector>

#include <memory>
#include <optional>

namespace momok {

class Workspace
{
public:
    // Milliseconds a connection waits for another writer before failing.
    static constexpr int kBusyTimeoutMs = 10000;

    // Opens or creates the workspace file (and its directory), migrates its schema
    // forward, then marks runs whose process died as interrupted. Null with a
    // message in *error when the file is not a workspace, is newer than this build
    // or cannot be opened.
    static std::unique_ptr<Workspace> open(const QString &path, QString *error);
    // What open() may do to the file. Migrate: the above. RequireCurrent: another
    // connection to a workspace already opened (and so migrated) elsewhere; it writes
    // nothing and refuses a missing file or one whose schema is not this build's,
    // so that threads which must not wait on a migration (a UI) never run one.
    enum class OpenMode { Migrate, RequireCurrent };
    static std::unique_ptr<Workspace> open(const QString &path, QString *error, OpenMode mode);
    ~Workspace(); // closes and removes the connection
    Workspace(const Workspace &) = delete;
    Workspace &operator=(const Workspace &) = delete;

    QString path() const { return m_path; }
    int schemaVersion() const;
    // Runs marked interrupted while opening.
    int interruptedOnOpen() const { return m_interruptedOnOpen; }
    // PRAGMA integrity_check plus the full-text index's own check; details on failure.
    bool checkIntegrity(QString *details = nullptr) const;

    // SHA-256 over the directory's files (recursively, sorted by relative path;
    // each name, size and bytes, read in chunks). Hidden files and SQLite/
    // checkpoint files are skipped so a workspace stored inside stays out of it.
    // Empty with *error set when a file cannot be read.
    static QString contentHash(const QString &datasetDir, QString *error = nullptr);

    // ---- datasets ----
    // The form a folder is stored and matched under (a dataset's DatasetRecord::path, a
    // run's folder): canonical where it exists, else cleaned and absolute, so that "runs/a",
    // "./runs/a" and a symlinked route to it are one folder.
    static QString folderPath(const QString &dir);
    // Stores the dataset, its relations and entities in one transaction. The same
    // directory with the same content hash updates the existing record in place;
    // new content under the same path becomes a new record (runs keep pointing at
    // the content they were trained on).
    bool importDataset(const KgDataset &dataset, const QString &contentHash, qint64 *datasetId, QString *error);
    QVector<DatasetRecord> datasets() const;
    std::optional<DatasetRecord> dataset(qint64 datasetId) const;
    QStringList relationNames(qint64 datasetId) const;
    bool deleteDataset(qint64 datasetId, QString *error); // with its entities and runs

    // Prefix search as the user types: every word of the query must start a word
    // of the entity's display name, name or description; best bm25 first. Any
    // user text is safe. typeFilter keeps one entity type; modalityFilter is a
    // mask of kRequireImage / kRequireText. An empty query lists entities by
    // display name. limit <= 0 means no limit.
    QVector<EntityHit> searchEntities(qint64 datasetId, const QString &query, int limit,
                                      const QString &typeFilter = {}, int modalityFilter = 0,
                                      QString *error = nullptr) const;

    // One entity by its dataset id (for showing predictions by name).
    std::optional<EntityHit> entity(qint64 datasetId, qint64 entityId) const;
    // The distinct non-empty entity types, sorted: the choices of the type filter.
    QStringList entityTypes(qint64 datasetId) const;

    // ---- runs ----
    // A new run in status running, owned by this process (pid, host). -1 on failure.
    qint64 beginRun(qint64 datasetId, const QString &name, const QJsonObject &config, QString *error);
    // Replaces the epoch's record if it was already written (a resumed run).
    bool recordEpoch(qint64 runId, const EpochRecord &record, QString *error = nullptr);
    // The evaluation with its per-relation metrics and gate statistics, all or nothing.
    bool recordEvaluation(qint64 runId, const EvaluationReport &report, QString *error, qint64 *evaluationId = nullptr);
    // Terminal statuses set finished_at; running (a resumed run) takes ownership for this process.
    bool setRunStatus(qint64 runId, RunStatus status, QString *error);
    bool setCheckpoint(qint64 runId, const QString &path, bool best, QString *error = nullptr);
    bool setFinalMetrics(qint64 runId, const QJsonObject &metrics, QString *error = nullptr);
    // The run's record as its folder now has it (a resumed run may train longer than it was begun with).
    bool setRunConfig(qint64 runId, const QJsonObject &config, QString *error = nullptr);
    // A resumed run restarts after its last checkpoint's epoch: forgets the epochs and
    // validation evaluations recorded after it (the trainer redoes them) and any test
    // evaluation (made again at the end), in one transaction.
    bool discardProgressAfter(qint64 runId, int epoch, QString *error = nullptr);
    bool setNotes(qint64 runId, const QString &notes, QString *error = nullptr);
    // Proof of life for a running run; failures are ignored (the next beat retries).
    void heartbeat(qint64 runId);
    // Runs in status running whose process on this host no longer exists become
    // interrupted. Runs of other hosts are left alone. Returns how many changed.
    int markInterruptedRuns();

    QVector<RunRecord> runs(qint64 datasetId = -1) const; // newest first
    std::optional<RunRecord> run(qint64 runId) const;
    QVector<EpochRecord> epochs(qint64 runId) const;             // by epoch
    QVector<EvaluationRecord> evaluations(qint64 runId) const;   // in recording order
    std::optional<EvaluationReport> evaluationReport(qint64 evaluationId, QString *error = nullptr) const;
    bool deleteRun(qint64 runId, QString *error); // with its epochs and evaluations

private:
    Workspace(const QString &path, const QString &connectionName);
    bool configure(QString *error);

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
    int m_interruptedOnOpen = 0;
};

} // namespace momok
