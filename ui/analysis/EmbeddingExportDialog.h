#pragma once
// File → Export embeddings…: the current run's entity representations for the TensorFlow
// Embedding Projector or NumPy (analysis/EmbeddingExport.h), written on the prediction
// engine's worker with progress and Cancel.
#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace momok {
class Feedback;
}

namespace momok::ui {

class PredictionEngine;

class EmbeddingExportDialog : public QDialog
{
    Q_OBJECT
public:
    EmbeddingExportDialog(PredictionEngine *engine, const QString &suggestedFolder, QWidget *parent = nullptr);
    ~EmbeddingExportDialog() override;

    QComboBox *formatChooser() const { return m_format; }
    QLineEdit *folderField() const { return m_folder; }
    QString resultText() const;
    void startExport();

Q_SIGNALS:
    void exportFinished(bool ok, const QString &message);

private:
    void reject() override;

    PredictionEngine *m_engine;
    QComboBox *m_format = nullptr;
    QLineEdit *m_folder = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_result = nullptr;
    QPushButton *m_start = nullptr;
    std::shared_ptr<Feedback> m_feedback; // the running export's, or null
};

} // namespace momok::ui
