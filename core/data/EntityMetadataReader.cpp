#include "data/EntityMetadataReader.h"

#include "data/ImageCheckRecord.h"
#include "data/TextLines.h"
#include "domain/Plural.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QSet>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace momok {

namespace {

// One ENTITY<TAB>VALUE file into the field `field` of each entity. Returns false
// when the file is absent.
bool readColumnFile(const QDir &dir, const QString &fileName, const QHash<QString, int64_t> &index,
                    QVector<EntityInfo> *entities, QString EntityInfo::*field, DatasetProblemLog &log)
{
    if (!QFile::exists(dir.filePath(fileName)))
        return false;
    TextFile text;
    if (!readText(dir, fileName, &text, log))
        return true;
    QHash<int64_t, int> firstLine; // entity id -> line of its entry
    forEachLine(text.data, [&](QByteArrayView line, int lineNumber) {
        if (line.trimmed().isEmpty())
            return true;
        if (!checkLineLength(line, fileName, lineNumber, log))
            return true;
        if (!text.validUtf8 && !line.isValidUtf8()) {
            log.error(fileName, lineNumber, QStringLiteral("not valid UTF-8"));
            return true;
        }
        const qsizetype tab = line.indexOf('\t');
        if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
            log.error(fileName, lineNumber,
                       QStringLiteral("expected 2 tab-separated columns (ENTITY<TAB>VALUE), found %1")
                           .arg(line.count('\t') + 1));
            return true;
        }
        const QString name = QString::fromUtf8(line.first(tab));
        const auto it = index.constFind(name);
        if (it == index.constEnd()) {
            log.error(fileName, lineNumber,
                       QStringLiteral("unknown entity '%1'").arg(name));
            return true;
        }
        const auto seen = firstLine.constFind(*it);
        if (seen != firstLine.constEnd()) {
            log.error(fileName, lineNumber,
                       QStringLiteral("duplicate entry for '%1' (first on line %2)").arg(name).arg(*seen));
            return true;
        }
        firstLine.insert(*it, lineNumber);
        // An empty value keeps the default (e.g. the display name derived from the name).
        const QString value = QString::fromUtf8(line.sliced(tab + 1)).trimmed();
        if (!value.isEmpty())
            (*entities)[*it].*field = value;
        return true;
    });
    return true;
}

bool isImageFile(const QFileInfo &info)
{
    return info.isFile() && EntityMetadataReader::imageExtensions().contains(info.suffix().toLower());
}

// The names under which an entity's files may be stored: the file-safe form, and
// the raw name when it can be a file name and cannot be mistaken for an encoding.
QStringList fileStems(const QString &name)
{
    const QString safe = EntityMetadataReader::fileSafeName(name);
    QStringList stems{safe};
    if (name != safe && !name.contains(QLatin1Char('%')) && !name.contains(QLatin1Char('/'))
        && !name.contains(QLatin1Char('\\')) && !name.contains(QChar(0)) && name != QLatin1String(".")
        && name != QLatin1String(".."))
        stems << name;
    return stems;
}

void readImages(const QDir &dir, const QHash<QString, int64_t> &index, QVector<EntityInfo> *entities,
                DatasetProblemLog &log)
{
    const QString folder = QStringLiteral("images");
    const QDir images(dir.filePath(folder));
    if (!images.exists())
        return;
    // One listing of the folder, then a lookup per entity: stat() per entity and
    // extension would dominate on large graphs.
    QHash<QString, QStringList> byStem;
    QSet<QString> stemsUsed;
    const QFileInfoList listing = images.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo &info : listing) {
        if (info.isDir()) {
            QStringList files;
            const QFileInfoList inner = QDir(info.filePath()).entryInfoList(QDir::Files, QDir::Name);
            for (const QFileInfo &file : inner) {
                if (isImageFile(file))
                    files << file.absoluteFilePath();
            }
            if (!files.isEmpty())
                byStem[info.fileName()] << files;
        } else if (isImageFile(info)) {
            byStem[info.completeBaseName()] << info.absoluteFilePath();
        }
    }
    for (auto it = index.constBegin(); it != index.constEnd(); ++it) {
        QStringList paths;
        for (const QString &stem : fileStems(it.key())) {
            const auto found = byStem.constFind(stem);
            if (found != byStem.constEnd()) {
                paths << *found;
                stemsUsed.insert(stem);
            }
        }
        if (paths.isEmpty())
            continue;
        std::sort(paths.begin(), paths.end());
        paths.removeDuplicates();
        (*entities)[it.value()].imagePaths = paths;
    }
    // Files that match no entity are most often a naming mistake: say so once.
    QStringList unmatched;
    for (auto it = byStem.constBegin(); it != byStem.constEnd(); ++it) {
        if (!stemsUsed.contains(it.key()))
            unmatched << it.key();
    }
    if (!unmatched.isEmpty()) {
        std::sort(unmatched.begin(), unmatched.end());
        log.warning(folder, 0,
                    pluralised(QStringLiteral("%1 image name(s) (matches|match) no entity (e.g. '%2'); names must be "
                                              "the entity's file-safe name"),
                               unmatched.size())
                        .arg(unmatched.size())
                        .arg(unmatched.first()));
    }
}

void readThumbnails(const QDir &dir, const QHash<QString, int64_t> &index, QVector<EntityInfo> *entities)
{
    const QDir thumbnails(dir.filePath(QStringLiteral("thumbnails")));
    if (!thumbnails.exists())
        return;
    QHash<QString, QString> byStem;
    const QFileInfoList listing = thumbnails.entryInfoList({QStringLiteral("*.png"), QStringLiteral("*.PNG")}, QDir::Files);
    for (const QFileInfo &info : listing)
        byStem.insert(info.completeBaseName(), info.absoluteFilePath());
    for (auto it = index.constBegin(); it != index.constEnd(); ++it) {
        for (const QString &stem : fileStems(it.key())) {
            const auto found = byStem.constFind(stem);
            if (found != byStem.constEnd()) {
                (*entities)[it.value()].thumbnailPath = *found;
                break;
            }
        }
    }
}

// Decodes one image; empty when it is fine. Sizes are checked before any decoding, so a
// decompression bomb is refused from its header.
QString imageProblem(const QString &path)
{
    const qint64 bytes = QFileInfo(path).size();
    if (bytes > EntityMetadataReader::kMaxImageFileBytes)
        return QStringLiteral("image file of %1 MiB, over the limit of %2 MiB")
            .arg(bytes >> 20)
            .arg(EntityMetadataReader::kMaxImageFileBytes >> 20);
    if (bytes == 0)
        return QStringLiteral("empty image file");
    QImageReader reader(path);
    reader.setDecideFormatFromContent(true);
    reader.setAllocationLimit(EntityMetadataReader::kImageAllocationLimitMiB);
    if (!reader.canRead())
        return QStringLiteral("not a readable image: %1").arg(reader.errorString());
    const QSize size = reader.size();
    if (size.isValid() && qint64(size.width()) * size.height() > EntityMetadataReader::kMaxImagePixels)
        return QStringLiteral("image of %1×%2 pixels, over the limit of %3 megapixels")
            .arg(size.width())
            .arg(size.height())
            .arg(EntityMetadataReader::kMaxImagePixels / 1000000);
    // Only a full decode finds truncated or corrupt data.
    if (reader.read().isNull())
        return QStringLiteral("corrupt image: %1").arg(reader.errorString());
    return {};
}

} // namespace

void EntityMetadataReader::checkImages(const QString &directory, QVector<EntityInfo> &entities,
                                       DatasetProblemLog &log, const QString &recordDirectory)
{
    const QDir dir(directory);
    QSet<QString> decodable;
    for (const QByteArray &format : QImageReader::supportedImageFormats())
        decodable.insert(QString::fromLatin1(format).toLower());
    QHash<QString, int> undecodable; // extension -> files
    QStringList paths;
    for (const EntityInfo &e : entities) {
        QStringList own = e.imagePaths;
        if (!e.thumbnailPath.isEmpty())
            own << e.thumbnailPath;
        for (const QString &path : std::as_const(own)) {
            const QString suffix = QFileInfo(path).suffix().toLower();
            if (decodable.contains(suffix))
                paths << path;
            else
                ++undecodable[suffix];
        }
    }
    // Decoding dominates reading a dataset with images: spread it over the cores
    // (QImageReader is reentrant), and skip the files found fine before and unchanged since.
    // Results are logged in entity order.
    const QByteArray signature = QStringLiteral("limits %1 %2 %3; Qt %4")
                                     .arg(kMaxImageFileBytes)
                                     .arg(kMaxImagePixels)
                                     .arg(kImageAllocationLimitMiB)
                                     .arg(QString::fromLatin1(qVersion()))
                                     .toUtf8();
    ImageCheckRecord record(recordDirectory, directory, signature);
    std::vector<QString> problems(size_t(paths.size()));
    std::vector<QByteArray> stamps(size_t(paths.size()));
    std::vector<char> remember(size_t(paths.size()), 0);
    std::atomic<qsizetype> next{0};
    auto work = [&] {
        for (qsizetype i = next++; i < paths.size(); i = next++) {
            // Stamped before decoding: a change while it decodes makes a stamp of its own.
            bool settled = false;
            const QByteArray stamp = recordDirectory.isEmpty() ? QByteArray() : ImageCheckRecord::stampOf(paths[i], &settled);
            if (record.passed(paths[i], stamp)) {
                remember[size_t(i)] = 1;
            } else {
                problems[size_t(i)] = imageProblem(paths[i]);
                remember[size_t(i)] = settled && problems[size_t(i)].isEmpty();
            }
            stamps[size_t(i)] = stamp;
        }
    };
    const int threads = int(std::clamp<qsizetype>(std::min<qsizetype>(QThread::idealThreadCount(), paths.size() / 16), 1, 8));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(work);
    work();
    for (std::thread &t : pool)
        t.join();
    for (qsizetype i = 0; i < paths.size(); ++i)
        if (remember[size_t(i)])
            record.keep(paths[i], stamps[size_t(i)]);
    record.save(); // a cache: when it cannot be written, the next read decodes again
    const QString group = QStringLiteral("images");
    QSet<QString> unusable;
    for (qsizetype i = 0; i < paths.size(); ++i)
        if (!problems[size_t(i)].isEmpty())
            unusable.insert(paths[i]);
    if (!unusable.isEmpty()) {
        int withoutImage = 0;
        for (EntityInfo &e : entities) {
            if (unusable.contains(e.thumbnailPath))
                e.thumbnailPath.clear();
            const bool had = !e.imagePaths.isEmpty();
            e.imagePaths.removeIf([&unusable](const QString &p) { return unusable.contains(p); });
            if (had && e.imagePaths.isEmpty()) {
                e.thumbnailPath.clear(); // a thumbnail of nothing would still show an image
                ++withoutImage;
            }
        }
        // The count first: the per-file list below may be cut short.
        log.warning(group, 0,
                    pluralised(QStringLiteral("%1 image file(s) cannot be used and (was|were) left out; "),
                               unusable.size())
                            .arg(unusable.size())
                        + pluralised(QStringLiteral("%1 entit(y is|ies are) left without an image (treated as having "
                                                    "none)"),
                                     withoutImage)
                              .arg(withoutImage));
    }
    for (qsizetype i = 0; i < paths.size(); ++i) {
        if (!problems[size_t(i)].isEmpty())
            log.add(DatasetProblem::Warning, dir.relativeFilePath(paths[i]), 0,
                    problems[size_t(i)] + QStringLiteral("; left out"), group);
    }
    for (auto it = undecodable.constBegin(); it != undecodable.constEnd(); ++it)
        log.warning(group, 0,
                    pluralised(QStringLiteral("%1 .%2 image(s) not checked: this build has no decoder for the format"),
                               it.value())
                        .arg(it.value())
                        .arg(it.key()));
}

const QStringList &EntityMetadataReader::imageExtensions()
{
    static const QStringList extensions = {QStringLiteral("png"), QStringLiteral("jpg"), QStringLiteral("jpeg"),
                                           QStringLiteral("svg"), QStringLiteral("bmp"), QStringLiteral("gif"),
                                           QStringLiteral("webp")};
    return extensions;
}

QString EntityMetadataReader::fileSafeName(const QString &name)
{
    static const char kHex[] = "0123456789ABCDEF";
    const QByteArray utf8 = name.toUtf8();
    QString out;
    out.reserve(utf8.size());
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9')
                           || byte == '.' || byte == '_' || byte == '-';
        if (plain) {
            out += QLatin1Char(c);
        } else {
            out += QLatin1Char('%');
            out += QLatin1Char(kHex[byte >> 4]);
            out += QLatin1Char(kHex[byte & 0xF]);
        }
    }
    return out;
}

void EntityMetadataReader::read(const QString &directory, const QHash<QString, int64_t> &index,
                                QVector<EntityInfo> *entities, DatasetProblemLog &log)
{
    const QDir dir(directory);
    readColumnFile(dir, QStringLiteral("entity_names.tsv"), index, entities, &EntityInfo::displayName, log);
    const QString textFile = QStringLiteral("entity_text.tsv"), descriptionFile = QStringLiteral("descriptions.tsv");
    if (readColumnFile(dir, textFile, index, entities, &EntityInfo::description, log)) {
        if (dir.exists(descriptionFile))
            log.warning(descriptionFile, 0,
                       QStringLiteral("ignored: %1 holds the entities' text").arg(textFile));
    } else {
        readColumnFile(dir, descriptionFile, index, entities, &EntityInfo::description, log);
    }
    readColumnFile(dir, QStringLiteral("entity_types.tsv"), index, entities, &EntityInfo::type, log);
    readImages(dir, index, entities, log);
    readThumbnails(dir, index, entities);
}

} // namespace momok
