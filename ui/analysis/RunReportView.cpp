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

void RunReportView::setWorkspace(const QString &path)
{
    m_workspacePath = path;
    reload();
}

void RunReportView::setRun(qint64 runId)
{
    m_runId = runId;
    reload();
}

void RunReportView::reload()
{
    const int generation = ++m_generation;
    if (m_workspacePath.isEmpty() || m_runId < 0) {
        showEmpty(m_workspacePath.isEmpty() ? tr("No workspace is open.") : m_noRunHint);
        Q_EMIT loaded();
        return;
    }
    m_empty->setText(tr("Reading the run’s evaluation…"));
    const QString path = m_workspacePath;
    const qint64 runId = m_runId;
    loadAsync(this, [path, runId] { return RunReportLoader::load(path, runId); },
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
