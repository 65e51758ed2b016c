#pragma once
// The entity card: its picture(s) with a "no image" state, name, type, which
// modalities it has (S I T badges, greyed when absent) and its description.
#include "domain/Vocabulary.h"
#include "storage/WorkspaceRecords.h"

#include <QSize>
#include <QWidget>

class QLabel;
class QTextBrowser;
class QToolButton;

namespace momok::ui {

class EntityCard : public QWidget
{
    Q_OBJECT
public:
    static constexpr QSize kImageBox{220, 165};

    explicit EntityCard(QWidget *parent = nullptr);

    // hasStructure: the entity occurs in at least one triple.
    void setEntity(const EntityHit &entity, bool hasStructure);
    // No entity: the card says what to do instead.
    void showMessage(const QString &title, const QString &detail);

    qint64 entityId() const { return m_entity.entityId; }
    // The picture shown (null in the "no image" state).
    QPixmap currentPixmap() const { return m_pixmap; }
    int imageCount() const { return int(m_entity.imagePaths.size()); }
    int imageIndex() const { return m_imageIndex; }
    void showImage(int index);

private:
    QLabel *badge(const QString &letter, const QString &tip);
    void setBadge(QLabel *badge, int modality, bool present);

    EntityHit m_entity;
    int m_imageIndex = 0;
    QPixmap m_pixmap;
    QLabel *m_image = nullptr;
    QToolButton *m_previous = nullptr;
    QToolButton *m_next = nullptr;
    QLabel *m_imageCounter = nullptr;
    QLabel *m_name = nullptr;
    QLabel *m_type = nullptr;
    QTextBrowser *m_description = nullptr;
    QLabel *m_badges[kModalityCount] = {};
};

} // namespace momok::ui
