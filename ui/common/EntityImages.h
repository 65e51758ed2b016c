#pragma once
// Entity pictures for lists and cards, cached (QPixmapCache) so scrolling stays smooth.
#include <QPixmap>
#include <QSize>
#include <QStringList>

namespace momok::ui {

// The first image scaled to fit box (keeping its aspect). A dataset's thumbnails/
// folder beside images/ is preferred: those files are already small. Null when
// the entity has no readable image.
QPixmap entityThumbnail(const QStringList &imagePaths, const QSize &box);
// The thumbnail, or a transparent pixmap of the box's size so that names in a
// column line up whether or not their entity has a picture.
QPixmap entityThumbnailOrBlank(const QStringList &imagePaths, const QSize &box);
// One image at full size; null when it cannot be read.
QPixmap entityImage(const QString &path);

} // namespace momok::ui
