#include "training/TrainingPanel.h"

#include "common/LegendColumnFitter.h"
#include "common/ModalityPalette.h"
#include "domain/Plural.h"
#include "storage/Workspace.h"
#include "train/RunSpec.h"
#include "workspace/WorkspaceService.h"
#include "training/TrainOnDialog.h"
#include "training/TrainingDialog.h"
#include "training/TrainingWorker.h"

#include "common/QCustomPlotInclude.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

namespace momok::ui {

namespace {

constexpr int kReplotIntervalMs = 200; // plots repaint at most 5 times a second however fast epochs come
const QColor kVermillion(0xD5, 0x5E, 0x00);
const QColor kSkyBlue(0x56, 0xB4, 0xE9);

QString duration(qint64 ms)
{
    const qint64 s = ms / 1000;
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

QString percent(double v) { return QString::number(v, 'f', 1); }

QCustomPlot *makePlot(QWidget *parent, const QString &name, const QString &title, const QString &yLabel)
{
    auto *plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    plot->setAccessibleName(title);
    plot->setMinimumSize(220, 160);
    plot->plotLayout()->insertRow(0);
    auto *caption = new QCPTextElement(plot, title, QFont(parent->font().family(), parent->font().pointSize(), QFont::Bold));
    plot->plotLayout()->addElement(0, 0, caption);
    plot->xAxis->setLabel(QObject::tr("epoch"));
    plot->yAxis->setLabel(yLabel);
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples); // whole epochs, thinned out as they grow
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setRange(0.5, 2.5);
    // The legend goes under the axes, in rows: inside, it would hide the curves' ends.
    plot->legend->setVisible(true);
    QFont small = parent->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    plot->legend->setFont(small);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->legend->setRowSpacing(0);
    plot->legend->setColumnSpacing(10);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setWrap(3);
    LegendColumnFitter::attach(plot, 4);
    plot->axisRect()->insetLayout()->take(plot->legend);
    plot->plotLayout()->addElement(2, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(2, 0.001);
    plot->legend->setMargins(QMargins(4, 0, 4, 2));
    plot->setNoAntialiasingOnDrag(true);
    return plot;
}

QCPGraph *addGraph(QCustomPlot *plot, const QString &name, const QColor &color, Qt::PenStyle style = Qt::SolidLine,
                   double width = 1.6, QCPAxis *valueAxis = nullptr)
{
    QCPGraph *g = plot->addGraph(plot->xAxis, valueAxis ? valueAxis : plot->yAxis);
    g->setName(name);
    QPen pen(color, width, style);
    g->setPen(pen);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 4));
    return g;
}

// Replaces the point of an epoch done again (a resumed run redoes the epoch after its checkpoint).
void setPoint(QCPGraph *graph, double key, double value)
{
    graph->data()->removeAfter(key - 0.5);
    graph->addData(key, value);
}

// Values with a margin.
void fitAxis(QCPAxis *axis, QCPRange range)
{
    // Curves that barely move (one epoch, or main loss = BCE when μ is tiny) would
    // otherwise get a range so narrow that every tick label reads the same.
    const double minimumSpan = qMax(qAbs(range.center()) * 0.1, 1e-6);
    if (range.size() < minimumSpan)
        range = QCPRange(range.center() - minimumSpan, range.center() + minimumSpan);
    axis->setRange(range);
    axis->scaleRange(1.15, range.center());
}

} // namespace

TrainingPanel::TrainingPanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("TrainingPanel"));
    auto *layout = new QHBoxLayout(this);

    auto *side = new QVBoxLayout;
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("trainingStatus"));
    m_status->setWordWrap(true);
    QFont bold = m_status->font();
    bold.setBold(true);
    m_status->setFont(bold);
    side->addWidget(m_status);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("trainingProgress"));
    side->addWidget(m_progress);
    showNoRun();
    auto *buttons = new QHBoxLayout;
    m_trainButton = new QPushButton(tr("Train…"), this);
    m_trainButton->setObjectName(QStringLiteral("trainButton"));
    m_trainButton->setToolTip(tr("Choose the settings and start a new training run"));
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setToolTip(tr("Stop after the current batch; the run keeps its last finished epoch and can be resumed"));
    m_resumeButton = new QPushButton(tr("Resume…"), this);
    m_resumeButton->setObjectName(QStringLiteral("resumeButton"));
    m_resumeButton->setToolTip(tr("Continue a cancelled or interrupted run of this workspace, or train a finished one on"));
    buttons->addWidget(m_trainButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_resumeButton);
    side->addLayout(buttons);
    m_details = new QLabel(this);
    m_details->setObjectName(QStringLiteral("trainingDetails"));
    m_details->setWordWrap(true);
    side->addWidget(m_details);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("trainingMessage"));
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: palette(mid);"));
    side->addWidget(m_message);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("trainingError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #8A2B00; background: #FBE9E0; border: 1px solid #D55E00;"
                                          " border-radius: 3px; padding: 4px; }"));
    m_error->hide();
    side->addWidget(m_error);
    side->addStretch(1);
    auto *sideWidget = new QWidget(this);
    sideWidget->setLayout(side);
    sideWidget->setFixedWidth(320);
    layout->addWidget(sideWidget);

    m_lossPlot = makePlot(this, QStringLiteral("lossPlot"), tr("Training loss"), tr("loss"));
    // BCE first, so the main loss (nearly equal when μ is small) is drawn over it.
    m_bceLoss = addGraph(m_lossPlot, tr("BCE"), kSkyBlue, Qt::DashLine, 1.2);
    m_mainLoss = addGraph(m_lossPlot, tr("main (BCE + μ·MI)"), decoderColor(Decoder::Combined));
    layout->addWidget(m_lossPlot, 1);

    // The MI bound and the estimators' loss differ by orders of magnitude: one axis each.
    m_miPlot = makePlot(this, QStringLiteral("miPlot"), tr("Expert disentanglement"), tr("MI upper bound"));
    m_miPlot->yAxis2->setVisible(true);
    m_miPlot->yAxis2->setLabel(tr("estimator loss"));
    m_estimator = addGraph(m_miPlot, tr("estimator loss (right axis)"), decoderColor(Decoder::Structure), Qt::DashLine,
                           1.2, m_miPlot->yAxis2);
    m_estimator->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, decoderColor(Decoder::Structure), Qt::white, 5));
    // Drawn last, so it stays visible where the two curves cross.
    m_mi = addGraph(m_miPlot, tr("MI estimate"), kVermillion);
    m_miPlot->yAxis->setLabelColor(kVermillion);
    m_miPlot->yAxis2->setLabelColor(decoderColor(Decoder::Structure));
    layout->addWidget(m_miPlot, 1);

    m_metricsPlot = makePlot(this, QStringLiteral("metricsPlot"), tr("Validation (filtered, %)"), tr("%"));
    const QColor combined = decoderColor(Decoder::Combined);
    m_mrr = addGraph(m_metricsPlot, tr("MRR"), combined, Qt::SolidLine, 2.4);
    m_hits1 = addGraph(m_metricsPlot, tr("Hits@1"), combined.lighter(250), Qt::DotLine, 1.4);
    m_hits3 = addGraph(m_metricsPlot, tr("Hits@3"), combined.lighter(200), Qt::DashDotLine, 1.4);
    m_hits10 = addGraph(m_metricsPlot, tr("Hits@10"), combined.lighter(150), Qt::DashLine, 1.4);
    for (int d = 0; d < 4; ++d) {
        m_decoderMrr[d] = addGraph(m_metricsPlot, tr("MRR %1").arg(decoderKey(Decoder(d))), decoderColor(Decoder(d)),
                                   Qt::SolidLine, 1.2);
        m_decoderMrr[d]->setScatterStyle(QCPScatterStyle::ssNone);
        m_decoderMrr[d]->removeFromLegend(); // added once the decoder is known to be trained
        m_decoderMrr[d]->setVisible(false);
    }
    m_metricsPlot->yAxis->setRange(0, 100);
    layout->addWidget(m_metricsPlot, 1);

    m_replotTimer = new QTimer(this);
    m_replotTimer->setSingleShot(true);
    m_replotTimer->setInterval(kReplotIntervalMs);
    connect(m_replotTimer, &QTimer::timeout, this, &TrainingPanel::replotNow);
    m_tick = new QTimer(this);
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &TrainingPanel::updateDetails);

    connect(m_trainButton, &QPushButton::clicked, this, &TrainingPanel::showTrainingDialog);
    connect(m_cancelButton, &QPushButton::clicked, this, &TrainingPanel::cancelTraining);
    connect(m_resumeButton, &QPushButton::clicked, this, &TrainingPanel::showResumeMenu);
    updateButtons();
}

TrainingPanel::~TrainingPanel()
{
    if (!m_thread)
        return;
    // Closing without confirmAndStopForClose(): still stop cleanly so the run is marked cancelled.
    m_worker->cancel();
    disconnect(m_worker, nullptr, this, nullptr);
    disconnect(m_thread, nullptr, this, nullptr);
    m_thread->quit();
    m_thread->wait();
    delete m_worker;
}

void TrainingPanel::setWorkspaceService(WorkspaceService *service)
{
    if (m_service)
        disconnect(m_service, nullptr, this, nullptr);
    m_service = service;
    if (m_service) {
        connect(m_service, &WorkspaceService::workspaceOpened, this, &TrainingPanel::updateButtons);
        connect(m_service, &WorkspaceService::workspaceClosed, this, &TrainingPanel::updateButtons);
    }
    updateButtons();
}

QString TrainingPanel::workspacePath() const { return m_service ? m_service->path() : QString(); }

Workspace *TrainingPanel::workspace() const { return m_service ? m_service->workspace() : nullptr; }

void TrainingPanel::setDataset(const QString &datasetDir, qint64 datasetId)
{
    m_datasetDir = datasetDir;
    m_datasetId = datasetId;
    updateButtons();
}

void TrainingPanel::showRun(qint64 runId)
{
    if (m_training || (runId >= 0 && runId == m_runId))
        return;
    Workspace *ws = workspace();
    const std::optional<RunRecord> run = ws && runId >= 0 ? ws->run(runId) : std::nullopt;
    clearPlots();
    m_error->hide();
    if (!run) {
        showNoRun();
        return;
    }
    loadHistory(runId);
    // The decoders the run trained: those its validations ranked with.
    QVector<Decoder> trained;
    for (int d = 0; d < kScoringDecoderCount; ++d)
        if (!m_decoderMrr[d]->data()->isEmpty())
            trained << Decoder(d);
    showDecoderCurves(trained);
    const int total = RunSpec::fromJson(run->config).config.epochs;
    showEpochProgress(run->epochCount, qMax(1, qMax(total, run->epochCount)));
    QStringList figures;
    if (run->bestValidMrr)
        figures << tr("best validation MRR %1 %").arg(*run->bestValidMrr, 0, 'f', 1);
    if (run->testMrr)
        figures << tr("test MRR %1 %").arg(*run->testMrr, 0, 'f', 1);
    setStatus(tr("Run “%1”: %2 after epoch %3 of %4%5.")
                  .arg(run->name, runStatusLabel(run->status).toLower())
                  .arg(run->epochCount)
                  .arg(total)
                  .arg(figures.isEmpty() ? QString() : QStringLiteral(" · ") + figures.join(QStringLiteral(" · "))));
}

// ---- starting ----

void TrainingPanel::showTrainingDialog()
{
    if (m_training)
        return;
    auto *dialog = new TrainingDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWorkspacePath(workspacePath());
    if (!m_datasetDir.isEmpty()) {
        dialog->setDatasetDir(m_datasetDir);
        if (Workspace *ws = workspace(); ws && m_datasetId >= 0)
            if (const auto record = ws->dataset(m_datasetId))
                dialog->setDatasetShape(m_datasetDir, record->entityCount, record->relationCount);
    }
    connect(dialog, &QDialog::accepted, this, [this, dialog] { startTraining(dialog->runSpec(), dialog->runName()); });
    dialog->open();
}

bool TrainingPanel::offerQuickDemo()
{
    if (m_training || m_datasetDir.isEmpty())
        return false;
    const bool teaching = QFile::exists(QDir(m_datasetDir).filePath(QStringLiteral("planted_modalities.tsv")));
    const auto answer = QMessageBox::question(
        this, tr("Train a model?"),
        teaching ? tr("No trained model for this teaching graph yet. Train one with the Teaching demo preset "
                      "(a minute or two)?")
                 : tr("No trained model for this dataset yet. Train one with the Quick demo preset (under a minute)?"),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    return answer == QMessageBox::Yes && startQuickDemo();
}

bool TrainingPanel::startQuickDemo()
{
    if (m_training || m_datasetDir.isEmpty())
        return false;
    // A teaching graph (it carries its planted table) gets the teaching preset: fixed feature
    // tables, so the per-modality views can find what was planted.
    const bool teaching = QFile::exists(QDir(m_datasetDir).filePath(QStringLiteral("planted_modalities.tsv")));
    const QString preset = teaching ? QStringLiteral("teaching") : QStringLiteral("quick-demo");
    RunSpec spec;
    spec.datasetDir = m_datasetDir;
    ModelConfig::applyPreset(preset, &spec.config);
    const QString name = TrainingDialog::freeRunName(
        workspacePath(), TrainingDialog::defaultRunName(m_datasetDir) + QLatin1Char('-') + preset);
    spec.runDir = TrainingDialog::defaultRunDir(workspacePath(), name);
    return startTraining(spec, name);
}

bool TrainingPanel::startTraining(const RunSpec &spec, const QString &runName)
{
    if (m_training) {
        showError(tr("A training is already running. Cancel it first, or wait until it ends."));
        return false;
    }
    const QStringList problems = ModelConfig::messages(spec.config.validate());
    if (!problems.isEmpty()) {
        showError(tr("These settings cannot be trained: %1. Open Train… and correct them.").arg(problems.join(QStringLiteral("; "))));
        return false;
    }
    TrainingJob job;
    job.spec = spec;
    job.workspacePath = workspacePath();
    job.runName = runName;
    const QString name = runName.isEmpty() ? QFileInfo(spec.runDir).fileName() : runName;
    clearPlots();
    return launch(job, tr("run '%1'").arg(name), spec.datasetDir);
}

bool TrainingPanel::resumeRun(qint64 runId, const ResumeChanges &changes)
{
    if (m_training) {
        showError(tr("A training is already running. Cancel it first, or wait until it ends."));
        return false;
    }
    if (!workspace()) {
        showError(tr("No workspace is open, so there are no runs to resume."));
        return false;
    }
    Workspace *ws = workspace();
    const std::optional<RunRecord> run = ws->run(runId);
    if (!run) {
        showError(tr("Run %1 is not in the workspace (it may have been deleted).").arg(runId));
        return false;
    }
    if (run->status == RunStatus::Running) {
        showError(tr("Run %1 is still running (process %2 on %3). Wait for it to end or stop it there.")
                      .arg(runId).arg(run->pid).arg(run->host));
        return false;
    }
    if (run->status == RunStatus::Finished && !changes.epochs && !changes.patience) {
        showError(tr("Run %1 has already finished: there is nothing to resume. To train it further, choose it "
                     "under \"Train on\" in Resume… and give it more epochs.").arg(runId));
        return false;
    }
    const QString runDir = run->config.value(QStringLiteral("run_dir")).toString();
    if (runDir.isEmpty() || !QFileInfo::exists(QDir(runDir).filePath(QStringLiteral("run.json")))) {
        showError(tr("The folder of run %1 (%2) is missing, so it cannot be resumed. Start a new run with Train….")
                      .arg(runId).arg(runDir.isEmpty() ? tr("not recorded") : QDir::toNativeSeparators(runDir)));
        return false;
    }
    clearPlots();
    loadHistory(runId);
    TrainingJob job;
    job.resume = true;
    job.runDir = runDir;
    job.changes = changes;
    job.workspacePath = workspacePath();
    return launch(job, tr("run %1 '%2'").arg(runId).arg(run->name), RunSpec::fromJson(run->config).datasetDir);
}

bool TrainingPanel::trainRunOn(qint64 runId)
{
    Workspace *ws = workspace();
    const std::optional<RunRecord> run = ws ? ws->run(runId) : std::nullopt;
    if (!run)
        return resumeRun(runId); // says why not
    TrainOnDialog dialog(*run, this);
    dialog.setObjectName(QStringLiteral("trainOnDialog"));
    if (dialog.exec() != QDialog::Accepted)
        return false;
    return resumeRun(runId, dialog.changes());
}

bool TrainingPanel::launch(const TrainingJob &job, const QString &description, const QString &datasetDir)
{
    m_trainingDatasetDir = Workspace::folderPath(datasetDir);
    m_announcedActivity.clear();
    m_error->hide();
    m_message->clear();
    m_description = description;
    m_training = true;
    m_cancelRequested = false;
    m_runId = -1;
    m_epoch = m_batch = m_batches = m_totalEpochs = m_startEpoch = 0;
    m_bestValidMrr = -1;
    m_bestEpoch = 0;
    setStatus(tr("Preparing %1: reading the dataset and building the model…").arg(description));
    m_progress->setRange(0, 0); // busy until the trainer is ready (no text shows meanwhile)

    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("training"));
    TrainingJob withHooks = job;
    withHooks.cancelPoint = std::exchange(m_cancelPointForTesting, std::nullopt); // the next training only
    m_worker = new TrainingWorker(withHooks);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::started, m_worker, &TrainingWorker::run);
    connect(m_worker, &TrainingWorker::started, this, &TrainingPanel::onStarted);
    connect(m_worker, &TrainingWorker::progress, this, &TrainingPanel::onProgress);
    connect(m_worker, &TrainingWorker::epochFinished, this, &TrainingPanel::onEpochFinished);
    connect(m_worker, &TrainingWorker::evaluationFinished, this, &TrainingPanel::onEvaluationFinished);
    connect(m_worker, &TrainingWorker::message, this, &TrainingPanel::onMessage);
    connect(m_worker, &TrainingWorker::finished, this, &TrainingPanel::onFinished);
    // quit() straight from the worker thread: its event loop ends as soon as run() returns.
    connect(m_worker, &TrainingWorker::finished, m_thread, &QThread::quit, Qt::DirectConnection);
    m_clock.start();
    m_tick->start();
    m_thread->start(QThread::LowPriority); // the UI thread keeps the upper hand on a busy machine
    updateButtons();
    announceActivity();
    return true;
}

// ---- progress ----

void TrainingPanel::onStarted(qint64 runId, const QString &runDir, int completedEpochs, int totalEpochs,
                              int batchesPerEpoch, const QVector<Decoder> &decoders, int computeThreads, int processes,
                              const QString &device)
{
    m_runId = runId;
    m_runDir = runDir;
    m_message->clear(); // the feature preparation's progress line: preparation is over
    m_startEpoch = completedEpochs;
    m_epoch = completedEpochs;
    m_totalEpochs = totalEpochs;
    m_batches = batchesPerEpoch;
    m_clock.restart();
    showEpochProgress(completedEpochs, totalEpochs);
    showDecoderCurves(decoders);
    const QString who = runId >= 0 ? tr("run %1").arg(runId) : m_description;
    QString threads = counted(computeThreads, tr("thread(s)"));
    if (processes > 1)
        threads = tr("%1 processes of %2").arg(processes).arg(threads);
    if (device != QLatin1String("cpu"))
        threads = tr("%1 on %2").arg(threads, device.toUpper());
    if (completedEpochs > 0)
        setStatus(tr("Training %1 — resumed after epoch %2 of %3 (decoders %4, %5)")
                      .arg(who).arg(completedEpochs).arg(totalEpochs).arg(decoderKeys(decoders).join(QStringLiteral(", ")), threads));
    else
        setStatus(tr("Training %1 — %2 of %3 (decoders %4, %5)")
                      .arg(who, counted(totalEpochs, tr("epoch(s)")), counted(batchesPerEpoch, tr("batch(|es)")),
                           decoderKeys(decoders).join(QStringLiteral(", ")), threads));
    Q_EMIT computeThreadsChanged(computeThreads, device);
    updateDetails();
    updateButtons();
    Q_EMIT runStarted(runId);
}

void TrainingPanel::onProgress(const Progress &progress)
{
    switch (progress.stage) {
    case WorkStage::Training:
        m_epoch = progress.epoch - 1;
        m_batch = int(progress.done);
        m_batches = int(progress.total);
        updateDetails();
        break;
    case WorkStage::HashingInputs:
        m_message->setText(tr("Checking the feature cache (%1 of %2 entities)…").arg(progress.done).arg(progress.total));
        announceActivity();
        break;
    case WorkStage::ExtractingImages:
    case WorkStage::ExtractingTexts:
        m_message->setText(tr("Extracting %1: %2 of %3 entities…")
                               .arg(progress.stage == WorkStage::ExtractingImages ? tr("image features") : tr("text features"))
                               .arg(progress.done)
                               .arg(progress.total));
        announceActivity();
        break;
    case WorkStage::Evaluating:
    case WorkStage::DrawingImages:
    case WorkStage::ExportingSprite:
        break;
    }
}

void TrainingPanel::onEpochFinished(const EpochRecord &record)
{
    m_epoch = record.epoch;
    m_batch = 0;
    m_progress->setValue(record.epoch);
    addEpochPoint(record);
    updateDetails();
    scheduleReplot();
}

void TrainingPanel::onEvaluationFinished(const EvaluationReport &report, bool improved)
{
    if (report.split != Split::Valid)
        return; // the final test evaluation is reported in the status line
    if (improved) {
        m_bestValidMrr = report.headline().mrr;
        m_bestEpoch = report.epoch;
    }
    addEvaluationPoint(report);
    updateDetails();
    scheduleReplot();
}

void TrainingPanel::onMessage(const QString &text)
{
    m_message->setText(text);
}

void TrainingPanel::onFinished(qint64 runId, Outcome outcome, const QString &error)
{
    retireThread();
    m_training = false;
    m_tick->stop();
    if (runId >= 0)
        m_runId = runId;
    const QString who = runId >= 0 ? tr("run %1").arg(runId) : m_description;
    const QString elapsed = duration(m_clock.elapsed());
    showEpochProgress(m_epoch, qMax(1, m_totalEpochs));
    switch (outcome) {
    case Outcome::Finished: {
        QString metrics;
        if (runId >= 0) {
            if (Workspace *ws = workspace()) {
                const std::optional<RunRecord> run = ws->run(runId);
                if (run && run->testMrr)
                    metrics = tr(" — test MRR %1 %").arg(percent(*run->testMrr));
                if (run && run->finalMetrics.contains(QStringLiteral("hits10")))
                    metrics += tr(" (Hits@1/3/10 %1 / %2 / %3 %)")
                                   .arg(percent(run->finalMetrics.value(QStringLiteral("hits1")).toDouble()),
                                        percent(run->finalMetrics.value(QStringLiteral("hits3")).toDouble()),
                                        percent(run->finalMetrics.value(QStringLiteral("hits10")).toDouble()));
            }
        }
        setStatus(tr("Finished %1 in %2%3. Its predictions and experts are ready to explore.").arg(who, elapsed, metrics));
        m_progress->setValue(m_progress->maximum());
        break;
    }
    case Outcome::Cancelled:
        m_batch = 0;
        m_message->clear(); // the status says where the run stands
        setStatus(tr("Cancelled %1 after epoch %2 of %3. It is saved; press Resume… to continue it.")
                      .arg(who).arg(m_epoch).arg(m_totalEpochs));
        break;
    case Outcome::Failed:
        setStatus(tr("Training %1 failed.").arg(who));
        showError(runId >= 0
                      ? tr("%1\n\nThe run is kept in the workspace as failed. Check the dataset and the settings, then "
                           "start a new run with Train….").arg(error)
                      : tr("Training could not start: %1\n\nCheck the dataset folder and the settings, then press Train… "
                           "again.").arg(error));
        break;
    }
    updateDetails();
    replotNow();
    updateButtons();
    Q_EMIT computeThreadsChanged(0, QString());
    Q_EMIT activityChanged(m_trainingDatasetDir, QString()); // launch() resets the last line announced
    Q_EMIT runFinished(runId, outcome);
}

void TrainingPanel::retireThread()
{
    // finished() is the worker's last act: run() returns right after it, so this
    // wait is only the thread's teardown. The worker is deleted here, on the UI
    // thread, once its thread has ended.
    if (!m_thread)
        return;
    m_thread->wait();
    delete m_worker;
    delete m_thread;
    m_worker = nullptr;
    m_thread = nullptr;
}

void TrainingPanel::updateDetails()
{
    if (m_totalEpochs <= 0) {
        m_details->setText(m_training ? tr("elapsed %1").arg(duration(m_clock.elapsed())) : QString());
        return;
    }
    QStringList parts;
    parts << tr("Epoch %1 of %2").arg(epochShown()).arg(m_totalEpochs);
    if (m_training && m_batch > 0)
        parts << tr("batch %1 of %2").arg(m_batch).arg(m_batches);
    parts << tr("elapsed %1").arg(duration(m_clock.elapsed()));
    if (const qint64 left = remainingMs(); left >= 0)
        parts << tr("about %1 left").arg(duration(left));
    QString text = parts.join(QStringLiteral(" · "));
    if (m_bestValidMrr >= 0)
        text += QLatin1Char('\n') + tr("Best validation MRR %1 % (epoch %2)").arg(percent(m_bestValidMrr)).arg(m_bestEpoch);
    m_details->setText(text);
    announceActivity();
}

int TrainingPanel::epochShown() const
{
    const int epoch = m_batch > 0 ? m_epoch + 1 : qMax(m_epoch, 1);
    return qBound(1, epoch, qMax(1, m_totalEpochs));
}

qint64 TrainingPanel::remainingMs() const
{
    const double done = double(m_epoch - m_startEpoch) * m_batches + m_batch;
    const double total = double(m_totalEpochs - m_startEpoch) * m_batches;
    if (!m_training || done <= 0 || total <= done)
        return -1;
    return qint64(double(m_clock.elapsed()) / done * (total - done)); // at the pace so far
}

void TrainingPanel::announceActivity()
{
    if (!m_training)
        return;
    // Before the first epoch: the preparation's own line (feature extraction can take a while
    // on a first run), else that it prepares.
    QString line;
    if (m_totalEpochs <= 0) {
        line = m_message->text().isEmpty() ? tr("preparing the data and the model") : m_message->text();
    } else {
        line = tr("epoch %1 of %2").arg(epochShown()).arg(m_totalEpochs);
        if (const qint64 left = remainingMs(); left >= 0)
            line += tr(" · about %1 left").arg(duration(left));
    }
    if (line == m_announcedActivity)
        return;
    m_announcedActivity = line;
    Q_EMIT activityChanged(m_trainingDatasetDir, line);
}

// ---- plots ----

void TrainingPanel::clearPlots()
{
    for (QCustomPlot *plot : {m_lossPlot, m_miPlot, m_metricsPlot})
        for (int i = 0; i < plot->graphCount(); ++i)
            plot->graph(i)->data()->clear();
    replotNow();
}

void TrainingPanel::addEpochPoint(const EpochRecord &r)
{
    setPoint(m_mainLoss, r.epoch, r.mainLoss);
    setPoint(m_bceLoss, r.epoch, r.bceLoss);
    setPoint(m_mi, r.epoch, r.miEstimate);
    setPoint(m_estimator, r.epoch, r.estimatorLoss);
}

void TrainingPanel::showEpochProgress(int done, int total)
{
    m_progress->setRange(0, total);
    m_progress->setValue(done);
    // Epochs done: the details name the one under way. "1 of 1 epoch", "3 of 60 epochs".
    m_progress->setFormat(pluralised(tr("%v of %m epoch(s)"), total));
}

void TrainingPanel::showDecoderCurves(const QVector<Decoder> &decoders)
{
    for (int d = 0; d < kScoringDecoderCount; ++d) {
        const bool active = decoders.contains(Decoder(d));
        m_decoderMrr[d]->setVisible(active);
        if (active)
            m_decoderMrr[d]->addToLegend();
        else
            m_decoderMrr[d]->removeFromLegend();
    }
}

void TrainingPanel::addEvaluationPoint(const EvaluationReport &report)
{
    const RankMetrics &m = report.headline();
    setPoint(m_mrr, report.epoch, m.mrr);
    setPoint(m_hits1, report.epoch, m.hits1);
    setPoint(m_hits3, report.epoch, m.hits3);
    setPoint(m_hits10, report.epoch, m.hits10);
    for (int d = 0; d < 4; ++d) {
        const RankMetrics &dm = report.overall.both[size_t(d)].realistic;
        if (dm.count > 0)
            setPoint(m_decoderMrr[d], report.epoch, dm.mrr);
    }
}

void TrainingPanel::loadHistory(qint64 runId)
{
    Workspace *ws = workspace();
    if (!ws)
        return;
    for (const EpochRecord &e : ws->epochs(runId))
        addEpochPoint(e);
    for (const EvaluationRecord &e : ws->evaluations(runId)) {
        if (e.split != Split::Valid)
            continue;
        if (const std::optional<EvaluationReport> report = ws->evaluationReport(e.id))
            addEvaluationPoint(*report);
    }
    replotNow();
}

void TrainingPanel::scheduleReplot()
{
    if (!m_replotTimer->isActive())
        m_replotTimer->start();
}

void TrainingPanel::replotNow()
{
    m_replotTimer->stop();
    int lastEpoch = 1;
    for (QCPGraph *g : {m_mainLoss, m_mrr})
        if (!g->data()->isEmpty())
            lastEpoch = qMax(lastEpoch, int(g->data()->constEnd()[-1].key));
    const double right = qMax(2.0, double(lastEpoch)) + 0.5;
    for (QCustomPlot *plot : {m_lossPlot, m_miPlot}) {
        plot->xAxis->setRange(0.5, right);
        bool found = false;
        QCPRange range;
        for (int i = 0; i < plot->graphCount(); ++i) {
            if (plot->graph(i)->valueAxis() != plot->yAxis)
                continue;
            bool any = false;
            const QCPRange r = plot->graph(i)->getValueRange(any);
            if (any)
                range = found ? QCPRange(qMin(range.lower, r.lower), qMax(range.upper, r.upper)) : r;
            found = found || any;
        }
        if (found)
            fitAxis(plot->yAxis, range);
    }
    bool found = false;
    const QCPRange estimator = m_estimator->getValueRange(found);
    if (found)
        fitAxis(m_miPlot->yAxis2, estimator);
    m_metricsPlot->xAxis->setRange(0.5, right);
    double top = 10;
    for (int i = 0; i < m_metricsPlot->graphCount(); ++i) {
        bool any = false;
        const QCPRange r = m_metricsPlot->graph(i)->getValueRange(any);
        if (any)
            top = qMax(top, r.upper);
    }
    m_metricsPlot->yAxis->setRange(0, qMin(100.0, top * 1.1));
    for (QCustomPlot *plot : {m_lossPlot, m_miPlot, m_metricsPlot})
        plot->replot(QCustomPlot::rpQueuedReplot);
}

// ---- buttons, status, resume, close ----

void TrainingPanel::updateButtons()
{
    m_trainButton->setEnabled(!m_training);
    m_cancelButton->setEnabled(m_training && !m_cancelRequested);
    m_resumeButton->setEnabled(!m_training && workspace());
}

void TrainingPanel::showNoRun()
{
    setStatus(tr("No training yet. Press Train… to choose a dataset and settings."));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("no run yet")); // "%v of %m epochs" once there is one
}

void TrainingPanel::setStatus(const QString &text)
{
    m_status->setText(text);
}

void TrainingPanel::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

void TrainingPanel::cancelTraining()
{
    if (!m_training || !m_worker)
        return;
    m_cancelRequested = true;
    m_worker->cancel();
    setStatus(tr("Cancelling %1 after the current batch…").arg(m_runId >= 0 ? tr("run %1").arg(m_runId) : m_description));
    updateButtons();
}

QVector<RunRecord> TrainingPanel::runsOfDatasetWhere(bool (*accept)(RunStatus)) const
{
    QVector<RunRecord> out;
    if (Workspace *ws = workspace())
        for (const RunRecord &r : ws->runs(m_datasetId))
            if (accept(r.status))
                out << r;
    return out;
}

QVector<RunRecord> TrainingPanel::resumableRuns() const { return runsOfDatasetWhere(runStoppedEarly); }

QVector<RunRecord> TrainingPanel::finishedRuns() const
{
    return runsOfDatasetWhere([](RunStatus s) { return s == RunStatus::Finished; });
}

void TrainingPanel::showResumeMenu()
{
    auto describe = [](const RunRecord &r) {
        const int epochs = ModelConfig::fromJson(r.config.value(QStringLiteral("config")).toObject()).epochs;
        return tr("Run %1 '%2' — %3 after epoch %4 of %5")
            .arg(r.id).arg(r.name, runStatusName(r.status)).arg(r.epochCount).arg(epochs);
    };
    const QVector<RunRecord> runs = resumableRuns();
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("resumeMenu"));
    if (runs.isEmpty()) {
        menu.addAction(tr("No cancelled or interrupted runs in this workspace"))->setEnabled(false);
    } else {
        for (const RunRecord &r : runs) {
            const qint64 id = r.id;
            menu.addAction(describe(r), this, [this, id] { resumeRun(id); });
        }
    }
    // Finished runs go on with more epochs (or patience): the recipes end while still rising.
    const QVector<RunRecord> finished = finishedRuns();
    if (!finished.isEmpty()) {
        menu.addSection(tr("Train on"));
        for (const RunRecord &r : finished) {
            const qint64 id = r.id;
            menu.addAction(describe(r) + QStringLiteral("…"), this, [this, id] { trainRunOn(id); });
        }
    }
    menu.exec(m_resumeButton->mapToGlobal(QPoint(0, m_resumeButton->height())));
}

bool TrainingPanel::confirmAndStopForClose(QWidget *parent)
{
    if (!m_training)
        return true;
    const QString who = m_runId >= 0 ? tr("Run %1").arg(m_runId) : m_description;
    QMessageBox box(QMessageBox::Question, tr("Training is running"),
                    tr("%1 is training (epoch %2 of %3).\n\nStop it and close? It is saved at its last finished epoch "
                       "and can be resumed later from the Training panel.")
                        .arg(who).arg(epochShown()).arg(m_totalEpochs),
                    QMessageBox::NoButton, parent ? parent : this);
    box.setObjectName(QStringLiteral("confirmStopTraining"));
    QPushButton *stop = box.addButton(tr("Stop training and close"), QMessageBox::AcceptRole);
    QPushButton *keep = box.addButton(tr("Keep training"), QMessageBox::RejectRole);
    box.setDefaultButton(keep);
    box.exec();
    if (box.clickedButton() != stop)
        return false;
    if (!m_training)
        return true; // it ended while the question was open
    // Wait without blocking the event loop: the worker's last signals must still arrive.
    QEventLoop loop;
    connect(this, &TrainingPanel::runFinished, &loop, &QEventLoop::quit);
    cancelTraining();
    QApplication::setOverrideCursor(Qt::BusyCursor);
    if (m_training)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    QApplication::restoreOverrideCursor();
    return true;
}

} // namespace momok::ui
