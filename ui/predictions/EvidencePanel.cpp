#include "predictions/EvidencePanel.h"

#include "common/ModalityPalette.h"

#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace momok::ui {

EvidencePanel::EvidencePanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("evidencePanel"));
    m_title = new QLabel(tr("<b>Why?</b>"), this);
    m_title->setWordWrap(true);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("evidenceSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("evidenceList"));
    m_list->setWordWrap(true);
    m_list->setAlternatingRowColors(true);
    m_list->setToolTip(tr("Known training triples of entities the model finds similar: double-click to open the "
                          "similar entity"));
    connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        Q_EMIT entityActivated(item->data(Qt::UserRole).toLongLong());
    });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_title);
    layout->addWidget(m_summary);
    layout->addWidget(m_list, 1);
    showMessage(tr("Select a prediction to see the known triples of similar entities behind it."));
}

void EvidencePanel::setDataset(std::shared_ptr<const KgDataset> dataset)
{
    m_dataset = std::move(dataset);
    showMessage(tr("Select a prediction to see the known triples of similar entities behind it."));
}

QString EvidencePanel::name(int64_t entity) const
{
    if (!m_dataset || entity < 0 || entity >= m_dataset->entityCount())
        return QString::number(entity);
    const EntityInfo &info = m_dataset->entities[int(entity)];
    return info.displayName.isEmpty() ? info.name : info.displayName;
}

QString EvidencePanel::summaryText() const { return m_summary->text(); }

void EvidencePanel::showMessage(const QString &text)
{
    m_title->setText(tr("<b>Why?</b>"));
    m_summary->setText(text);
    m_list->clear();
}

void EvidencePanel::showEvidence(const PredictionEvidence &evidence, bool knownInTraining)
{
    const Triple &t = evidence.triple;
    const QString relation = m_dataset ? m_dataset->relationNames.value(int(t.relation)) : QString::number(t.relation);
    m_title->setText(tr("<b>Why (%1, %2, %3)?</b>").arg(name(t.head).toHtmlEscaped(), relation.toHtmlEscaped(),
                                                        name(t.tail).toHtmlEscaped()));
    QStringList counts;
    for (Decoder d : kScoringDecoders)
        counts << QStringLiteral("<span style='color:%1'>■</span> %2 %3").arg(decoderColor(d).name(), decoderKey(d))
                      .arg(evidence.count[size_t(d)]);
    QString summary = tr("Similar known cases per representation: %1").arg(counts.join(QStringLiteral(" · ")));
    if (knownInTraining)
        summary += tr("<br><i>This triple is itself in the training split.</i>");
    if (evidence.items.isEmpty())
        summary += tr("<br>No similar entity has this fact: the model answers from patterns, not from a similar known case.");
    m_summary->setText(summary);
    m_list->clear();
    for (const EvidenceItem &item : evidence.items.mid(0, kShownItems)) {
        const bool head = item.kind == EvidenceKind::SimilarHead;
        auto *row = new QListWidgetItem(
            tr("%1 resembles %2 (%3, %4), and (%5, %6, %7) is known")
                .arg(name(head ? t.head : t.tail), name(item.neighbour), decoderLabel(item.representation).toLower())
                .arg(item.similarity, 0, 'f', 2)
                .arg(name(item.known.head), relation, name(item.known.tail)),
            m_list);
        row->setData(Qt::UserRole, qint64(item.neighbour));
        row->setForeground(decoderColor(item.representation).darker(130));
    }
    if (evidence.items.size() > kShownItems)
        new QListWidgetItem(tr("… and %1 more").arg(evidence.items.size() - kShownItems), m_list);
}

} // namespace momok::ui
