#include "predictions/PredictionsView.h"

#include "domain/Plural.h"
#include "predictions/EvidencePanel.h"
#include "predictions/GateChart.h"
#include "predictions/PredictionModel.h"
#include "predictions/PredictionTable.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace momok::ui {

namespace {
const QString kSettingsGatesExpanded = QStringLiteral("predictions/gatesExpanded");
constexpr int kGatePanelHeight = 150;
} // namespace

PredictionsView::PredictionsView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("predictionsView"));
    m_engine = new PredictionEngine(this);
    m_model = new PredictionModel(this);

    m_relation = new QComboBox(this);
    m_relation->setObjectName(QStringLiteral("relationChooser"));
    m_relation->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_direction = new QComboBox(this);
    m_direction->setObjectName(QStringLiteral("directionChooser"));
    m_direction->addItem(QString(), false);
    m_direction->addItem(QString(), true);
    m_topK = new QSpinBox(this);
    m_topK->setObjectName(QStringLiteral("topKSpin"));
    m_topK->setRange(1, 500);
    m_topK->setValue(10);
    m_topK->setPrefix(tr("top "));
    m_hideKnown = new QCheckBox(tr("hide known"), this);
    m_hideKnown->setObjectName(QStringLiteral("hideKnownSwitch"));
    m_hideKnown->setToolTip(tr("Leave out answers already in the train, valid or test split"));
    m_typed = new QCheckBox(tr("sensible types only"), this);
    m_typed->setObjectName(QStringLiteral("typedCandidatesSwitch"));
    m_typed->setChecked(true);
    m_typed->setToolTip(tr("Keep only candidates of the types the relation takes in that position in the training "
                           "data (entity types where the dataset has them, else the entities seen there). "
                           "Evaluation ranks every entity, as the field's metrics do."));
    updateDirectionLabels();

    auto *controls = new QHBoxLayout;
    controls->setContentsMargins(0, 0, 0, 0);
    controls->addWidget(new QLabel(tr("<b>Predictions</b>"), this));
    controls->addWidget(m_relation);
    controls->addWidget(m_direction);
    controls->addWidget(m_topK);
    controls->addWidget(m_hideKnown);
    controls->addWidget(m_typed);
    controls->addStretch();

    m_table = makePredictionTable(m_model, this);
    m_table->setObjectName(QStringLiteral("predictionsTable"));
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    QHeaderView *header = m_table->horizontalHeader();
    header->setMinimumSectionSize(24);
    header->resizeSection(PredictionModel::KnownColumn, 76);
    m_table->setColumnHidden(PredictionModel::RelationColumn, true);
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT entityActivated(index.data(PredictionModel::EntityIdRole).toLongLong());
    });

    // The gates sit in a row under the table: the table needs the width more than the height.
    // They fold away (a toggle at the end of the controls row, remembered per user), giving
    // their height to the table.
    m_gatePanel = new QWidget(this);
    m_gatePanel->setObjectName(QStringLiteral("gatePanel"));
    auto *gateRow = new QHBoxLayout;
    gateRow->setContentsMargins(0, 0, 0, 0);
    gateRow->setSpacing(6);
    for (int m = 0; m < 3; ++m) {
        m_gates[m] = new GateChart(m, m_gatePanel);
        gateRow->addWidget(m_gates[m], 1);
    }
    m_gateCaption = new QLabel(tr("Gate weights of each modality's experts for this query"), m_gatePanel);
    m_gateCaption->setObjectName(QStringLiteral("gateCaption"));
    m_gateCaption->setToolTip(tr("How much each expert of a modality contributes to this query's entity "
                                 "representation: why the model answered this way."));
    auto *gateLayout = new QVBoxLayout(m_gatePanel);
    gateLayout->setContentsMargins(0, 4, 0, 0);
    gateLayout->setSpacing(2);
    gateLayout->addWidget(m_gateCaption);
    gateLayout->addLayout(gateRow);
    m_gatePanel->setFixedHeight(kGatePanelHeight);
    m_gatesToggle = new QToolButton(this);
    m_gatesToggle->setObjectName(QStringLiteral("gatesToggle"));
    m_gatesToggle->setCheckable(true);
    m_gatesToggle->setAutoRaise(true);
    m_gatesToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_gatesToggle->setText(tr("Expert gates"));
    m_gatesToggle->setShortcut(QKeySequence(Qt::ALT | Qt::SHIFT | Qt::Key_G));
    controls->addWidget(m_gatesToggle);
    connect(m_gatesToggle, &QToolButton::toggled, this, [this](bool expanded) {
        applyGatesExpanded(expanded);
        QSettings().setValue(kSettingsGatesExpanded, expanded);
    });
    // Folded until the window's default layout (or the saved choice) says otherwise: shown, their
    // height would raise the window's minimum before it knows its size.
    applyGatesExpanded(QSettings().value(kSettingsGatesExpanded, false).toBool());

    // The evidence for the selected prediction sits beside the table. It follows the selection
    // (a click, the arrow keys), not the current index: Qt makes a table's first row current,
    // unselected, whenever focus reaches it other than by the mouse, for example when switching
    // the Model dock's tab hides the focused widget and focus passes along the chain to the
    // table; that must not fill the panel with a prediction nobody chose.
    m_evidence = new EvidencePanel(this);
    connect(m_evidence, &EvidencePanel::entityActivated, this, &PredictionsView::entityActivated);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &PredictionsView::requestEvidence);
    auto *tableAndEvidence = new QSplitter(Qt::Horizontal, this);
    tableAndEvidence->setObjectName(QStringLiteral("predictionsEvidenceSplitter"));
    tableAndEvidence->addWidget(m_table);
    tableAndEvidence->addWidget(m_evidence);
    // The table's columns (candidate, relation, four decoders' bars) need the width; the
    // evidence wraps its lines, so it starts narrow.
    tableAndEvidence->setStretchFactor(0, 4);
    tableAndEvidence->setStretchFactor(1, 1);
    tableAndEvidence->setSizes({800, 280});
    tableAndEvidence->setChildrenCollapsible(false);

    auto *resultPage = new QWidget(this);
    auto *resultLayout = new QVBoxLayout(resultPage);
    resultLayout->setContentsMargins(0, 0, 0, 0);
    resultLayout->addWidget(tableAndEvidence, 1);
    resultLayout->addWidget(m_gatePanel);

    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("predictionsEmptyState"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setMargin(12);
    QPalette grey = m_empty->palette();
    grey.setColor(QPalette::WindowText, grey.color(QPalette::PlaceholderText));
    m_empty->setPalette(grey);
    m_train = new QPushButton(tr("Train a quick demo…"), this);
    m_train->setObjectName(QStringLiteral("trainQuickDemoButton"));
    m_train->setToolTip(tr("Train a small model on this dataset with the “Quick demo” preset"));
    m_train->hide();
    connect(m_train, &QPushButton::clicked, this, &PredictionsView::trainRequested);
    m_emptyPage = new QWidget(this);
    auto *emptyLayout = new QVBoxLayout(m_emptyPage);
    emptyLayout->addStretch();
    emptyLayout->addWidget(m_empty);
    emptyLayout->addWidget(m_train, 0, Qt::AlignHCenter);
    emptyLayout->addStretch();
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_emptyPage);
    m_stack->addWidget(resultPage);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("predictionsStatus"));
    m_status->setWordWrap(true); // a long status never widens the window
    m_status->setPalette(grey);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_status);

    connect(m_relation, &QComboBox::currentIndexChanged, this, [this] {
        m_table->setColumnHidden(PredictionModel::RelationColumn, m_relation->currentData().toLongLong() >= 0);
        requestPredictions();
    });
    connect(m_direction, &QComboBox::currentIndexChanged, this, &PredictionsView::requestPredictions);
    connect(m_topK, &QSpinBox::valueChanged, this, &PredictionsView::requestPredictions);
    connect(m_hideKnown, &QCheckBox::toggled, this, &PredictionsView::requestPredictions);
    connect(m_typed, &QCheckBox::toggled, this, &PredictionsView::requestPredictions);
    connect(m_engine, &PredictionEngine::answered, this, &PredictionsView::showAnswer);
    connect(m_engine, &PredictionEngine::failed, this, [this](const QString &error) {
        showEmpty(tr("The prediction failed: %1").arg(error));
    });
    connect(m_engine, &PredictionEngine::runLoaded, this, [this](qint64, bool ok, const QString &error) {
        if (!ok)
            showEmpty(tr("The model of this run cannot be loaded:\n%1\n\nChoose another run in the toolbar, or train a new one in the Training tab.")
                          .arg(error));
        else
            requestPredictions();
    });
    setDataset(nullptr);
}

bool PredictionsView::gatesExpanded() const { return m_gatesToggle->isChecked(); }

void PredictionsView::setGatesExpanded(bool expanded) { m_gatesToggle->setChecked(expanded); }

int PredictionsView::heightBeyondRows(int rows) const
{
    // The table fills the result page, which is the stack's height whichever page shows; the
    // gate charts sit under it when shown (the page's layout spacing with them).
    int available = m_stack->height();
    // The status under the table wraps to two lines once an answer shows ("…: 10 candidates,
    // 9 already known. Double-click…"), taking them from the table.
    available += m_status->height() - 2 * m_status->fontMetrics().lineSpacing();
    if (gatesExpanded())
        available -= kGatePanelHeight + std::max(0, m_stack->widget(1)->layout()->spacing());
    const int needed = m_table->horizontalHeader()->sizeHint().height() + rows * m_table->verticalHeader()->defaultSectionSize()
        + 2 * m_table->frameWidth() + m_table->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, m_table);
    return available - needed;
}

void PredictionsView::applyGatesExpanded(bool expanded)
{
    {
        const QSignalBlocker blocker(m_gatesToggle);
        m_gatesToggle->setChecked(expanded);
    }
    m_gatesToggle->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    m_gatesToggle->setToolTip(expanded ? tr("Fold the expert gate charts away (Alt+Shift+G)")
                                       : tr("Show the expert gate charts (Alt+Shift+G)"));
    m_gatesToggle->setAccessibleName(expanded ? tr("Hide the expert gate charts") : tr("Show the expert gate charts"));
    m_gatePanel->setVisible(expanded);
}

void PredictionsView::updateDirectionLabels()
{
    m_direction->setItemText(0, tr("tail: (e, r, ?)"));
    m_direction->setItemText(1, tr("head: (?, r, e)"));
    m_direction->setItemData(0, tr("Which entities does the current entity point to by the relation?"), Qt::ToolTipRole);
    m_direction->setItemData(1, tr("Which entities point to the current entity by the relation?"), Qt::ToolTipRole);
}

void PredictionsView::setDataset(std::shared_ptr<const KgDataset> dataset)
{
    m_dataset = std::move(dataset);
    m_model->setDataset(m_dataset);
    m_evidence->setDataset(m_dataset);
    m_entity = -1;
    {
        const QSignalBlocker blocker(m_relation);
        m_relation->clear();
        m_relation->addItem(tr("all relations"), qint64(-1));
        if (m_dataset) {
            for (int r = 0; r < m_dataset->relationNames.size(); ++r)
                m_relation->addItem(m_dataset->relationNames[r], qint64(r));
        }
        m_table->setColumnHidden(PredictionModel::RelationColumn, false);
    }
    requestPredictions();
}

void PredictionsView::setRun(qint64 runId, const QString &runDir, const QString &emptyMessage)
{
    m_noRunMessage = emptyMessage;
    if (runId == m_runId && m_engine->runId() == runId && (m_engine->isReady() || m_engine->isLoading()))
        return;
    m_runId = runId;
    m_engine->loadRun(runId, runDir);
    requestPredictions();
}

void PredictionsView::setTrainingOffered(bool offered)
{
    m_trainingOffered = offered;
    m_train->setVisible(offersTraining() && m_stack->currentWidget() == m_emptyPage);
}

void PredictionsView::setTrainingProgress(const QString &progress)
{
    if (progress == m_trainingProgress)
        return;
    const bool startedOrEnded = m_trainingProgress.isEmpty() != progress.isEmpty();
    m_trainingProgress = progress;
    if (!m_dataset || m_runId >= 0)
        return; // predictions (or their loading) are shown: the training does not change them
    if (startedOrEnded)
        requestPredictions(); // the empty state's text and its offer both change
    else
        m_empty->setText(noRunText()); // a new line of the same training: the label alone
}

bool PredictionsView::offersTraining() const
{
    return m_trainingOffered && m_dataset && m_runId < 0 && m_trainingProgress.isEmpty();
}

QString PredictionsView::noRunText() const
{
    if (!m_trainingProgress.isEmpty())
        return tr("A model for this dataset is training: %1.\nIts predictions appear here when it finishes; the "
                  "Training tab shows its curves.")
            .arg(m_trainingProgress);
    return m_noRunMessage.isEmpty() ? tr("No trained model for this dataset yet — train one in the Training tab.")
                                    : m_noRunMessage;
}

void PredictionsView::setEntity(qint64 entity)
{
    if (entity == m_entity)
        return;
    m_entity = entity;
    requestPredictions();
}

QString PredictionsView::emptyStateText() const
{
    return m_stack->currentWidget() == m_emptyPage ? m_empty->text() : QString();
}

void PredictionsView::showEmpty(const QString &text)
{
    m_empty->setText(text);
    m_train->setVisible(offersTraining());
    m_stack->setCurrentWidget(m_emptyPage);
    m_model->clear();
    m_status->clear();
    for (GateChart *chart : m_gates)
        chart->clearGates(tr("no query"));
}

void PredictionsView::requestPredictions()
{
    const bool haveControls = m_dataset != nullptr;
    for (QWidget *w : {static_cast<QWidget *>(m_relation), static_cast<QWidget *>(m_direction),
                       static_cast<QWidget *>(m_topK), static_cast<QWidget *>(m_hideKnown),
                       static_cast<QWidget *>(m_typed)})
        w->setEnabled(haveControls);
    if (!m_dataset) {
        showEmpty(tr("Open a dataset to see predictions (File → Open dataset…)."));
        return;
    }
    if (m_runId < 0) {
        showEmpty(noRunText());
        return;
    }
    if (m_entity < 0) {
        showEmpty(tr("Pick an entity on the left to see what the model predicts for it."));
        return;
    }
    PredictionQuery query;
    query.entity = m_entity;
    query.relation = m_relation->currentData().toLongLong();
    query.headPrediction = m_direction->currentData().toBool();
    query.topK = m_topK->value();
    query.hideKnown = m_hideKnown->isChecked();
    query.typedCandidates = m_typed->isChecked();
    if (m_engine->isLoading()) {
        showEmpty(tr("Loading the trained model…"));
    } else {
        m_status->setText(tr("Predicting…"));
    }
    m_engine->request(query);
}

void PredictionsView::showAnswer(const PredictionAnswer &answer)
{
    if (answer.query.entity != m_entity)
        return;
    m_model->setAnswer(answer);
    m_evidence->showMessage(tr("Select a prediction to see the known triples of similar entities behind it."));
    m_stack->setCurrentIndex(1);
    const QString entity = m_dataset && m_entity < m_dataset->entityCount()
                               ? (m_dataset->entities[int(m_entity)].displayName.isEmpty() ? m_dataset->entities[int(m_entity)].name
                                                                                           : m_dataset->entities[int(m_entity)].displayName)
                               : QString::number(m_entity);
    const QString relation = answer.query.relation >= 0 && m_dataset ? m_dataset->relationNames.value(int(answer.query.relation))
                                                                     : tr("any relation");
    const QString pattern = answer.query.headPrediction ? QStringLiteral("(?, %2, %1)") : QStringLiteral("(%1, %2, ?)");
    int known = 0;
    for (const PredictionEntry &e : answer.rows)
        known += e.row.known() ? 1 : 0;
    if (answer.rows.isEmpty())
        m_status->setText(tr("%1: no candidate left — every top answer is already known. Untick “hide known” or raise top-k.")
                              .arg(pattern.arg(entity, relation)));
    else
        m_status->setText(pluralised(tr("%1: %n candidate(s), %2 already known. Double-click a candidate to open it.",
                                        nullptr, int(answer.rows.size())),
                                     answer.rows.size())
                              .arg(pattern.arg(entity, relation))
                              .arg(known));
    if (answer.typeFiltered)
        m_status->setText(m_status->text() + QLatin1Char(' ')
                          + (answer.query.relation >= 0
                                 ? pluralised(tr("%n candidate(s) of other types hidden.", nullptr,
                                                 int(answer.removedByType)),
                                              answer.removedByType)
                                 : tr("Candidates of other types hidden per relation.")));
    const QString caption = answer.query.relation >= 0 ? QString() : tr("mean");
    for (int m = 0; m < 3; ++m)
        m_gates[m]->setGates(answer.gates[size_t(m)], caption);
    m_gateCaption->setText(answer.query.relation >= 0
                               ? tr("Expert gates for %1").arg(pattern.arg(entity, relation))
                               : tr("Expert gates, mean over all relations"));
    Q_EMIT predictionsShown();
}

QString PredictionsView::statusText() const { return m_status->text(); }

void PredictionsView::requestEvidence()
{
    const QModelIndexList selected = m_table->selectionModel()->selectedIndexes();
    const QModelIndex current = selected.isEmpty() ? QModelIndex() : selected.first();
    if (!current.isValid() || m_entity < 0) {
        m_evidence->showMessage(tr("Select a prediction to see the known triples of similar entities behind it."));
        return;
    }
    const qint64 candidate = current.siblingAtColumn(0).data(PredictionModel::EntityIdRole).toLongLong();
    const qint64 relation = current.siblingAtColumn(0).data(PredictionModel::RelationIdRole).toLongLong();
    const bool head = m_model->answer().query.headPrediction;
    const Triple triple = head ? Triple{candidate, relation, m_entity} : Triple{m_entity, relation, candidate};
    m_evidence->showMessage(tr("Looking for similar known cases…"));
    struct Answer {
        PredictionEvidence evidence;
        bool known = false;
    };
    m_engine->submit(this, QStringLiteral("evidence"),
        [triple](RunAnalysis &analysis) {
            const EvidenceFinder &finder = analysis.evidenceFinder();
            return Answer{finder.find(triple), finder.isTraining(triple)};
        },
        [this, triple](const Answer &answer) {
            if (!(answer.evidence.triple == triple))
                return;
            m_evidence->showEvidence(answer.evidence, answer.known);
            Q_EMIT evidenceShown();
        });
}

} // namespace momok::ui
