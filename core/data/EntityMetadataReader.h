#pragma once
// The optional per-entity metadata of a dataset folder: display names, text, types,
// images and thumbnails. Every file is optional; what is present must be well formed.
//
//   entity_names.tsv                 ENTITY<TAB>DISPLAY NAME
//   entity_text.tsv | descriptions.tsv  ENTITY<TAB>TEXT
//   entity_types.tsv                 ENTITY<TAB>TYPE
//   images/<safe>.<ext>              one image, or
//   images/<safe>/*.<ext>            several (sorted by file name)
//   thumbnails/<safe>.png            a small version for image features
//
// <safe> is the entity name made file-safe: every byte of its UTF-8 outside
// [A-Za-z0-9._-] becomes %XX (upper-case hex). The raw name is accepted too when it
// is a valid file name without '%' (datasets written by other tools often use it).
#include "data/DatasetProblemLog.h"
#include "data/KgDataset.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>

namespace momok {

class EntityMetadataReader
{
public:
    // Lower-case image extensions accepted in images/.
    static const QStringList &imageExtensions();

    // The documented file-safe form of an entity name.
    static QString fileSafeName(const QString &name);

    // Fills displayName, description, type, imagePaths and thumbnailPath of `entities`
    // (whose ids `index` maps names to) from the files in `directory`. Fields of
    // entities without metadata keep their defaults.
    static void read(const QString &directory, const QHash<QString, int64_t> &index,
                     QVector<EntityInfo> *entities, DatasetProblemLog &log);

    // Decodes every image and thumbnail (QImageReader, format decided by content, so a GIF
    // named .jpg is read as the GIF it is). One that cannot be used (unreadable, truncated,
    // corrupt, over kMaxImageFileBytes or kMaxImagePixels) is a warning naming the file and
    // the reason, and is dropped from its entity: an entity left without images counts as
    // having none (its features are imputed as for a missing row); a bad thumbnail falls
    // back on the images. A summary warning counts them. Formats without a decoder in this
    // build are one warning each. Triples, id files and feature files stay strict.
    // With a `recordDirectory`, the files found fine are remembered there (ImageCheckRecord)
    // and decoded again only once changed.
    static void checkImages(const QString &directory, QVector<EntityInfo> &entities, DatasetProblemLog &log,
                            const QString &recordDirectory = {});
    static constexpr qint64 kMaxImageFileBytes = 64ll << 20;  // 64 MiB
    static constexpr qint64 kMaxImagePixels = 64ll * 1000 * 1000; // 64 megapixels, read from the header
    // The most a decoder may allocate for one image (QImageReader::setAllocationLimit): a
    // 64-megapixel image in 32 bits, also for formats whose header gives no size.
    static constexpr int kImageAllocationLimitMiB = 256;
};

} // namespace momok
