#pragma once
// "File → New teaching dataset…": seed, number of objects, noise and an output folder;
// generates the teaching graph on a worker thread (QtConcurrent) with a progress bar and
// reports errors in place. On success it emits datasetGenerated(folder) and closes.
#include "domain/Feedback.h"

#include <QDialog>
#include <QFutureWatcher>

#include <memory>

class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace momok::ui {

class TeachingDatasetDialog : public QDialog
{
    Q_OBJECT
public:
    explicit TeachingDatasetDialog(QWidget *parent = nullptr);
    ~TeachingDatasetDialog() override;

    void setOutputDirectory(const QString &directory);
    QString outputDirectory() const;
    // The folder written by the last successful generation; empty otherwise.
    QString generatedDirectory() const { return m_generated; }
    bool isGenerating() const;

public Q_SLOTS:
    void generate();
    void reject() override; // cancels a running generation first

Q_SIGNALS:
    void datasetGenerated(const QString &directory);

private Q_SLOTS:
    void chooseFolder();
    void generationFinished();

private:
    struct GenerationResult {
        bool ok = false;
        QString directory, error, summary;
    };
    void setBusy(bool busy);
    void showError(const QString &text);

    QSpinBox *m_seed = nullptr;
    QSpinBox *m_entities = nullptr;
    QDoubleSpinBox *m_noise = nullptr;
    QLineEdit *m_folder = nullptr;
    QPushButton *m_browse = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QPushButton *m_generateButton = nullptr;
    QFutureWatcher<GenerationResult> m_watcher;
    // The running generation's progress and cancel; a new one per generation, shared with
    // the worker so that a late report never reaches a deleted object.
    std::shared_ptr<Feedback> m_feedback;
    QString m_generated;
};

} // namespace momok::ui
