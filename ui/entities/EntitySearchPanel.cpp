#include "entities/EntitySearchPanel.h"

#include "domain/Plural.h"
#include "entities/EntityListDelegate.h"
#include "entities/EntitySearchModel.h"
#include "storage/Workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QSignalBlocker>
#include <QTimer>
#include <QVBoxLayout>

namespace momok::ui {

EntitySearchPanel::EntitySearchPanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("entitySearchPanel"));
    m_datasets = new QComboBox(this);
    m_datasets->setObjectName(QStringLiteral("datasetSwitcher"));
    m_datasets->setToolTip(tr("Datasets of this workspace (File → Open dataset… adds one)"));
    m_datasets->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_datasets->setMinimumContentsLength(12);

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("entitySearchField"));
    m_search->setPlaceholderText(tr("Search entities (names, descriptions)…"));
    m_search->setClearButtonEnabled(true);

    m_type = new QComboBox(this);
    m_type->setObjectName(QStringLiteral("typeFilter"));
    m_hasImage = new QCheckBox(tr("has image"), this);
    m_hasImage->setObjectName(QStringLiteral("hasImageFilter"));
    m_hasText = new QCheckBox(tr("has text"), this);
    m_hasText->setObjectName(QStringLiteral("hasTextFilter"));

    m_model = new EntitySearchModel(this);
    m_results = new QListView(this);
    m_results->setObjectName(QStringLiteral("entityResults"));
    m_results->setModel(m_model);
    m_results->setItemDelegate(new EntityListDelegate(m_results));
    m_results->setUniformItemSizes(true);
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("searchStatus"));
    m_status->setWordWrap(true);
    QPalette statusPalette = m_status->palette();
    statusPalette.setColor(QPalette::WindowText, statusPalette.color(QPalette::PlaceholderText));
    m_status->setPalette(statusPalette);

    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Dataset"), m_datasets);
    form->addRow(tr("Type"), m_type);
    auto *modalities = new QHBoxLayout;
    modalities->addWidget(m_hasImage);
    modalities->addWidget(m_hasText);
    modalities->addStretch();
    form->addRow(tr("Only"), modalities);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(form);
    layout->addWidget(m_search);
    layout->addWidget(m_results, 1);
    layout->addWidget(m_status);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &EntitySearchPanel::searchNow);
    connect(m_search, &QLineEdit::textChanged, this, &EntitySearchPanel::scheduleSearch);
    connect(m_type, &QComboBox::currentIndexChanged, this, &EntitySearchPanel::searchNow);
    connect(m_hasImage, &QCheckBox::toggled, this, &EntitySearchPanel::searchNow);
    connect(m_hasText, &QCheckBox::toggled, this, &EntitySearchPanel::searchNow);
    connect(m_datasets, &QComboBox::activated, this, [this](int index) {
        const qint64 id = m_datasets->itemData(index).toLongLong();
        if (id != m_datasetId)
            Q_EMIT datasetChosen(id);
    });
    auto activate = [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT entityActivated(index.data(EntitySearchModel::EntityIdRole).toLongLong());
    };
    connect(m_results, &QListView::clicked, this, activate);
    connect(m_results, &QListView::activated, this, activate);
    // Enter in the search field opens the best hit.
    connect(m_search, &QLineEdit::returnPressed, this, [this, activate] {
        searchNow();
        activate(m_model->index(0, 0));
    });
    setDataset(-1);
}

void EntitySearchPanel::setWorkspace(const Workspace *workspace)
{
    m_workspace = workspace;
    if (!workspace)
        setDataset(-1);
}

void EntitySearchPanel::setDatasets(const QVector<DatasetRecord> &datasets, qint64 currentId)
{
    const QSignalBlocker blocker(m_datasets);
    m_datasets->clear();
    for (const DatasetRecord &d : datasets) {
        m_datasets->addItem(QStringLiteral("%1 · %2 entities").arg(d.name).arg(d.entityCount), d.id);
        m_datasets->setItemData(m_datasets->count() - 1, QDir::toNativeSeparators(d.path), Qt::ToolTipRole);
    }
    if (datasets.isEmpty())
        m_datasets->addItem(tr("(no dataset yet — File → Open dataset…)"), qint64(-1));
    const int index = m_datasets->findData(currentId);
    m_datasets->setCurrentIndex(index >= 0 ? index : 0);
}

void EntitySearchPanel::setDataset(qint64 datasetId)
{
    m_datasetId = datasetId;
    {
        const QSignalBlocker b1(m_type), b2(m_hasImage), b3(m_hasText), b4(m_search);
        m_type->clear();
        m_type->addItem(tr("all types"), QString());
        if (m_workspace && datasetId >= 0) {
            for (const QString &type : m_workspace->entityTypes(datasetId))
                m_type->addItem(type, type);
        }
        m_type->setEnabled(m_type->count() > 1);
        m_hasImage->setChecked(false);
        m_hasText->setChecked(false);
        m_search->clear();
        const int index = m_datasets->findData(datasetId);
        if (index >= 0)
            m_datasets->setCurrentIndex(index);
    }
    m_search->setEnabled(datasetId >= 0);
    searchNow();
}

void EntitySearchPanel::scheduleSearch()
{
    m_debounce->start();
}

void EntitySearchPanel::searchNow()
{
    m_debounce->stop();
    if (!m_workspace || m_datasetId < 0) {
        m_model->setHits({});
        m_status->setText(tr("Open a dataset to browse its entities."));
        return;
    }
    const int filter = (m_hasImage->isChecked() ? kRequireImage : 0) | (m_hasText->isChecked() ? kRequireText : 0);
    QString error;
    const QString query = m_search->text().trimmed();
    QVector<EntityHit> hits =
        m_workspace->searchEntities(m_datasetId, query, kResultLimit + 1, m_type->currentData().toString(), filter, &error);
    const bool more = hits.size() > kResultLimit;
    if (more)
        hits.resize(kResultLimit);
    const int count = int(hits.size());
    m_model->setHits(std::move(hits));
    if (!error.isEmpty())
        m_status->setText(tr("Search failed: %1").arg(error));
    else if (count == 0)
        m_status->setText(query.isEmpty() ? tr("No entity passes these filters.")
                                          : tr("Nothing matches “%1”. Try fewer letters or other filters.").arg(query));
    else if (more)
        m_status->setText(tr("First %1 matches — type more to narrow down.").arg(count));
    else
        m_status->setText(pluralised(query.isEmpty() ? tr("%n entit(y|ies)", nullptr, count)
                                                     : tr("%n match(|es)", nullptr, count),
                                     count));
}

} // namespace momok::ui
