#pragma once
// Model → New entity…: what would the model say about an entity that is not in the graph,
// from its picture and description (and optionally a few known triples)? The image is
// dropped in or chosen, the text typed; the answer comes from the prediction engine's
// worker (analysis/NewEntity.h) and is shown as the predictions view shows a known
// entity's: the joint decision with each decoder's score and rank, the expert gates, and
// beside them the known entities most alike and what was left out (and why).
#include "analysis/NewEntity.h"
#include "data/KgDataset.h"

#include <QDialog>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace momok::ui {

class GateChart;
class ImageDropArea;
class PredictionEngine;
class PredictionModel;

class NewEntityDialog : public QDialog
{
    Q_OBJECT
public:
    NewEntityDialog(PredictionEngine *engine, std::shared_ptr<const KgDataset> dataset, QWidget *parent = nullptr);

    QLineEdit *nameField() const { return m_name; }
    QPlainTextEdit *descriptionField() const { return m_description; }
    QComboBox *relationChooser() const { return m_relation; }
    QComboBox *directionChooser() const { return m_direction; }
    QTableView *table() const { return m_table; }
    PredictionModel *model() const { return m_model; }
    QListWidget *similarList() const { return m_similar; }
    QString notesText() const;
    void setImageFile(const QString &path);
    // Adds a known triple (the new entity as head when newIsHead); false if a name is unknown.
    bool addTriple(const QString &relation, bool newIsHead, const QString &other);
    void predict();

Q_SIGNALS:
    void predictionShown();
    void entityActivated(qint64 entityId);

private:
    void showResults();

    PredictionEngine *m_engine;
    std::shared_ptr<const KgDataset> m_dataset;
    NewEntityPrediction m_prediction;
    bool m_havePrediction = false;
    QString m_imageFile;
    ImageDropArea *m_image = nullptr;
    QLineEdit *m_name = nullptr;
    QPlainTextEdit *m_description = nullptr;
    QComboBox *m_tripleRelation = nullptr;
    QComboBox *m_tripleDirection = nullptr;
    QLineEdit *m_tripleOther = nullptr;
    QListWidget *m_triples = nullptr;
    QVector<NewEntityTriple> m_tripleList;
    QPushButton *m_predict = nullptr;
    QLabel *m_notes = nullptr;
    QListWidget *m_similar = nullptr;
    QComboBox *m_relation = nullptr;
    QComboBox *m_direction = nullptr;
    QSpinBox *m_topK = nullptr;
    QTableView *m_table = nullptr;
    PredictionModel *m_model = nullptr;
    GateChart *m_gates[3] = {};
};

} // namespace momok::ui
