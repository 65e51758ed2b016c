#pragma once
// A view of one run's evaluation (Experts, Modalities): follows the workspace service and
// the run the window has chosen, reads the run's report off the UI thread (dropping answers
// the user has moved on from), and shows either its content or an empty state saying what
// to do. It reloads by itself when its run changes status or disappears.
#include <QPointer>
#include <QString>
#include <QWidget>

class QLabel;
class QStackedWidget;

namespace momok::ui {

struct RunReport;
class WorkspaceService;

class RunReportView : public QWidget
{
    Q_OBJECT
public:
    void setWorkspaceService(WorkspaceService *service);
    WorkspaceService *workspaceService() const;
    qint64 run() const { return m_runId; }

    bool hasData() const;
    QString emptyText() const;

public Q_SLOTS:
    // The run already shown is no change (it is not read again).
    void setRun(qint64 runId);
    void reload();

Q_SIGNALS:
    // A read of runId's report went to the thread pool.
    void loadStarted(qint64 runId);
    // After every load, with or without data (the view then shows what to do next).
    void loaded();

protected:
    // noRunHint: the empty state's text when a workspace is open but no run is chosen.
    RunReportView(const QString &noRunHint, QWidget *parent);

    // Puts the view's content beside its empty state; called once by the constructor.
    void setContent(QWidget *content, const QString &emptyStateName);
    void showEmpty(const QString &text); // clears the content first
    void showContent();

    virtual void apply(const RunReport &report) = 0;
    virtual void clearContent() = 0;

private:
    QString m_noRunHint;
    QPointer<WorkspaceService> m_service; // owned by the window; may go first when it closes
    qint64 m_runId = -1;
    int m_generation = 0;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_empty = nullptr;
};

} // namespace momok::ui
