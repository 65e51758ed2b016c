#pragma once
// Runs a workspace read on the thread pool and hands its result back on the UI thread.
#include "workspace/WorkspaceService.h"

#include <QFutureWatcher>
#include <QObject>
#include <QtConcurrent>

#include <utility>

namespace momok::ui {

// `apply` runs on context's thread, only while context is alive.
template <typename Work, typename Apply>
void loadAsync(QObject *context, Work work, Apply apply)
{
    using Result = decltype(work());
    auto *watcher = new QFutureWatcher<Result>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, apply = std::move(apply)]() mutable {
        apply(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

// The same with a connection of the pool thread's own to the workspace at path (SQL
// connections are per thread), opened through WorkspaceService::openConnection:
// `work(Workspace *ws, const QString &error)` gets null and the reason when it fails.
template <typename Work, typename Apply>
void loadFromWorkspace(QObject *context, const QString &path, Work work, Apply apply)
{
    loadAsync(
        context,
        [path, work = std::move(work)] {
            QString error;
            std::unique_ptr<Workspace> ws = WorkspaceService::openConnection(path, &error);
            return work(ws.get(), error);
        },
        std::move(apply));
}

} // namespace momok::ui
