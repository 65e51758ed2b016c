#pragma once
// Predictions for the current entity with the selected run: relation (or all),
// direction, top-k and "hide known" controls; the ranked candidates with each
// decoder's score and rank as bars; beside them the query's expert gate weights.
#include "predictions/PredictionEngine.h"

#include "data/KgDataset.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace momok::ui {

class EvidencePanel;
class GateChart;
class PredictionModel;

class PredictionsView : public QWidget
{
    Q_OBJECT
public:
    explicit PredictionsView(QWidget *parent = nullptr);

    void setDataset(std::shared_ptr<const KgDataset> dataset);
    // A run with a checkpoint in runDir; runId < 0 means "no trained run", and
    // emptyMessage then says what to do.
    void setRun(qint64 runId, const QString &runDir, const QString &emptyMessage = {});
    void setEntity(qint64 entity);
    // Shows a "Train a quick demo…" button in the no-run empty state (emits trainRequested).
    void setTrainingOffered(bool offered);
    // A model for this dataset is training: the no-run empty state says so with `progress`
    // (a line on where it stands) instead of asking for one, and offers no second training.
    // Empty: nothing trains on this dataset.
    void setTrainingProgress(const QString &progress);
    QPushButton *trainButton() const { return m_train; }

    PredictionModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *relationChooser() const { return m_relation; }
    QComboBox *directionChooser() const { return m_direction; }
    QSpinBox *topKSpin() const { return m_topK; }
    QCheckBox *hideKnownSwitch() const { return m_hideKnown; }
    QCheckBox *typedCandidatesSwitch() const { return m_typed; }
    EvidencePanel *evidencePanel() const { return m_evidence; }
    QString statusText() const;
    GateChart *gateChart(int modality) const { return m_gates[modality]; }
    // The gate charts under the table, shown or folded under their header. The user's
    // choice is remembered (the window's default layout makes the first one).
    bool gatesExpanded() const;
    void setGatesExpanded(bool expanded);
    // Height beyond what the table needs to show `rows` whole rows (its header, a horizontal
    // scroll bar, the gate charts when shown and a two-line status counted): what the window's
    // default layout can give to other panes. Negative when the table shows fewer. Measured on
    // the current layout, whichever page (table or empty state) is showing.
    int heightBeyondRows(int rows) const;
    PredictionEngine *engine() const { return m_engine; }
    // The text of the empty state, or empty when the table is shown.
    QString emptyStateText() const;

Q_SIGNALS:
    void entityActivated(qint64 entityId);
    // The table shows the answer to the current query.
    void predictionsShown();
    // The evidence panel shows the evidence for the selected prediction.
    void evidenceShown();
    void trainRequested();

private:
    void requestPredictions();
    void showAnswer(const PredictionAnswer &answer);
    void showEmpty(const QString &text);
    QString noRunText() const;
    bool offersTraining() const;
    void updateDirectionLabels();
    void requestEvidence();
    void applyGatesExpanded(bool expanded);

    std::shared_ptr<const KgDataset> m_dataset;
    qint64 m_entity = -1;
    qint64 m_runId = -1;
    QString m_noRunMessage;
    PredictionEngine *m_engine = nullptr;
    PredictionModel *m_model = nullptr;
    QComboBox *m_relation = nullptr;
    QComboBox *m_direction = nullptr;
    QSpinBox *m_topK = nullptr;
    QCheckBox *m_hideKnown = nullptr;
    QCheckBox *m_typed = nullptr;
    EvidencePanel *m_evidence = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_emptyPage = nullptr;
    QLabel *m_empty = nullptr;
    QPushButton *m_train = nullptr;
    bool m_trainingOffered = false;
    QString m_trainingProgress;
    QLabel *m_status = nullptr;
    QToolButton *m_gatesToggle = nullptr;
    QWidget *m_gatePanel = nullptr;
    QTableView *m_table = nullptr;
    GateChart *m_gates[3] = {};
    QLabel *m_gateCaption = nullptr;
};

} // namespace momok::ui
