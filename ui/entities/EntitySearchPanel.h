#pragma once
// The left dock: which dataset of the workspace, and an entity search that answers
// as you type (full-text prefix search in the workspace) with type and modality filters.
#include "storage/WorkspaceRecords.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QTimer;

namespace momok {
class Workspace;
}

namespace momok::ui {

class EntitySearchModel;

class EntitySearchPanel : public QWidget
{
    Q_OBJECT
public:
    // Enough to type a few more letters; the full list is one scroll away.
    static constexpr int kResultLimit = 500;
    static constexpr int kDebounceMs = 120;

    explicit EntitySearchPanel(QWidget *parent = nullptr);

    // Not owned; must outlive the panel or be replaced by nullptr first.
    void setWorkspace(const Workspace *workspace);
    // The switcher's choices; currentId is selected without emitting datasetChosen.
    void setDatasets(const QVector<DatasetRecord> &datasets, qint64 currentId);
    // Resets the filters to this dataset's types and lists its entities.
    void setDataset(qint64 datasetId);
    qint64 datasetId() const { return m_datasetId; }

    // Runs a pending (debounced) search at once.
    void searchNow();

    QLineEdit *searchField() const { return m_search; }
    QComboBox *datasetSwitcher() const { return m_datasets; }
    QComboBox *typeFilter() const { return m_type; }
    QCheckBox *imageFilter() const { return m_hasImage; }
    QCheckBox *textFilter() const { return m_hasText; }
    QListView *resultView() const { return m_results; }
    EntitySearchModel *model() const { return m_model; }

Q_SIGNALS:
    void datasetChosen(qint64 datasetId);
    void entityActivated(qint64 entityId);

private:
    void scheduleSearch();

    const Workspace *m_workspace = nullptr;
    qint64 m_datasetId = -1;
    QComboBox *m_datasets = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_type = nullptr;
    QCheckBox *m_hasImage = nullptr;
    QCheckBox *m_hasText = nullptr;
    QListView *m_results = nullptr;
    QLabel *m_status = nullptr;
    EntitySearchModel *m_model = nullptr;
    QTimer *m_debounce = nullptr;
};

} // namespace momok::ui
