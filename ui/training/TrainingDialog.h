#pragma once
// "Train a model": the dataset and feature files, the run's name and folder, and every
// hyper-parameter of the engine grouped in tabs, with presets (built-in and the user's
// own) and validation that names each problem inline and keeps Train disabled until
// the settings can be trained.
#include "model/ModelConfig.h"
#include "model/PaperSettings.h"
#include "train/RunSpec.h"

#include <QDateTime>
#include <QDialog>
#include <QHash>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;

class QSpinBox;

namespace momok::ui {

class TrainingDialog : public QDialog
{
    Q_OBJECT
public:
    explicit TrainingDialog(QWidget *parent = nullptr);

    // The dataset to train on, and the workspace next to which runs are stored.
    void setDatasetDir(const QString &directory);
    // The entity and relation counts of the dataset in `directory` (as the workspace knows
    // them): with them the paper setting recognises one of the paper's datasets whatever its
    // folder is called.
    void setDatasetShape(const QString &directory, qint64 entities, qint64 relations);
    // The paper dataset the chosen dataset is (by folder name, else by the shape given), if any.
    std::optional<PaperDataset> paperDataset() const;
    void setWorkspacePath(const QString &path);

    void setConfig(const ModelConfig &config);
    ModelConfig config() const;
    RunSpec runSpec() const;
    QString runName() const;

    // Every reason the settings cannot be trained now; empty when Train is enabled.
    QStringList problems() const;

    // Presets by display name ("Quick demo", "Paper setting" or a saved one).
    QStringList presetNames() const;
    bool selectPreset(const QString &displayName);
    bool saveCurrentAsPreset(const QString &displayName, QString *error);
    bool deletePreset(const QString &displayName);

    // The editor of a ModelConfig JSON key ("epochs", "learning_rate", …), for tests.
    QWidget *field(const QString &key) const { return m_fields.value(key); }

    static QString defaultRunName(const QString &datasetDir, const QDateTime &when = QDateTime::currentDateTime());
    // WORKSPACE_DIR/runs/NAME, or the user's data folder when there is no workspace.
    static QString defaultRunDir(const QString &workspacePath, const QString &runName);
    // runName, or runName-2, runName-3, … : the first whose defaultRunDir does not exist yet.
    // Default names count seconds: two runs proposed within one second would share a folder.
    static QString freeRunName(const QString &workspacePath, const QString &runName);

private:
    struct Field;
    QWidget *buildDataSection();
    QWidget *buildTab(const QString &title, const QVector<Field> &fields, const QString &secondTitle = {},
                      const QVector<Field> &secondFields = {});
    QWidget *makeEditor(const Field &f);
    QJsonObject fieldValues(QStringList *parseProblems) const;
    void refreshPresets(const QString &select);
    void revalidate();
    // The name the dialog proposes (a dataset and time), unsuffixed; shown moved on to a free
    // folder unless the user has typed a name.
    void proposeRunName(const QString &name);
    void updateRunFolder();
    void browseForFolder(QLineEdit *edit, const QString &title);
    void browseForFile(QLineEdit *edit, const QString &title);
    void savePresetInteractively();
    void datasetChanged();

    QHash<QString, QWidget *> m_fields;  // JSON key → editor
    QHash<QString, QString> m_labels;    // JSON key → label shown
    QHash<QString, int> m_tabOf;         // JSON key → tab index
    QComboBox *m_presetCombo = nullptr;
    QLabel *m_presetState = nullptr;
    QPushButton *m_deletePreset = nullptr;
    QLineEdit *m_dataset = nullptr, *m_imageFeatures = nullptr, *m_textFeatures = nullptr;
    QCheckBox *m_dropUnseen = nullptr, *m_randomFeatures = nullptr;
    QSpinBox *m_processes = nullptr; // data-parallel processes (a run setting, not the model's)
    QLineEdit *m_runName = nullptr, *m_runDir = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_problems = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QString m_workspacePath;
    QString m_shapeDir; // the folder whose counts follow
    qint64 m_shapeEntities = -1, m_shapeRelations = -1;
    std::optional<PaperDataset> m_appliedPaperDataset; // the dataset the chosen preset was last applied for
    bool m_runDirEdited = false;
    bool m_runNameEdited = false;
    QString m_proposedRunName;
    bool m_applyingPreset = false;
};

} // namespace momok::ui
