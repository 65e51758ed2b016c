#include "common/EntityImages.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QGuiApplication>
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
    // Drawn at the screen's device pixels (crisp at 200 % scaling), laid out at box.
    const qreal dpr = qApp->devicePixelRatio();
    const QString key =
        QStringLiteral("thumb:%1:%2x%3@%4").arg(imagePaths.first()).arg(box.width()).arg(box.height()).arg(dpr);
    QPixmap pixmap;
    if (QPixmapCache::find(key, &pixmap))
        return pixmap;
    QImageReader reader(thumbnailFileFor(imagePaths.first()));
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    if (image.isNull())
        return {};
    pixmap = QPixmap::fromImage(image.scaled(box * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    pixmap.setDevicePixelRatio(dpr);
    QPixmapCache::insert(key, pixmap);
    return pixmap;
}

QPixmap entityThumbnailOrBlank(const QStringList &imagePaths, const QSize &box)
{
    QPixmap pixmap = entityThumbnail(imagePaths, box);
    if (!pixmap.isNull())
        return pixmap;
    const qreal dpr = qApp->devicePixelRatio();
    const QString key = QStringLiteral("blank:%1x%2@%3").arg(box.width()).arg(box.height()).arg(dpr);
    if (QPixmapCache::find(key, &pixmap))
        return pixmap;
    pixmap = QPixmap(box * dpr);
    pixmap.setDevicePixelRatio(dpr);
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
