#include "common/EntityImages.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QPixmapCache>

namespace momok::ui {

namespace {

QString thumbnailFileFor(const QString &imagePath)
{
    const QFileInfo info(imagePath);
    if (info.dir().dirName() == QLatin1String("images")) {
        const QString thumb = QDir::cleanPath(info.dir().absoluteFilePath(QStringLiteral("../thumbnails/") + info.fileName()));
        if (QFileInfo::exists(thumb))
            return thumb;
    }
    return imagePath;
}

} // namespace

QPixmap entityThumbnail(const QStringList &imagePaths, const QSize &box)
{
    if (imagePaths.isEmpty() || box.isEmpty())
        return {};
    const QString key = QStringLiteral("thumb:%1:%2x%3").arg(imagePaths.first()).arg(box.width()).arg(box.height());
    QPixmap pixmap;
    if (QPixmapCache::find(key, &pixmap))
        return pixmap;
    QImageReader reader(thumbnailFileFor(imagePaths.first()));
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    if (image.isNull())
        return {};
    pixmap = QPixmap::fromImage(image.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    QPixmapCache::insert(key, pixmap);
    return pixmap;
}

QPixmap entityThumbnailOrBlank(const QStringList &imagePaths, const QSize &box)
{
    QPixmap pixmap = entityThumbnail(imagePaths, box);
    if (!pixmap.isNull())
        return pixmap;
    const QString key = QStringLiteral("blank:%1x%2").arg(box.width()).arg(box.height());
    if (QPixmapCache::find(key, &pixmap))
        return pixmap;
    pixmap = QPixmap(box);
    pixmap.fill(Qt::transparent);
    QPixmapCache::insert(key, pixmap);
    return pixmap;
}

QPixmap entityImage(const QString &path)
{
    const QString key = QStringLiteral("image:") + path;
    QPixmap pixmap;
    if (QPixmapCache::find(key, &pixmap))
        return pixmap;
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    if (image.isNull())
        return {};
    pixmap = QPixmap::fromImage(image);
    QPixmapCache::insert(key, pixmap);
    return pixmap;
}

} // namespace momok::ui
