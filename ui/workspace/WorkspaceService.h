#pragma once
// The UI's one owner of the workspace. Views never open the SQLite file: they are
// handed this service, read through its UI-thread connection (workspace()), refresh
// from its signals, and background loads open their own thread's connection with
// openConnection() (Qt's SQL connections belong to the thread that opened them).
//
// Opening runs off the UI thread: a pool thread creates the file if needed, migrates
// its schema forward and marks dead runs interrupted; only then does the UI thread
// open its read connection, in Workspace::OpenMode::RequireCurrent, which never
// migrates (a migration can take long and must not freeze the window).
//
// Run changes: the training writer (RunRecorder on the trainer's thread) keeps its own
// write connection, so the service does not see its writes. Whoever starts, ends or
// deletes a run tells the service (checkRuns(), deleteRun()); the service then diffs
// the runs it knew against the database and signals what changed. This is chosen over
// polling PRAGMA data_version on a timer: the trainer's heartbeats and epoch records
// would wake the poll all the time, tests would depend on timing, and every change the
// UI cares about has an owner in this process that can say when it happened.
#include "domain/Vocabulary.h"
#include "storage/Workspace.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <memory>

namespace momok::ui {

class WorkspaceService : public QObject
{
    Q_OBJECT
public:
    explicit WorkspaceService(QObject *parent = nullptr);
    ~WorkspaceService() override;

    // Opens (creating and migrating if needed) off the UI thread, then adopts it:
    // workspaceOpened() or openFailed(). A later open() supersedes an unfinished one.
    // On failure the workspace open before stays open.
    void open(const QString &path);
    bool isOpening() const { return m_opening; }
    void close();

    bool isOpen() const { return m_workspace != nullptr; }
    QString path() const; // empty when none is open
    // The UI thread's connection; null when none is open. Use only on the UI thread.
    Workspace *workspace() const { return m_workspace.get(); }
    // Runs marked interrupted while the open workspace was opened.
    int interruptedOnOpen() const { return m_interruptedOnOpen; }

    // A new connection to the workspace at path for the calling thread (any thread;
    // thread-safe). It never migrates: use it for a workspace this service has opened.
    static std::unique_ptr<Workspace> openConnection(const QString &path, QString *error);

    // Re-reads the runs and signals the differences (call when a run was added, changed
    // status or was removed by a writer the service does not own).
    void checkRuns();
    // Deletes the run with its epochs and evaluations, then signals it.
    bool deleteRun(qint64 runId, QString *error);

Q_SIGNALS:
    void workspaceOpened(const QString &path);
    void openFailed(const QString &path, const QString &error);
    void workspaceClosed();
    // After any of the run signals below, once per checkRuns()/deleteRun().
    void runsChanged();
    void runAdded(qint64 runId);
    void runStatusChanged(qint64 runId, momok::RunStatus status);
    void runRemoved(qint64 runId);

private:
    struct Opened;
    void adopt(const QString &path, int generation, const Opened &opened);
    QHash<qint64, RunStatus> readRunStatuses() const;

    std::unique_ptr<Workspace> m_workspace;
    QHash<qint64, RunStatus> m_runStatuses; // what the views were last told
    int m_interruptedOnOpen = 0;
    bool m_opening = false;
    int m_generation = 0;
};

} // namespace momok::ui
