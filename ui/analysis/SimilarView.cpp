#include "analysis/SimilarView.h"

#include "analysis/SimilarEntitiesModel.h"
#include "common/EntityImages.h"
#include "common/ModalityPalette.h"
#include "predictions/PredictionEngine.h"
#include "predictions/ScoreBarDelegate.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace momok::ui {

namespace {
struct SimilarAnswer {
    qint64 entity = -1;
    std::array<QVector<SimilarEntity>, kScoringDecoderCount> lists;
    std::array<bool, kScoringDecoderCount> available{};
    double milliseconds = 0;
};
} // namespace

SimilarView::SimilarView(QWidget *parent) : QWidget(parent)
{
    m_thumbnail = new QLabel(this);
    m_thumbnail->setFixedSize(64, 48);
    m_thumbnail->setAlignment(Qt::AlignCenter);
    m_name = new QLabel(this);
    m_name->setObjectName(QStringLiteral("similarEntityName"));
    m_name->setTextFormat(Qt::RichText);
    m_name->setWordWrap(true); // never the reason the window is wider than the screen
    m_relation = new QComboBox(this);
    m_relation->setObjectName(QStringLiteral("similarRelationChooser"));
    m_relation->setToolTip(tr("The experts' gates are relation-guided: compare entities as the model sees them "
                              "for any relation, or under one relation's temperature"));
    m_relation->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_topK = new QSpinBox(this);
    m_topK->setObjectName(QStringLiteral("similarTopK"));
    m_topK->setRange(1, 200);
    m_topK->setValue(10);
    m_topK->setPrefix(tr("top "));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("similarStatus"));
    m_status->setWordWrap(true);
    QPalette grey = m_status->palette();
    grey.setColor(QPalette::WindowText, grey.color(QPalette::PlaceholderText));
    m_status->setPalette(grey);

    auto *header = new QHBoxLayout;
    header->addWidget(m_thumbnail);
    header->addWidget(m_name, 1);
    header->addWidget(new QLabel(tr("gates:"), this));
    header->addWidget(m_relation);
    header->addWidget(m_topK);

    auto *columns = new QHBoxLayout;
    columns->setSpacing(6);
    for (Decoder d : kScoringDecoders) {
        const size_t i = size_t(d);
        m_models[i] = new SimilarEntitiesModel(d, this);
        m_tables[i] = new QTableView(this);
        m_tables[i]->setTabKeyNavigation(false); // Tab leaves the table; arrows move inside
        m_tables[i]->setObjectName(QStringLiteral("similarTable_%1").arg(decoderKey(d)));
        m_tables[i]->setModel(m_models[i]);
        m_tables[i]->setSelectionBehavior(QAbstractItemView::SelectRows);
        m_tables[i]->setSelectionMode(QAbstractItemView::SingleSelection);
        m_tables[i]->setEditTriggers(QAbstractItemView::NoEditTriggers);
        m_tables[i]->verticalHeader()->hide();
        m_tables[i]->setShowGrid(false);
        m_tables[i]->setIconSize(QSize(32, 24));
        m_tables[i]->verticalHeader()->setDefaultSectionSize(28);
        m_tables[i]->setItemDelegateForColumn(SimilarEntitiesModel::SimilarityColumn,
                                              new ScoreBarDelegate(SimilarEntitiesModel::ScoreRole,
                                                                   SimilarEntitiesModel::BarColorRole, m_tables[i]));
        QHeaderView *h = m_tables[i]->horizontalHeader();
        h->setSectionResizeMode(SimilarEntitiesModel::EntityColumn, QHeaderView::Stretch);
        h->resizeSection(SimilarEntitiesModel::RankColumn, 28);
        h->resizeSection(SimilarEntitiesModel::SimilarityColumn, 64);
        connect(m_tables[i], &QTableView::activated, this, [this](const QModelIndex &index) {
            if (index.isValid())
                Q_EMIT entityActivated(index.data(SimilarEntitiesModel::EntityIdRole).toLongLong());
        });
        m_titles[i] = new QLabel(this);
        m_titles[i]->setText(QStringLiteral("<b><span style='color:%1'>■</span> %2</b>")
                                 .arg(decoderColor(d).name(), decoderLabel(d)));
        auto *column = new QVBoxLayout;
        column->setSpacing(2);
        column->addWidget(m_titles[i]);
        column->addWidget(m_tables[i], 1);
        columns->addLayout(column, 1);
    }

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header);
    layout->addLayout(columns, 1);
    layout->addWidget(m_status);

    connect(m_relation, &QComboBox::currentIndexChanged, this, &SimilarView::request);
    connect(m_topK, &QSpinBox::valueChanged, this, &SimilarView::request);
    setDataset(nullptr);
}

void SimilarView::setEngine(PredictionEngine *engine)
{
    m_engine = engine;
    connect(engine, &PredictionEngine::runLoaded, this, [this](qint64, bool ok, const QString &) {
        if (ok)
            request();
    });
    request();
}

void SimilarView::setDataset(std::shared_ptr<const KgDataset> dataset)
{
    m_dataset = std::move(dataset);
    m_entity = -1;
    for (SimilarEntitiesModel *m : m_models)
        m->setDataset(m_dataset);
    const QSignalBlocker blocker(m_relation);
    m_relation->clear();
    m_relation->addItem(tr("any relation"), qint64(-1));
    if (m_dataset)
        for (int r = 0; r < m_dataset->relationNames.size(); ++r)
            m_relation->addItem(tr("under %1").arg(m_dataset->relationNames[r]), qint64(r));
    showHeader();
    request();
}

void SimilarView::setRun(qint64 runId)
{
    m_runId = runId;
    request();
}

void SimilarView::setEntity(qint64 entity)
{
    if (entity == m_entity)
        return;
    m_entity = entity;
    showHeader();
    request();
}

QString SimilarView::statusText() const { return m_status->text(); }

void SimilarView::showHeader()
{
    if (!m_dataset || m_entity < 0 || m_entity >= m_dataset->entityCount()) {
        m_thumbnail->clear();
        m_name->setText(tr("<i>No entity</i>"));
        return;
    }
    const EntityInfo &info = m_dataset->entities[int(m_entity)];
    m_thumbnail->setPixmap(entityThumbnail(info.thumbnailPath.isEmpty() ? info.imagePaths : QStringList{info.thumbnailPath},
                                           m_thumbnail->size()));
    m_name->setText(tr("<b>%1</b> %2 — the entities the model considers most alike, per representation")
                        .arg((info.displayName.isEmpty() ? info.name : info.displayName).toHtmlEscaped(),
                             info.type.isEmpty() ? QString() : QStringLiteral("<i>(%1)</i>").arg(info.type.toHtmlEscaped())));
}

void SimilarView::request()
{
    for (SimilarEntitiesModel *m : m_models)
        m->clear();
    if (!m_dataset || m_runId < 0 || m_entity < 0 || !m_engine) {
        m_status->setText(m_runId < 0 ? tr("No trained run: similarity comes from a trained model.")
                                      : tr("Pick an entity to see the entities alike."));
        return;
    }
    m_status->setText(m_engine->isLoading() ? tr("Loading the trained model…") : tr("Looking for similar entities…"));
    const qint64 entity = m_entity, relation = m_relation->currentData().toLongLong();
    const int k = m_topK->value();
    m_engine->submit(this, QStringLiteral("similar"),
        [entity, relation, k](RunAnalysis &analysis) {
            QElapsedTimer timer;
            timer.start();
            const EntitySimilarity &similarity = analysis.similarityUnder(relation);
            SimilarAnswer answer;
            answer.entity = entity;
            for (Decoder d : similarity.available()) {
                answer.available[size_t(d)] = true;
                answer.lists[size_t(d)] = similarity.nearest(d, entity, k);
            }
            answer.milliseconds = double(timer.nsecsElapsed()) / 1e6;
            return answer;
        },
        [this](const SimilarAnswer &answer) {
            if (answer.entity != m_entity)
                return;
            for (Decoder d : kScoringDecoders) {
                m_models[size_t(d)]->setEntities(answer.lists[size_t(d)]);
                m_tables[size_t(d)]->setEnabled(answer.available[size_t(d)]);
                m_titles[size_t(d)]->setEnabled(answer.available[size_t(d)]);
            }
            m_status->setText(tr("Cosine similarity of the model's representations; answered in %1 ms. Double-click "
                                 "an entity to open it.")
                                  .arg(answer.milliseconds, 0, 'f', 1));
            Q_EMIT similarShown();
        });
}

} // namespace momok::ui
