#include "features/FeatureExtractor.h"

#include "features/ImageDescriptor.h"
#include "features/TextFeaturizer.h"
#include "features/TorchScriptImageEncoder.h"
#include "runtime/AtomicFile.h"

#include <ATen/Parallel.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QtEndian>

#include <numeric>

namespace momok {

namespace {

constexpr char kCacheMagic[8] = {'M', 'M', 'K', 'F', 'E', 'A', 'T', '1'};
constexpr int kCacheFormat = 1;
constexpr int64_t kChunk = 32; // entities between cancel checks and progress reports

void addString(QCryptographicHash &hash, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    const quint64 size = qToLittleEndian(quint64(bytes.size()));
    hash.addData(QByteArrayView(reinterpret_cast<const char *>(&size), sizeof size));
    hash.addData(bytes);
}

bool addFile(QCryptographicHash &hash, const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: cannot read (%2)").arg(path, file.errorString());
        return false;
    }
    QCryptographicHash fileHash(QCryptographicHash::Sha256);
    if (!fileHash.addData(&file)) {
        if (error) *error = QStringLiteral("%1: cannot read (%2)").arg(path, file.errorString());
        return false;
    }
    hash.addData(fileHash.result());
    return true;
}

QString cachePath(const QString &directory, const QString &modality, const QByteArray &key)
{
    return QDir(directory).filePath(QStringLiteral("%1-%2.feat").arg(modality, QString::fromLatin1(key.toHex())));
}

// Layout: magic, rows, cols (little-endian int64), presence bytes, row-major float32 values.
bool readCache(const QString &path, int64_t rows, FeatureMatrix *out)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QByteArray data = file.readAll();
    constexpr qsizetype header = sizeof kCacheMagic + 2 * sizeof(qint64);
    if (data.size() < header || !data.startsWith(QByteArrayView(kCacheMagic, sizeof kCacheMagic)))
        return false;
    const int64_t r = qFromLittleEndian<qint64>(data.constData() + sizeof kCacheMagic);
    const int64_t c = qFromLittleEndian<qint64>(data.constData() + sizeof kCacheMagic + sizeof(qint64));
    if (r != rows || c <= 0 || c > (1 << 24) || data.size() != header + r + r * c * qsizetype(sizeof(float)))
        return false; // truncated or foreign: recompute
    out->rows = r;
    out->cols = c;
    out->present.assign(reinterpret_cast<const uint8_t *>(data.constData() + header),
                        reinterpret_cast<const uint8_t *>(data.constData() + header + r));
    out->values.resize(size_t(r * c));
    const char *values = data.constData() + header + r;
    for (int64_t i = 0; i < r * c; ++i)
        out->values[size_t(i)] = qFromLittleEndian<float>(values + i * qsizetype(sizeof(float)));
    out->fromCache = true;
    return true;
}

// The cache only saves time: a failed write (a full disk) is said and extraction goes on.
void writeCache(const QString &path, const FeatureMatrix &m)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QByteArray data;
    data.append(kCacheMagic, sizeof kCacheMagic);
    const qint64 dims[2] = {qToLittleEndian<qint64>(m.rows), qToLittleEndian<qint64>(m.cols)};
    data.append(reinterpret_cast<const char *>(dims), sizeof dims);
    data.append(reinterpret_cast<const char *>(m.present.data()), qsizetype(m.present.size()));
    for (float v : m.values) {
        const float le = qToLittleEndian(v);
        data.append(reinterpret_cast<const char *>(&le), sizeof le);
    }
    QString error;
    if (!writeFileAtomically(path, data, QStringLiteral("a feature cache entry"), &error))
        qWarning("feature cache: %s (the features are used without being cached)", qPrintable(error));
}

} // namespace

int64_t FeatureMatrix::presentCount() const
{
    return std::accumulate(present.begin(), present.end(), int64_t(0));
}

FeatureExtractor::FeatureExtractor(FeatureExtractionOptions options) : m_options(std::move(options)) {}

QStringList FeatureExtractor::imageSources(const EntityInfo &entity)
{
    // A dataset's thumbnail is its own choice of what to describe (and quicker to decode).
    if (!entity.thumbnailPath.isEmpty())
        return {entity.thumbnailPath};
    return entity.imagePaths;
}

QString FeatureExtractor::entityText(const EntityInfo &entity)
{
    if (entity.description.trimmed().isEmpty())
        return {};
    return entity.displayName + QStringLiteral(". ") + entity.description;
}

bool FeatureExtractor::hasImages(const KgDataset &dataset)
{
    return std::any_of(dataset.entities.begin(), dataset.entities.end(),
                       [](const EntityInfo &e) { return !imageSources(e).isEmpty(); });
}

bool FeatureExtractor::hasTexts(const KgDataset &dataset)
{
    return std::any_of(dataset.entities.begin(), dataset.entities.end(),
                       [](const EntityInfo &e) { return !entityText(e).isEmpty(); });
}

QString FeatureExtractor::defaultCacheDirectory()
{
    const QString overridden = qEnvironmentVariable("MOMOK_CACHE_DIR");
    if (!overridden.isEmpty())
        return overridden;
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation)).filePath(QStringLiteral("momok/features"));
}

Outcome FeatureExtractor::extract(const KgDataset &dataset, FeatureMatrix *image, FeatureMatrix *text, Feedback *feedback,
                                  QString *error)
{
    m_computedImages = m_computedTexts = 0;
    const int64_t n = dataset.entityCount();
    const QString cacheDir = m_options.cacheDirectory.isEmpty() ? defaultCacheDirectory() : m_options.cacheDirectory;
    auto fail = [&](const QString &message) {
        if (error) *error = message;
        return Outcome::Failed;
    };

    if (image && m_options.images && hasImages(dataset)) {
        *image = {};
        const bool encoder = !m_options.imageEncoder.isEmpty();
        TorchScriptImageEncoder::Options encoderOptions;
        encoderOptions.inputSize = m_options.encoderInputSize;
        encoderOptions.batchSize = m_options.encoderBatchSize;
        TorchScriptImageEncoder scripted(encoderOptions);
        const QString signature = encoder ? scripted.signature() : ImageDescriptor::signature();

        // The key: method, parameters and every image's bytes, in entity order.
        QCryptographicHash key(QCryptographicHash::Sha256);
        addString(key, QStringLiteral("momok-image-features/%1").arg(kCacheFormat));
        addString(key, signature);
        QString problem;
        if (encoder && !addFile(key, m_options.imageEncoder, &problem))
            return fail(problem);
        key.addData(QByteArray::number(qlonglong(n)));
        for (int64_t i = 0; i < n; ++i) {
            if (isCancelled(feedback))
                return Outcome::Cancelled;
            const QStringList sources = imageSources(dataset.entities[int(i)]);
            key.addData(QByteArray::number(sources.size()));
            for (const QString &path : sources)
                if (!addFile(key, path, &problem))
                    return fail(problem);
            reportProgress(feedback, {WorkStage::HashingInputs, i + 1, n});
        }
        const QString path = cachePath(cacheDir, QStringLiteral("image"), key.result());
        if (!m_options.useCache || !readCache(path, n, image)) {
            if (encoder && !scripted.load(m_options.imageEncoder, &problem))
                return fail(problem);
            FeatureMatrix m;
            m.rows = n;
            m.present.assign(size_t(n), 0);
            m.extractor = signature;
            std::vector<std::vector<float>> rows(static_cast<size_t>(n));
            std::vector<QString> errors(static_cast<size_t>(n));
            for (int64_t start = 0; start < n; start += kChunk) {
                if (isCancelled(feedback))
                    return Outcome::Cancelled;
                const int64_t end = std::min(n, start + kChunk);
                if (!encoder) {
                    // Entities are independent: decode and describe them on the intra-op threads.
                    at::parallel_for(start, end, 1, [&](int64_t b, int64_t e) {
                        for (int64_t i = b; i < e; ++i)
                            ImageDescriptor::describeFiles(imageSources(dataset.entities[int(i)]), &rows[size_t(i)],
                                                           &errors[size_t(i)]);
                    });
                } else {
                    std::vector<std::vector<QImage>> decoded(size_t(end - start));
                    at::parallel_for(start, end, 1, [&](int64_t b, int64_t e) {
                        for (int64_t i = b; i < e; ++i)
                            for (const QString &file : imageSources(dataset.entities[int(i)])) {
                                QImage picture;
                                if (!ImageDescriptor::readImage(file, &picture, &errors[size_t(i)]))
                                    break;
                                decoded[size_t(i - start)].push_back(picture);
                            }
                    });
                    for (int64_t i = start; i < end; ++i)
                        if (!errors[size_t(i)].isEmpty())
                            return fail(errors[size_t(i)]);
                    std::vector<QImage> batch;
                    std::vector<int64_t> owner;
                    for (int64_t i = start; i < end; ++i)
                        for (const QImage &picture : decoded[size_t(i - start)]) {
                            batch.push_back(picture);
                            owner.push_back(i);
                        }
                    if (!batch.empty()) {
                        torch::Tensor out = scripted.encode(batch, &problem);
                        if (!out.defined())
                            return fail(problem);
                        // Several images of one entity: the mean of their rows.
                        for (size_t j = 0; j < owner.size(); ++j) {
                            std::vector<float> &row = rows[size_t(owner[j])];
                            const float *values = out[int64_t(j)].data_ptr<float>();
                            if (row.empty())
                                row.assign(size_t(out.size(1)), 0.0f);
                            const float share = 1.0f / float(decoded[size_t(owner[j] - start)].size());
                            for (size_t k = 0; k < row.size(); ++k)
                                row[k] += values[k] * share;
                        }
                    }
                }
                for (int64_t i = start; i < end; ++i)
                    if (!errors[size_t(i)].isEmpty())
                        return fail(errors[size_t(i)]);
                reportProgress(feedback, {WorkStage::ExtractingImages, end, n});
            }
            for (const auto &row : rows)
                if (!row.empty()) {
                    m.cols = int64_t(row.size());
                    break;
                }
            m.values.assign(size_t(n * m.cols), 0.0f);
            for (int64_t i = 0; i < n; ++i) {
                if (rows[size_t(i)].empty())
                    continue;
                std::copy(rows[size_t(i)].begin(), rows[size_t(i)].end(), m.values.begin() + i * m.cols);
                m.present[size_t(i)] = 1;
            }
            m_computedImages = m.presentCount();
            if (m_options.useCache)
                writeCache(path, m);
            *image = std::move(m);
        }
        image->extractor = signature;
    }

    if (text && m_options.texts && hasTexts(dataset)) {
        *text = {};
        const TextFeaturizer featurizer(m_options.textWidth);
        QCryptographicHash key(QCryptographicHash::Sha256);
        addString(key, QStringLiteral("momok-text-features/%1").arg(kCacheFormat));
        addString(key, featurizer.signature());
        key.addData(QByteArray::number(qlonglong(n)));
        QStringList texts;
        for (const EntityInfo &e : dataset.entities) {
            texts << entityText(e);
            addString(key, texts.back());
        }
        const QString path = cachePath(cacheDir, QStringLiteral("text"), key.result());
        if (!m_options.useCache || !readCache(path, n, text)) {
            std::vector<TextFeaturizer::Terms> documents(static_cast<size_t>(n));
            for (int64_t start = 0; start < n; start += kChunk) {
                if (isCancelled(feedback))
                    return Outcome::Cancelled;
                const int64_t end = std::min(n, start + kChunk);
                at::parallel_for(start, end, 1, [&](int64_t b, int64_t e) {
                    for (int64_t i = b; i < e; ++i)
                        documents[size_t(i)] = TextFeaturizer::analyse(texts[int(i)]);
                });
                reportProgress(feedback, {WorkStage::ExtractingTexts, end, n});
            }
            FeatureMatrix m;
            m.rows = n;
            m.cols = featurizer.width();
            m.values = featurizer.weigh(documents);
            m.present.resize(size_t(n));
            for (int64_t i = 0; i < n; ++i)
                m.present[size_t(i)] = documents[size_t(i)].isEmpty() ? 0 : 1;
            m.extractor = featurizer.signature();
            m_computedTexts = m.presentCount();
            if (m_options.useCache)
                writeCache(path, m);
            *text = std::move(m);
        }
        text->extractor = featurizer.signature();
    }
    return Outcome::Finished;
}

} // namespace momok
