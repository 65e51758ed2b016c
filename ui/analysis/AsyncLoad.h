#pragma once
// Runs a workspace read on the thread pool and hands its result back on the UI thread.
// Each call opens its own Workspace inside `work` (SQL connections are per thread).
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

} // namespace momok::ui
