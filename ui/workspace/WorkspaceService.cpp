#include "workspace/WorkspaceService.h"

#include <QFutureWatcher>
#include <QtConcurrent>

namespace momok::ui {

// What the pool thread's open found; its connection is closed before it returns.
struct WorkspaceService::Opened {
    bool ok = false;
    QString error;
    int interrupted = 0;
};

WorkspaceService::WorkspaceService(QObject *parent) : QObject(parent) {}

WorkspaceService::~WorkspaceService() = default;

QString WorkspaceService::path() const { return m_workspace ? m_workspace->path() : QString(); }

std::unique_ptr<Workspace> WorkspaceService::openConnection(const QString &path, QString *error)
{
    return Workspace::open(path, error, Workspace::OpenMode::RequireCurrent);
}

void WorkspaceService::open(const QString &path)
{
    const int generation = ++m_generation;
    m_opening = true;
    auto *watcher = new QFutureWatcher<Opened>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, generation] {
        watcher->deleteLater();
        adopt(path, generation, watcher->result());
    });
    // Creates, migrates and marks dead runs on the pool thread; the connection is
    // closed (and removed) on that thread when the Workspace goes out of scope.
    watcher->setFuture(QtConcurrent::run([path] {
        Opened opened;
        if (std::unique_ptr<Workspace> ws = Workspace::open(path, &opened.error)) {
            opened.ok = true;
            opened.interrupted = ws->interruptedOnOpen();
        }
        return opened;
    }));
}

void WorkspaceService::adopt(const QString &path, int generation, const Opened &opened)
{
    if (generation != m_generation)
        return; // a later open() or close() superseded this one
    m_opening = false;
    QString error = opened.error;
    std::unique_ptr<Workspace> ws = opened.ok ? openConnection(path, &error) : nullptr;
    if (!ws) {
        Q_EMIT openFailed(path, error);
        return;
    }
    m_workspace = std::move(ws);
    m_interruptedOnOpen = opened.interrupted;
    m_runStatuses = readRunStatuses();
    Q_EMIT workspaceOpened(m_workspace->path());
}

void WorkspaceService::close()
{
    ++m_generation;
    m_opening = false;
    if (!m_workspace)
        return;
    m_workspace.reset();
    m_runStatuses.clear();
    m_interruptedOnOpen = 0;
    Q_EMIT workspaceClosed();
}

QHash<qint64, RunStatus> WorkspaceService::readRunStatuses() const
{
    QHash<qint64, RunStatus> statuses;
    if (m_workspace)
        for (const RunRecord &run : m_workspace->runs())
            statuses.insert(run.id, run.status);
    return statuses;
}

void WorkspaceService::checkRuns()
{
    if (!m_workspace)
        return;
    const QHash<qint64, RunStatus> now = readRunStatuses();
    const QHash<qint64, RunStatus> before = std::exchange(m_runStatuses, now);
    bool changed = false;
    for (auto it = before.cbegin(); it != before.cend(); ++it) {
        if (!now.contains(it.key())) {
            changed = true;
            Q_EMIT runRemoved(it.key());
        }
    }
    for (auto it = now.cbegin(); it != now.cend(); ++it) {
        const auto old = before.constFind(it.key());
        if (old == before.cend()) {
            changed = true;
            Q_EMIT runAdded(it.key());
        } else if (old.value() != it.value()) {
            changed = true;
            Q_EMIT runStatusChanged(it.key(), it.value());
        }
    }
    if (changed)
        Q_EMIT runsChanged();
}

bool WorkspaceService::deleteRun(qint64 runId, QString *error)
{
    if (!m_workspace) {
        if (error)
            *error = tr("No workspace is open.");
        return false;
    }
    if (!m_workspace->deleteRun(runId, error))
        return false;
    checkRuns();
    return true;
}

} // namespace momok::ui
