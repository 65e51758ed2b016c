#pragma once
// Every run of the current dataset: a table with configuration, status and metrics;
// the selected runs compared (metrics and differing settings side by side, validation
// MRR and loss per epoch overlaid); the ablation table built from runs that differ
// only in ablation switches; deleting a run.
#include "analysis/AblationTable.h"
#include "storage/WorkspaceRecords.h"
#include "train/TrainingObserver.h"

#include <QPointer>
#include <QHash>
#include <QWidget>

#include <functional>

class QCustomPlot;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace momok {
class Workspace;
}

namespace momok::ui {

class AblationTableModel;
class WorkspaceService;
class RunComparisonModel;
class RunListModel;

// Everything the view shows, read on a worker thread.
struct RunsSnapshot {
    QString error;
    QString datasetName;
    QVector<RunRecord> runs; // newest first
    QHash<qint64, QVector<EvaluationRecord>> evaluations;
    QHash<qint64, QVector<EpochRecord>> epochs;
    QVector<AblationCandidate> candidates;
    // ws null: nothing to read, openError says why (empty: no workspace is open).
    static RunsSnapshot load(Workspace *ws, const QString &openError, qint64 datasetId);
};

class RunsView : public QWidget
{
    Q_OBJECT
public:
    explicit RunsView(QWidget *parent = nullptr);

    // Follows the service's workspace and refreshes when its runs change.
    void setWorkspaceService(WorkspaceService *service);
    void setDataset(qint64 datasetId);
    // Asked before a run is deleted; the default shows a question box.
    void setDeleteConfirmation(std::function<bool(const QString &question)> confirm);

    void selectRuns(const QVector<qint64> &runIds);
    QVector<qint64> selectedRuns() const;
    // Deletes after confirmation; false when declined or failed (the reason in *error).
    bool deleteRun(qint64 runId, QString *error = nullptr);

    bool hasData() const;
    QString emptyText() const;
    RunListModel *runModel() const { return m_runs; }
    QTableView *runTable() const { return m_runTable; }
    RunComparisonModel *comparisonModel() const { return m_comparison; }
    AblationTableModel *ablationModel() const { return m_ablation; }
    QTableView *comparisonTable() const { return m_comparisonTable; }
    QTableView *ablationTable() const { return m_ablationTable; }
    QCustomPlot *mrrPlot() const { return m_mrrPlot; }
    QCustomPlot *lossPlot() const { return m_lossPlot; }
    QTabWidget *tabs() const { return m_tabs; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void runActivated(qint64 runId);
    void runDeleted(qint64 runId);
    void loaded();

private:
    void apply(const RunsSnapshot &snapshot);
    void updateComparison();
    void fitComparisonColumns();
    void deleteSelected();

    QPointer<WorkspaceService> m_service; // owned by the window; may go first when it closes
    qint64 m_datasetId = -1;
    int m_generation = 0;
    RunsSnapshot m_snapshot;
    std::function<bool(const QString &)> m_confirm;

    RunListModel *m_runs = nullptr;
    QSortFilterProxyModel *m_runProxy = nullptr;
    RunComparisonModel *m_comparison = nullptr;
    AblationTableModel *m_ablation = nullptr;

    QStackedWidget *m_stack = nullptr;
    QLabel *m_empty = nullptr;
    QLabel *m_caption = nullptr;
    QLabel *m_compareHint = nullptr;
    QLabel *m_ablationNote = nullptr;
    QPushButton *m_deleteButton = nullptr;
    QTableView *m_runTable = nullptr;
    QTableView *m_comparisonTable = nullptr;
    QTableView *m_ablationTable = nullptr;
    QTabWidget *m_tabs = nullptr;
    QCustomPlot *m_mrrPlot = nullptr;
    QCustomPlot *m_lossPlot = nullptr;
};

} // namespace momok::ui
