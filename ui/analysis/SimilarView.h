#pragma once
// "Which entities does the model consider alike, and by which modality?": for the current
// entity, its most similar entities in each representation the run has (structure, image
// and text experts' outputs, and the joint fused one), side by side, each with its cosine.
// Relation-independent gates by default, or under a chosen relation's temperature.
// Answers come from the run's similarity index on the prediction engine's worker (built
// once per run), so the UI thread never waits; double-click opens an entity.
#include "data/KgDataset.h"
#include "domain/Vocabulary.h"

#include <QWidget>

#include <array>
#include <memory>

class QComboBox;
class QLabel;
class QSpinBox;
class QTableView;

namespace momok::ui {

class PredictionEngine;
class SimilarEntitiesModel;

class SimilarView : public QWidget
{
    Q_OBJECT
public:
    explicit SimilarView(QWidget *parent = nullptr);

    void setEngine(PredictionEngine *engine);
    void setDataset(std::shared_ptr<const KgDataset> dataset);
    void setRun(qint64 runId);
    void setEntity(qint64 entity);

    SimilarEntitiesModel *model(Decoder representation) const { return m_models[size_t(representation)]; }
    QTableView *table(Decoder representation) const { return m_tables[size_t(representation)]; }
    QComboBox *relationChooser() const { return m_relation; }
    QSpinBox *topKSpin() const { return m_topK; }
    QString statusText() const;

Q_SIGNALS:
    void entityActivated(qint64 entityId);
    // The lists show the answer for the current entity (tests and screenshots wait on it).
    void similarShown();

private:
    void request();
    void showHeader();

    PredictionEngine *m_engine = nullptr;
    std::shared_ptr<const KgDataset> m_dataset;
    qint64 m_runId = -1;
    qint64 m_entity = -1;
    QLabel *m_thumbnail = nullptr;
    QLabel *m_name = nullptr;
    QComboBox *m_relation = nullptr;
    QSpinBox *m_topK = nullptr;
    QLabel *m_status = nullptr;
    std::array<QLabel *, kScoringDecoderCount> m_titles{};
    std::array<SimilarEntitiesModel *, kScoringDecoderCount> m_models{};
    std::array<QTableView *, kScoringDecoderCount> m_tables{};
};

} // namespace momok::ui
