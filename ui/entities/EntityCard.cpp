#include "entities/EntityCard.h"

#include "common/EntityImages.h"
#include "common/ModalityPalette.h"
#include "domain/Vocabulary.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace momok::ui {

EntityCard::EntityCard(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("entityCard"));
    m_image = new QLabel(this);
    m_image->setObjectName(QStringLiteral("entityImage"));
    m_image->setFixedSize(kImageBox);
    m_image->setAlignment(Qt::AlignCenter);
    m_previous = new QToolButton(this);
    m_previous->setArrowType(Qt::LeftArrow);
    m_previous->setAutoRaise(true);
    m_previous->setToolTip(tr("Previous image"));
    m_next = new QToolButton(this);
    m_next->setArrowType(Qt::RightArrow);
    m_next->setAutoRaise(true);
    m_next->setToolTip(tr("Next image"));
    m_imageCounter = new QLabel(this);
    m_imageCounter->setAlignment(Qt::AlignCenter);
    connect(m_previous, &QToolButton::clicked, this, [this] { showImage(m_imageIndex - 1); });
    connect(m_next, &QToolButton::clicked, this, [this] { showImage(m_imageIndex + 1); });

    auto *strip = new QHBoxLayout;
    strip->setContentsMargins(0, 0, 0, 0);
    strip->addStretch();
    strip->addWidget(m_previous);
    strip->addWidget(m_imageCounter);
    strip->addWidget(m_next);
    strip->addStretch();
    auto *imageColumn = new QVBoxLayout;
    imageColumn->setSpacing(2);
    imageColumn->addWidget(m_image);
    imageColumn->addLayout(strip);
    imageColumn->addStretch();

    m_name = new QLabel(this);
    m_name->setObjectName(QStringLiteral("entityName"));
    m_name->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_name->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_name->setFont(big);
    m_type = new QLabel(this);
    m_type->setObjectName(QStringLiteral("entityType"));
    QPalette grey = m_type->palette();
    grey.setColor(QPalette::WindowText, grey.color(QPalette::PlaceholderText));
    m_type->setPalette(grey);

    const QString tips[kModalityCount] = {tr("Structure: the entity occurs in known triples"), tr("Image: the entity has a picture"),
                                          tr("Text: the entity has a description")};
    auto *badges = new QHBoxLayout;
    badges->setSpacing(4);
    auto *modalitiesLabel = new QLabel(tr("modalities"), this);
    modalitiesLabel->setPalette(grey);
    badges->addWidget(modalitiesLabel);
    for (int m = 0; m < kModalityCount; ++m) {
        const QString letter = modalityKey(kModalities[size_t(m)]); // "S", "I", "T"
        m_badges[m] = badge(letter, tips[m]);
        m_badges[m]->setObjectName(QStringLiteral("badge") + letter);
        badges->addWidget(m_badges[m]);
    }

    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_name, 1);
    titleRow->addLayout(badges);

    // Descriptions can run to paragraphs (DB15K): they scroll inside the card
    // instead of pushing the triples and predictions down.
    m_description = new QTextBrowser(this);
    m_description->setObjectName(QStringLiteral("entityDescription"));
    m_description->setFrameShape(QFrame::NoFrame);
    m_description->setOpenLinks(false);
    m_description->viewport()->setAutoFillBackground(false);
    m_description->setAutoFillBackground(false);
    m_description->document()->setDocumentMargin(0);
    m_description->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);

    auto *textColumn = new QVBoxLayout;
    textColumn->addLayout(titleRow);
    textColumn->addWidget(m_type);
    textColumn->addSpacing(6);
    textColumn->addWidget(m_description, 1);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 10, 10, 6);
    layout->setSpacing(14);
    layout->addLayout(imageColumn);
    layout->addLayout(textColumn, 1);
    setMaximumHeight(kImageBox.height() + 60);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    showMessage(tr("No entity selected"), tr("Search on the left and click an entity to see it here."));
}

QLabel *EntityCard::badge(const QString &letter, const QString &tip)
{
    auto *label = new QLabel(letter, this);
    label->setAlignment(Qt::AlignCenter);
    label->setFixedSize(22, 22);
    label->setToolTip(tip);
    label->setProperty("baseTip", tip);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    return label;
}

void EntityCard::setBadge(QLabel *badge, int modality, bool present)
{
    const QColor colour = present ? modalityColor(modality) : QColor(0xC8, 0xC8, 0xC8);
    badge->setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; border-radius: 4px; }").arg(colour.name()));
    badge->setEnabled(present);
    badge->setToolTip(badge->property("baseTip").toString() + (present ? QString() : tr(" — absent for this entity")));
}

void EntityCard::setEntity(const EntityHit &entity, bool hasStructure)
{
    m_entity = entity;
    m_name->setText(entity.displayName.isEmpty() ? entity.name : entity.displayName);
    QString type = entity.type.isEmpty() ? tr("no type") : entity.type;
    // The identifier only when it says more than the display name.
    if (!entity.name.isEmpty() && QString(entity.name).replace(QLatin1Char('_'), QLatin1Char(' ')) != entity.displayName)
        type += QStringLiteral("  ·  id %1").arg(entity.name);
    m_type->setText(type);
    if (entity.description.isEmpty())
        m_description->setHtml(tr("<i>No description.</i>"));
    else
        m_description->setPlainText(entity.description);
    setBadge(m_badges[int(Modality::Structure)], int(Modality::Structure), hasStructure);
    setBadge(m_badges[int(Modality::Image)], int(Modality::Image), entity.hasImage);
    setBadge(m_badges[int(Modality::Text)], int(Modality::Text), entity.hasText);
    for (QLabel *b : m_badges)
        b->show();
    showImage(0);
}

void EntityCard::showMessage(const QString &title, const QString &detail)
{
    m_entity = EntityHit{};
    m_name->setText(title);
    m_type->setText(QString());
    m_description->setPlainText(detail);
    for (QLabel *b : m_badges)
        b->hide();
    showImage(0);
}

void EntityCard::showImage(int index)
{
    const int count = imageCount();
    m_imageIndex = count == 0 ? 0 : std::clamp(index, 0, count - 1);
    m_pixmap = count == 0 ? QPixmap() : entityImage(m_entity.imagePaths[m_imageIndex]);
    if (m_pixmap.isNull()) {
        m_image->setPixmap(QPixmap());
        const bool unreadable = count > 0;
        m_image->setText(m_entity.entityId < 0 ? QString() : unreadable ? tr("Image cannot be read") : tr("No image"));
        m_image->setToolTip(unreadable ? QFileInfo(m_entity.imagePaths[m_imageIndex]).fileName() : QString());
        m_image->setStyleSheet(m_entity.entityId < 0 ? QString()
                                                     : QStringLiteral("QLabel { border: 1px dashed #b0b0b0; border-radius: 6px;"
                                                                      " color: #808080; background: #f4f4f4; }"));
    } else {
        m_image->setStyleSheet(QString());
        m_image->setText(QString());
        m_image->setPixmap(m_pixmap.scaled(kImageBox, Qt::KeepAspectRatio, Qt::SmoothTransformation));
        m_image->setToolTip(QFileInfo(m_entity.imagePaths[m_imageIndex]).fileName());
    }
    const bool several = count > 1;
    m_previous->setVisible(several);
    m_next->setVisible(several);
    m_imageCounter->setVisible(several);
    m_previous->setEnabled(m_imageIndex > 0);
    m_next->setEnabled(m_imageIndex + 1 < count);
    m_imageCounter->setText(QStringLiteral("%1 / %2").arg(m_imageIndex + 1).arg(count));
}

} // namespace momok::ui
