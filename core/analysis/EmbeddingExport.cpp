#include "analysis/EmbeddingExport.h"

#include "features/FeatureExtractor.h"

#include <QCoreApplication>
#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QPainter>
#include <QSaveFile>

#include <cmath>
#include <cstdio>
#include <cstring>

namespace momok {

QString embeddingFormatKey(EmbeddingFormat format)
{
    return format == EmbeddingFormat::Projector ? QStringLiteral("projector") : QStringLiteral("npy");
}

std::optional<EmbeddingFormat> embeddingFormatFromKey(QStringView key)
{
    for (EmbeddingFormat f : {EmbeddingFormat::Projector, EmbeddingFormat::Npy})
        if (key == embeddingFormatKey(f))
            return f;
    return std::nullopt;
}

QString representationKey(Decoder representation)
{
    switch (representation) {
    case Decoder::Structure: return QStringLiteral("structure");
    case Decoder::Image: return QStringLiteral("image");
    case Decoder::Text: return QStringLiteral("text");
    case Decoder::Joint: return QStringLiteral("joint");
    case Decoder::Combined: break;
    }
    return QStringLiteral("combined");
}

int spriteCellPixels(int64_t entities)
{
    const int64_t side = std::max<int64_t>(1, int64_t(std::ceil(std::sqrt(double(std::max<int64_t>(entities, 1))))));
    return int(std::max<int64_t>(1, std::min<int64_t>(kSpriteCellPixels, kSpriteMaxPixels / side)));
}

std::vector<int64_t> trainingDegrees(const KgDataset &dataset)
{
    std::vector<int64_t> degree(size_t(dataset.entityCount()), 0);
    for (const Triple &t : dataset.train) {
        ++degree[size_t(t.head)];
        ++degree[size_t(t.tail)];
    }
    return degree;
}

namespace {

QString tr(const char *text) { return QCoreApplication::translate("EmbeddingExport", text); }

// Writes bytes to outDir/relative atomically; false with *error naming the file.
bool writeAtomically(const QString &outDir, const QString &relative, const QByteArray &bytes, QString *error)
{
    const QString path = QDir(outDir).filePath(relative);
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        *error = tr("cannot create the folder %1").arg(QFileInfo(path).absolutePath());
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

// A TSV cell: tabs and line breaks would break the Projector's columns.
QByteArray tsvCell(const QString &text)
{
    QString clean = text;
    clean.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
    return clean.toUtf8();
}

QByteArray tensorsTsv(const EmbeddingMatrix &m)
{
    QByteArray out;
    out.reserve(int(m.rows * m.cols * 12));
    char cell[32];
    for (int64_t i = 0; i < m.rows; ++i) {
        const float *r = m.row(i);
        for (int64_t j = 0; j < m.cols; ++j) {
            const int n = std::snprintf(cell, sizeof cell, j + 1 < m.cols ? "%.7g\t" : "%.7g\n", double(r[j]));
            out.append(cell, n);
        }
    }
    return out;
}

QByteArray metadataTsv(const EmbeddingExportInput &input)
{
    const KgDataset &dataset = *input.dataset;
    const std::vector<int64_t> degree = trainingDegrees(dataset);
    QByteArray out = "name\ttype\tdegree\tbest_decoder\n";
    for (int64_t e = 0; e < dataset.entityCount(); ++e) {
        const EntityInfo &info = dataset.entities[int(e)];
        const std::optional<Decoder> best = input.testRanks ? input.testRanks->bestDecoder(e) : std::nullopt;
        out += tsvCell(info.displayName.isEmpty() ? info.name : info.displayName) + '\t' + tsvCell(info.type) + '\t'
               + QByteArray::number(qlonglong(degree[size_t(e)])) + '\t' + (best ? decoderKey(*best).toUtf8() : QByteArray())
               + '\n';
    }
    return out;
}

// NumPy's .npy version 1.0: magic, header length, a dict padded with spaces and '\n' so the
// data starts on a 64-byte boundary, then little-endian float32 rows.
QByteArray npyMatrix(const EmbeddingMatrix &m)
{
    QByteArray header = QStringLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (%1, %2), }")
                            .arg(m.rows).arg(m.cols).toLatin1();
    const int prefix = 10; // magic (6) + version (2) + header length (2)
    const int padded = int((prefix + header.size() + 1 + 63) / 64 * 64);
    header += QByteArray(padded - prefix - header.size() - 1, ' ') + '\n';
    QByteArray out("\x93NUMPY\x01\x00", 8);
    const quint16 length = quint16(header.size());
    out.append(char(length & 0xff)).append(char(length >> 8));
    out += header;
    static_assert(Q_BYTE_ORDER == Q_LITTLE_ENDIAN, "npy export writes the host's float layout as <f4");
    out.append(reinterpret_cast<const char *>(m.values.data()), qsizetype(m.values.size() * sizeof(float)));
    return out;
}

QImage entityThumbnail(const EntityInfo &info, int cell)
{
    for (const QString &path : FeatureExtractor::imageSources(info)) {
        QImageReader reader(path);
        reader.setAutoTransform(true);
        const QSize size = reader.size();
        if (size.isValid() && (size.width() > 4 * cell || size.height() > 4 * cell))
            reader.setScaledSize(size.scaled(4 * cell, 4 * cell, Qt::KeepAspectRatio)); // decode less of large images
        QImage image = reader.read();
        if (!image.isNull())
            return image.scaled(cell, cell, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    return {};
}

Outcome writeSprite(const KgDataset &dataset, const QString &outDir, EmbeddingExportResult *result, Feedback *feedback,
                    QString *error)
{
    const int64_t n = dataset.entityCount();
    const int cell = spriteCellPixels(n);
    const int perRow = int(std::ceil(std::sqrt(double(std::max<int64_t>(n, 1)))));
    QImage sheet(perRow * cell, perRow * cell, QImage::Format_RGB32);
    sheet.fill(Qt::white);
    QPainter painter(&sheet);
    const QColor grey(128, 128, 128);
    for (int64_t e = 0; e < n; ++e) {
        if (isCancelled(feedback))
            return Outcome::Cancelled;
        const QRect box(int(e % perRow) * cell, int(e / perRow) * cell, cell, cell);
        const QImage thumb = entityThumbnail(dataset.entities[int(e)], cell);
        if (thumb.isNull()) {
            painter.fillRect(box, grey);
            ++result->missingImages;
        } else {
            painter.drawImage(box.x() + (cell - thumb.width()) / 2, box.y() + (cell - thumb.height()) / 2, thumb);
        }
        reportProgress(feedback, {WorkStage::ExportingSprite, e + 1, n});
    }
    painter.end();
    QByteArray png;
    {
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        if (!sheet.save(&buffer, "PNG")) {
            *error = tr("cannot encode the sprite as PNG");
            return Outcome::Failed;
        }
    }
    if (!writeAtomically(outDir, QStringLiteral("sprite.png"), png, error))
        return Outcome::Failed;
    result->spriteCell = cell;
    result->spriteSide = sheet.width();
    result->files << QStringLiteral("sprite.png");
    return Outcome::Finished;
}

QByteArray projectorConfig(const QVector<Decoder> &representations, const EmbeddingExportResult &result)
{
    QByteArray out;
    for (Decoder d : representations) {
        const QByteArray key = representationKey(d).toUtf8();
        out += "embeddings {\n  tensor_name: \"" + key + "\"\n  tensor_path: \"" + key + "/tensors.tsv\"\n"
               "  metadata_path: \"metadata.tsv\"\n  sprite {\n    image_path: \"sprite.png\"\n"
               "    single_image_dim: " + QByteArray::number(result.spriteCell) + "\n"
               "    single_image_dim: " + QByteArray::number(result.spriteCell) + "\n  }\n}\n";
    }
    return out;
}

} // namespace

Outcome exportEmbeddings(const EmbeddingExportInput &input, EmbeddingFormat format, const QString &outDir,
                         EmbeddingExportResult *result, Feedback *feedback, QString *error)
{
    *result = {};
    const KgDataset &dataset = *input.dataset;
    const QVector<Decoder> representations = input.embeddings->available();
    if (representations.isEmpty()) {
        *error = tr("the run has no entity representations to export");
        return Outcome::Failed;
    }
    for (Decoder d : representations)
        if (input.embeddings->table(d).rows != dataset.entityCount()) {
            *error = tr("the %1 representation has %2 rows for %3 entities")
                         .arg(representationKey(d)).arg(input.embeddings->table(d).rows).arg(dataset.entityCount());
            return Outcome::Failed;
        }
    if (QFileInfo(outDir).exists() && !QFileInfo(outDir).isDir()) {
        *error = tr("%1 is a file, not a folder").arg(QDir::toNativeSeparators(outDir));
        return Outcome::Failed;
    }
    if (!QDir().mkpath(outDir)) {
        *error = tr("cannot create the folder %1").arg(QDir::toNativeSeparators(outDir));
        return Outcome::Failed;
    }
    if (format == EmbeddingFormat::Npy) {
        for (Decoder d : representations) {
            const QString name = representationKey(d) + QStringLiteral(".npy");
            if (!writeAtomically(outDir, name, npyMatrix(input.embeddings->table(d)), error))
                return Outcome::Failed;
            result->files << name;
        }
        QByteArray ids;
        for (int64_t e = 0; e < dataset.entityCount(); ++e)
            ids += tsvCell(dataset.entities[int(e)].name) + '\t' + QByteArray::number(qlonglong(e)) + '\n';
        if (!writeAtomically(outDir, QStringLiteral("entity2id.txt"), ids, error))
            return Outcome::Failed;
        result->files << QStringLiteral("entity2id.txt");
        return Outcome::Finished;
    }
    for (Decoder d : representations) {
        const QString name = representationKey(d) + QStringLiteral("/tensors.tsv");
        if (!writeAtomically(outDir, name, tensorsTsv(input.embeddings->table(d)), error))
            return Outcome::Failed;
        result->files << name;
        if (isCancelled(feedback))
            return Outcome::Cancelled;
    }
    if (!writeAtomically(outDir, QStringLiteral("metadata.tsv"), metadataTsv(input), error))
        return Outcome::Failed;
    result->files << QStringLiteral("metadata.tsv");
    if (const Outcome sprite = writeSprite(dataset, outDir, result, feedback, error); sprite != Outcome::Finished)
        return sprite;
    // The config last: a folder that has it has everything it names.
    if (!writeAtomically(outDir, QStringLiteral("projector_config.pbtxt"), projectorConfig(representations, *result), error))
        return Outcome::Failed;
    result->files << QStringLiteral("projector_config.pbtxt");
    return Outcome::Finished;
}

} // namespace momok
