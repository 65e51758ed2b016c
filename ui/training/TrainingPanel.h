#pragma once
// The main window's "Training" tab: starts training from the dialog (or the quick
// demo), shows its progress (epoch, batch, elapsed, time left), live plots of the
// losses and of validation MRR / Hits@k, and cancels or resumes runs. Training runs
// on a worker thread; the UI only receives batched, queued signals.
#include "domain/Feedback.h"
#include "eval/EvaluationReport.h"
#include "storage/WorkspaceRecords.h"
#include "train/RunSpec.h"
#include "train/TrainingObserver.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include <optional>

class QCPGraph;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QThread;
class QTimer;

namespace momok {
class Workspace;
}

namespace momok::ui {

class TrainingWorker;
class WorkspaceService;
struct TrainingJob;

class TrainingPanel : public QWidget
{
    Q_OBJECT
public:
    explicit TrainingPanel(QWidget *parent = nullptr);
    ~TrainingPanel() override; // cancels a running training and waits for it

    // The workspace new runs are recorded in and runs are resumed from. The trainer
    // records through its own connection; whoever wires the panel tells the service
    // when runStarted/runFinished.
    void setWorkspaceService(WorkspaceService *service);
    // The dataset new runs train on; datasetId (-1 if unknown) narrows the resumable runs.
    void setDataset(const QString &datasetDir, qint64 datasetId);
    // While no training runs: the chosen run's recorded curves, epochs and figures (after a
    // restart the tab shows what the workspace holds, not an empty state); runId < 0 clears.
    // The run this panel is training or has just trained keeps its live view.
    void showRun(qint64 runId);

    bool isTraining() const { return m_training; }
    qint64 currentRunId() const { return m_runId; }
    // Cancelled or interrupted runs of the workspace (of the current dataset when known).
    QVector<RunRecord> resumableRuns() const;
    // Finished runs, which train on with more epochs or patience (Resume… › Train on).
    QVector<RunRecord> finishedRuns() const;

    // For the main window's closeEvent: when training, asks whether to stop it; if so
    // cancels and waits until the run is saved and marked cancelled (resumable).
    // False when the user chose to keep training.
    bool confirmAndStopForClose(QWidget *parent);

    // The plots, for the main window's export actions and for tests.
    QCustomPlot *lossPlot() const { return m_lossPlot; }
    QCustomPlot *miPlot() const { return m_miPlot; }
    QCustomPlot *metricsPlot() const { return m_metricsPlot; }

public Q_SLOTS:
    void showTrainingDialog();
    // "No trained model for this dataset yet…": true when the user accepted and it started.
    bool offerQuickDemo();
    // The same training without the question (the welcome page's one-click quick demo).
    bool startQuickDemo();
    bool startTraining(const momok::RunSpec &spec, const QString &runName = QString());
    // Continues a cancelled or interrupted run; a finished one only with changes that let
    // it train further (more epochs, or a larger patience after an early stop).
    bool resumeRun(qint64 runId, const momok::ResumeChanges &changes = {});
    // Asks how much further a finished run trains (TrainOnDialog), then resumes it.
    bool trainRunOn(qint64 runId);
    void cancelTraining();
    // Tests: the next training cancels itself when it reports this progress (a fixed point
    // of the run instead of a race with a timer); nullopt clears it.
    void setCancelPointForTesting(std::optional<momok::Progress> point) { m_cancelPointForTesting = point; }

Q_SIGNALS:
    void runStarted(qint64 runId);
    void runFinished(qint64 runId, momok::Outcome outcome);
    // The compute threads and device ("cpu", "cuda:N") of the running training; 0 threads
    // once it has ended.
    void computeThreadsChanged(int threads, const QString &device);
    // While a training runs: the dataset folder it trains on (Workspace::folderPath's form) and
    // one line on where it stands ("epoch 3 of 100 · about 0:04 left"); an empty line once it
    // has ended (emitted before runFinished).
    void activityChanged(const QString &datasetDir, const QString &progress);

private:
    // The workspace's runs (of the current dataset when known) whose status `accept` takes.
    QVector<RunRecord> runsOfDatasetWhere(bool (*accept)(RunStatus)) const;
    // datasetDir: the folder the job trains on, for activityChanged.
    bool launch(const TrainingJob &job, const QString &description, const QString &datasetDir);
    void onStarted(qint64 runId, const QString &runDir, int completedEpochs, int totalEpochs, int batchesPerEpoch,
                   const QVector<momok::Decoder> &decoders, int computeThreads, int processes, const QString &device);
    void onProgress(const momok::Progress &progress);
    void onEpochFinished(const momok::EpochRecord &record);
    void onEvaluationFinished(const momok::EvaluationReport &report, bool improved);
    void onMessage(const QString &text);
    void onFinished(qint64 runId, momok::Outcome outcome, const QString &error);
    void retireThread();
    void showResumeMenu();
    void clearPlots();
    void addEpochPoint(const EpochRecord &record);
    void addEvaluationPoint(const EvaluationReport &report);
    // The validation plot's MRR curve of each decoder in `decoders` shown and in the legend,
    // the others hidden: a training's decoders, or those a stored run's validations ranked with.
    void showDecoderCurves(const QVector<Decoder> &decoders);
    // The progress bar at `done` of `total` epochs, its text agreeing with the total.
    void showEpochProgress(int done, int total);
    void loadHistory(qint64 runId);
    void scheduleReplot();
    void replotNow();
    void updateDetails();
    // The running training's time left at its pace so far; -1 before its first batch or when idle.
    qint64 remainingMs() const;
    // The epoch every line names (the details, the predictions pane's line, the close
    // question), 1 to the total: the one whose batches run; between epochs (a validation, a
    // resume before its first batch) the one just finished; the first before any.
    int epochShown() const;
    // Emits activityChanged when the running training's line has changed.
    void announceActivity();
    void updateButtons();
    // The idle state when no run is selected: what to do, and an empty progress bar.
    void showNoRun();
    void setStatus(const QString &text);
    void showError(const QString &text);

    QString workspacePath() const;
    Workspace *workspace() const; // the service's UI-thread connection, or null

    QPointer<WorkspaceService> m_service; // owned by the window; may go first when it closes
    QString m_datasetDir;
    qint64 m_datasetId = -1;

    QThread *m_thread = nullptr;
    TrainingWorker *m_worker = nullptr;
    bool m_training = false;
    bool m_cancelRequested = false;
    qint64 m_runId = -1;
    QString m_runDir, m_description;
    QString m_trainingDatasetDir, m_announcedActivity; // of the running training
    int m_totalEpochs = 0, m_startEpoch = 0, m_epoch = 0, m_batch = 0, m_batches = 0;
    double m_bestValidMrr = -1;
    int m_bestEpoch = 0;
    QElapsedTimer m_clock;

    QLabel *m_status = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_details = nullptr;
    std::optional<momok::Progress> m_cancelPointForTesting;
    QLabel *m_message = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_trainButton = nullptr, *m_cancelButton = nullptr, *m_resumeButton = nullptr;
    QCustomPlot *m_lossPlot = nullptr, *m_miPlot = nullptr, *m_metricsPlot = nullptr;
    QCPGraph *m_mainLoss = nullptr, *m_bceLoss = nullptr, *m_mi = nullptr, *m_estimator = nullptr;
    QCPGraph *m_mrr = nullptr, *m_hits1 = nullptr, *m_hits3 = nullptr, *m_hits10 = nullptr;
    QCPGraph *m_decoderMrr[4] = {};
    QTimer *m_replotTimer = nullptr;
    QTimer *m_tick = nullptr;
};

} // namespace momok::ui
