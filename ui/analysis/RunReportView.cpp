#include "analysis/RunReportView.h"

#include "analysis/AsyncLoad.h"
#include "analysis/RunReportLoader.h"

#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace momok::ui {

RunReportView::RunReportView(const QString &noRunHint, QWidget *parent) : QWidget(parent), m_noRunHint(noRunHint)
{
    m_empty = new QLabel(this);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_empty);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(6, 6, 6, 6);
    outer->addWidget(m_stack);
}

void RunReportView::setContent(QWidget *content, const QString &emptyStateName)
{
    m_empty->setObjectName(emptyStateName);
    m_stack->addWidget(content);
    showEmpty(tr("No workspace is open."));
}

void RunReportView::setWorkspaceService(WorkspaceService *service)
{
    if (m_service)
        disconnect(m_service, nullptr, this, nullptr);
    m_service = service;
    if (m_service) {
        connect(m_service, &WorkspaceService::workspaceOpened, this, &RunReportView::reload);
        connect(m_service, &WorkspaceService::workspaceClosed, this, &RunReportView::reload);
        // The run ended or was resumed: its evaluations may have changed.
        connect(m_service, &WorkspaceService::runStatusChanged, this, [this](qint64 runId) {
            if (runId == m_runId)
                reload();
        });
        connect(m_service, &WorkspaceService::runRemoved, this, [this](qint64 runId) {
            if (runId == m_runId)
                setRun(-1);
        });
    }
    reload();
}

WorkspaceService *RunReportView::workspaceService() const { return m_service; }

void RunReportView::setRun(qint64 runId)
{
    // Whoever shows a run may hear of it more than once (its run list refreshing, a
    // training finishing); reading it again would only repeat the same load.
    if (runId == m_runId)
        return;
    m_runId = runId;
    reload();
}

void RunReportView::reload()
{
    const int generation = ++m_generation;
    const bool open = m_service && m_service->isOpen();
    if (!open || m_runId < 0) {
        showEmpty(!open ? tr("No workspace is open.") : m_noRunHint);
        Q_EMIT loaded();
        return;
    }
    m_empty->setText(tr("Reading the run’s evaluation…"));
    const qint64 runId = m_runId;
    Q_EMIT loadStarted(runId);
    loadFromWorkspace(
        this, m_service->path(),
        [runId](Workspace *ws, const QString &error) { return RunReportLoader::load(ws, error, runId); },
        [this, generation](const RunReport &report) {
            if (generation != m_generation)
                return; // a newer request is on its way
            apply(report);
            Q_EMIT loaded();
        });
}

void RunReportView::showEmpty(const QString &text)
{
    clearContent();
    m_empty->setText(text);
    m_stack->setCurrentIndex(0);
}

void RunReportView::showContent() { m_stack->setCurrentIndex(1); }

bool RunReportView::hasData() const { return m_stack->currentIndex() == 1; }
QString RunReportView::emptyText() const { return hasData() ? QString() : m_empty->text(); }

} // namespace momok::ui
