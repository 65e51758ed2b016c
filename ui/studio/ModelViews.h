#pragma once
// The bottom dock's model views — Training, Experts, Modalities, Runs, Similar — added to the
// main window and kept in step with it: the window's workspace service, and the dataset and
// run the analyst has chosen, flow into every view; a started or finished training is told
// to the service, whose change signals refresh the run lists and views.
#include "domain/Vocabulary.h"

#include <QObject>

namespace momok::ui {

class ExpertsView;
class MainWindow;
class ModalitiesView;
class RunsView;
class SimilarView;
class TrainingPanel;

class ModelViews : public QObject
{
    Q_OBJECT
public:
    explicit ModelViews(MainWindow *window);

    TrainingPanel *trainingPanel() const { return m_training; }
    ExpertsView *expertsView() const { return m_experts; }
    ModalitiesView *modalitiesView() const { return m_modalities; }
    RunsView *runsView() const { return m_runs; }
    SimilarView *similarView() const { return m_similar; }
    // Model → New entity… and File → Export embeddings… (null until used / no run).
    void showNewEntityDialog();
    void showExportEmbeddingsDialog();

    // Whether the first-start offer to train a quick demo is shown (tests turn it off
    // to drive training themselves).

private:
    void installExports();
    void onRunFinished(qint64 runId, momok::Outcome outcome);

    MainWindow *m_window = nullptr;
    TrainingPanel *m_training = nullptr;
    ExpertsView *m_experts = nullptr;
    ModalitiesView *m_modalities = nullptr;
    RunsView *m_runs = nullptr;
    SimilarView *m_similar = nullptr;
};

} // namespace momok::ui
