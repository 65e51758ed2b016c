// Feature extraction: the image descriptor, hashed TF-IDF, the TorchScript encoder and the
// cached, cancellable extractor front.
#include "features/FeatureExtractor.h"
#include "features/ImageDescriptor.h"
#include "features/TextFeaturizer.h"
#include "features/TorchScriptImageEncoder.h"

#include <torch/script.h>

#include <QBuffer>
#include <QImage>
#include <QImageReader>
#include <QTemporaryDir>
#include <QPainter>
#include <QtTest>

#include <cmath>

using namespace momok;

namespace {

enum class Shape { Circle, Square };

QImage drawShape(Shape shape, const QColor &colour, int size = 64, const QColor &background = Qt::white)
{
    QImage image(size, size, QImage::Format_ARGB32);
    image.fill(background);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    const QRectF box(size * 0.2, size * 0.2, size * 0.6, size * 0.6);
    if (shape == Shape::Circle)
        p.drawEllipse(box);
    else
        p.drawRect(box);
    return image;
}

double cosine(const float *a, const float *b, int n)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < n; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
}

double cosine(const std::vector<float> &a, const std::vector<float> &b) { return cosine(a.data(), b.data(), int(a.size())); }

double norm(const float *a, int n)
{
    double s = 0;
    for (int i = 0; i < n; ++i)
        s += double(a[i]) * a[i];
    return std::sqrt(s);
}

QByteArray encoded(const QImage &image, const char *format)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, format);
    return bytes;
}

QByteArray le16(int v)
{
    return QByteArray(1, char(v & 0xff)) + char((v >> 8) & 0xff);
}

QByteArray be16(int v)
{
    return QByteArray(1, char((v >> 8) & 0xff)) + char(v & 0xff);
}

} // namespace

class TestFeatures : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    // A dataset in memory: 5 entities, images on disk for four (one with two images), texts for four.
    KgDataset smallDataset(const QString &folder)
    {
        QDir().mkpath(folder);
        KgDataset d;
        d.directory = folder;
        const QStringList names{"red_circle", "blue_circle", "red_square", "plain", "two_pictures"};
        const QStringList texts{"A vase of cast bronze from Aldmere.", "A bowl of blown glass from Brisca.",
                                "A plate of cast bronze from Corvath.", QString(), "A cup of fired clay."};
        const QList<QImage> images{drawShape(Shape::Circle, Qt::red), drawShape(Shape::Circle, Qt::blue),
                                   drawShape(Shape::Square, Qt::red)};
        for (int i = 0; i < names.size(); ++i) {
            EntityInfo e;
            e.name = names[i];
            e.displayName = names[i];
            e.description = texts[i];
            if (i < 3) {
                const QString path = QDir(folder).filePath(names[i] + ".png");
                images[i].save(path);
                e.imagePaths << path;
            } else if (i == 4) {
                for (int k = 0; k < 2; ++k) {
                    const QString path = QDir(folder).filePath(QStringLiteral("two_%1.png").arg(k));
                    drawShape(k ? Shape::Square : Shape::Circle, k ? Qt::green : Qt::yellow).save(path);
                    e.imagePaths << path;
                }
            }
            d.entities << e;
        }
        return d;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("MOMOK_CACHE_DIR", m_dir.filePath("cache").toUtf8());
    }

    void descriptorIsDeterministicAndUnitLength()
    {
        const QImage image = drawShape(Shape::Circle, QColor(200, 30, 40));
        const std::vector<float> a = ImageDescriptor::describe(image), b = ImageDescriptor::describe(image.copy());
        QCOMPARE(int(a.size()), ImageDescriptor::width());
        QVERIFY(a == b); // bit for bit
        QVERIFY(std::abs(norm(a.data(), int(a.size())) - 1.0) < 1e-5);
        QVERIFY(ImageDescriptor::describe(QImage()).empty());
    }

    void descriptorSeparatesColourAndShape()
    {
        const auto redCircle = ImageDescriptor::describe(drawShape(Shape::Circle, Qt::red));
        const auto blueCircle = ImageDescriptor::describe(drawShape(Shape::Circle, Qt::blue));
        const auto redSquare = ImageDescriptor::describe(drawShape(Shape::Square, Qt::red));
        QVERIFY(redCircle != blueCircle);
        QVERIFY(redCircle != redSquare);
        const int colourWidth = ImageDescriptor::colourWidth();
        const int gradientOffset = colourWidth + ImageDescriptor::thumbnailWidth();
        const int gradientWidth = ImageDescriptor::gradientWidth();
        // Colour block: same colour ≫ different colour, whatever the shape.
        const double sameColour = cosine(redCircle.data(), redSquare.data(), colourWidth);
        const double otherColour = cosine(redCircle.data(), blueCircle.data(), colourWidth);
        QVERIFY2(sameColour > otherColour + 0.2, qPrintable(QStringLiteral("%1 vs %2").arg(sameColour).arg(otherColour)));
        // Gradient block: same shape ≫ different shape, whatever the colour.
        const double sameShape = cosine(redCircle.data() + gradientOffset, blueCircle.data() + gradientOffset, gradientWidth);
        const double otherShape = cosine(redCircle.data() + gradientOffset, redSquare.data() + gradientOffset, gradientWidth);
        QVERIFY2(sameShape > otherShape + 0.1, qPrintable(QStringLiteral("%1 vs %2").arg(sameShape).arg(otherShape)));
    }

    void descriptorInvariances()
    {
        // Resolution: the same drawing at 64 and 256 pixels.
        const auto small = ImageDescriptor::describe(drawShape(Shape::Circle, Qt::red, 64));
        const auto large = ImageDescriptor::describe(drawShape(Shape::Circle, Qt::red, 256));
        const auto other = ImageDescriptor::describe(drawShape(Shape::Square, Qt::blue, 64));
        QVERIFY2(cosine(small, large) > 0.97, qPrintable(QString::number(cosine(small, large))));
        QVERIFY(cosine(small, other) < 0.9);
        // Transparency is composited over white: a transparent canvas equals a white one.
        const auto transparent = ImageDescriptor::describe(drawShape(Shape::Circle, Qt::red, 64, Qt::transparent));
        QVERIFY2(cosine(small, transparent) > 0.999, qPrintable(QString::number(cosine(small, transparent))));
        // Storage format does not matter.
        const QImage rgb = drawShape(Shape::Circle, Qt::red).convertToFormat(QImage::Format_RGB888);
        QVERIFY(cosine(small, ImageDescriptor::describe(rgb)) > 0.999);
    }

    void decompressionBombsAreRefusedFromTheHeader_data()
    {
        // Small files whose headers declare far more than 64 megapixels, per format: refused
        // by the size the header gives, before the decoder allocates the image.
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        {
            QImage mono(9000, 8000, QImage::Format_Mono); // 72 MP, a few kB as PNG
            mono.fill(0);
            QTest::addRow("png") << "bomb.png" << encoded(mono, "PNG");
        }
        // GIF: logical screen and one image of 60000×60000, empty data.
        QByteArray gif("GIF89a");
        gif += le16(60000) + le16(60000) + QByteArray("\x00\x00\x00", 3);
        gif += ',' + le16(0) + le16(0) + le16(60000) + le16(60000) + QByteArray("\x00\x02\x00;", 4);
        QTest::addRow("gif") << "bomb.gif" << gif;
        // JPEG: a real 8×8 file whose frame header (SOF0) says 60000×60000.
        QByteArray jpeg = encoded(QImage(8, 8, QImage::Format_RGB32), "JPEG");
        const qsizetype sof = jpeg.indexOf("\xff\xc0");
        if (sof > 0) {
            jpeg.replace(sof + 5, 2, be16(60000));
            jpeg.replace(sof + 7, 2, be16(60000));
        }
        QTest::addRow("jpeg") << "bomb.jpg" << jpeg;
        // WebP (lossy): the VP8 frame says 16383×16383 (268 MP).
        if (QImageReader::supportedImageFormats().contains("webp")) {
            QByteArray webp = encoded(QImage(8, 8, QImage::Format_RGB32), "WEBP");
            const qsizetype start = webp.indexOf("\x9d\x01\x2a");
            if (start > 0) {
                webp.replace(start + 3, 2, le16(16383));
                webp.replace(start + 5, 2, le16(16383));
            }
            QTest::addRow("webp") << "bomb.webp" << webp;
        }
    }

    void decompressionBombsAreRefusedFromTheHeader()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QTemporaryDir dir;
        const QString path = dir.filePath(name);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size());
        file.close();
        QImageReader header(path);
        QVERIFY2(qint64(header.size().width()) * header.size().height() > 64ll * 1000 * 1000,
                 "the fixture's header declares a huge image");
        QImage image;
        QString error;
        QVERIFY(!ImageDescriptor::readImage(path, &image, &error));
        QVERIFY2(error.startsWith(path + ": ") && error.contains("over the limit of 64 megapixels"), qPrintable(error));
        QVERIFY(image.isNull());
    }

    void unreadableImageIsAnError()
    {
        const QString path = m_dir.filePath("broken.png");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a png at all");
        f.close();
        std::vector<float> out;
        QString error;
        QVERIFY(!ImageDescriptor::describeFiles({path}, &out, &error));
        QVERIFY2(error.contains("broken.png"), qPrintable(error));
    }

    void tfidfSharedRareWordsScoreHigher()
    {
        const QStringList texts{"A heavy vase of cast bronze made in Aldmere during the Frost era.",
                                "A light bowl of cast bronze made in Aldmere.",
                                "A fine tapestry of woven wool made in Dunmoor during the Dawn era.",
                                "A plain object made in the Harvest era.",
                                "A plain object made in the Harvest era.",
                                "",
                                "São Tomé and Príncipe",
                                "sao tome and principe"};
        const TextFeaturizer featurizer(384);
        const std::vector<float> m = featurizer.featurize(texts);
        QCOMPARE(int(m.size()), texts.size() * 384);
        auto row = [&](int i) { return m.data() + i * 384; };
        const double related = cosine(row(0), row(1), 384);
        const double unrelated = cosine(row(0), row(2), 384);
        QVERIFY2(related > unrelated + 0.2, qPrintable(QStringLiteral("%1 vs %2").arg(related).arg(unrelated)));
        QVERIFY(std::abs(cosine(row(3), row(4), 384) - 1.0) < 1e-6); // same text, same vector
        QVERIFY(std::abs(norm(row(0), 384) - 1.0) < 1e-5);
        QCOMPARE(norm(row(5), 384), 0.0); // no text: a zero row
        QVERIFY(std::abs(cosine(row(6), row(7), 384) - 1.0) < 1e-5); // case and accents folded
        QVERIFY(featurizer.featurize(texts) == m); // deterministic
        // IDF is over the given corpus: a word in every document weighs less than a rare one.
        const std::vector<float> pair = featurizer.featurize({"common rare", "common other", "common third"});
        const std::vector<float> alone = featurizer.featurize({"common", "rare"});
        QVERIFY(cosine(pair.data(), alone.data() + 384, 384) > cosine(pair.data(), alone.data(), 384));
    }

    void extractionIsCachedByContent()
    {
        const KgDataset d = smallDataset(m_dir.filePath("cached"));
        FeatureExtractor first;
        FeatureMatrix image, text;
        QList<WorkStage> stages;
        QString error;
        Feedback record([&](const Progress &p) {
            if (!stages.contains(p.stage)) stages << p.stage;
        });
        QCOMPARE(first.extract(d, &image, &text, &record, &error), Outcome::Finished);
        QCOMPARE(first.computedImageRows(), 4);
        QCOMPARE(first.computedTextRows(), 4);
        QVERIFY(stages.contains(WorkStage::ExtractingImages) && stages.contains(WorkStage::ExtractingTexts));
        QVERIFY(!image.fromCache && !text.fromCache);
        QCOMPARE(image.rows, 5);
        QCOMPARE(image.cols, int64_t(ImageDescriptor::width()));
        QCOMPARE(text.cols, int64_t(384));
        QCOMPARE(image.present, (std::vector<uint8_t>{1, 1, 1, 0, 1}));
        QCOMPARE(text.present, (std::vector<uint8_t>{1, 1, 1, 0, 1}));
        for (int j = 0; j < image.cols; ++j)
            QCOMPARE(image.values[size_t(3 * image.cols + j)], 0.0f);
        // Several images: their descriptors' mean, re-normalised, differs from either alone.
        const auto yellow = ImageDescriptor::describe(drawShape(Shape::Circle, Qt::yellow));
        const double toFirst = cosine(image.values.data() + 4 * image.cols, yellow.data(), int(image.cols));
        QVERIFY(toFirst > 0.5 && toFirst < 0.99);

        // A second extraction computes nothing and gives the same numbers.
        stages.clear();
        FeatureExtractor second;
        FeatureMatrix image2, text2;
        QCOMPARE(second.extract(d, &image2, &text2, &record, &error), Outcome::Finished);
        QCOMPARE(second.computedImageRows(), 0);
        QCOMPARE(second.computedTextRows(), 0);
        QVERIFY(!stages.contains(WorkStage::ExtractingImages) && !stages.contains(WorkStage::ExtractingTexts));
        QVERIFY(image2.fromCache && text2.fromCache);
        QVERIFY(image2.values == image.values && image2.present == image.present);
        QVERIFY(text2.values == text.values && text2.present == text.present);

        // Changing one image's bytes (same path) invalidates the image entry only.
        drawShape(Shape::Square, Qt::green).save(d.entities[0].imagePaths.first());
        FeatureExtractor third;
        FeatureMatrix image3, text3;
        QCOMPARE(third.extract(d, &image3, &text3, nullptr, &error), Outcome::Finished);
        QCOMPARE(third.computedImageRows(), 4);
        QCOMPARE(third.computedTextRows(), 0);
        QVERIFY(image3.values != image.values);
        // Changing a text invalidates the text entry.
        KgDataset edited = d;
        edited.entities[1].description = "A bowl of blown glass from Estrel.";
        FeatureExtractor fourth;
        QCOMPARE(fourth.extract(edited, nullptr, &text3, nullptr, &error), Outcome::Finished);
        QCOMPARE(fourth.computedTextRows(), 4);
        QVERIFY(text3.values != text.values);
    }

    void cancelStopsBetweenEntities()
    {
        const KgDataset d = smallDataset(m_dir.filePath("cancel"));
        FeatureExtractionOptions options;
        options.cacheDirectory = m_dir.filePath("cancel-cache");
        FeatureExtractor extractor(options);
        int reports = 0;
        FeatureMatrix image, text;
        QString error;
        Feedback feedback;
        feedback.setHandler([&](const Progress &) {
            ++reports;
            feedback.cancel();
        });
        const auto outcome = extractor.extract(d, &image, &text, &feedback, &error);
        QCOMPARE(outcome, Outcome::Cancelled);
        QCOMPARE(reports, 1);
        QVERIFY(image.isEmpty() && text.isEmpty());
        QVERIFY(QDir(options.cacheDirectory).entryList(QDir::Files).isEmpty()); // nothing half-done was cached
    }

    void unreadableImageFailsExtraction()
    {
        KgDataset d = smallDataset(m_dir.filePath("bad"));
        const QString broken = QDir(d.directory).filePath("broken.jpg");
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("garbage");
        f.close();
        d.entities[3].imagePaths << broken;
        FeatureExtractor extractor;
        FeatureMatrix image;
        QString error;
        QCOMPARE(extractor.extract(d, &image, nullptr, nullptr, &error), Outcome::Failed);
        QVERIFY2(error.contains("broken.jpg"), qPrintable(error));
    }

    void torchScriptEncoderIsApplied()
    {
        // A scripted module made with LibTorch alone: per-channel means plus a learned offset.
        torch::jit::Module module("Encoder");
        module.register_parameter("offset", torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}), false);
        module.define(R"JIT(
def forward(self, x):
    m = x.mean(dim=[2, 3])
    return torch.cat([m, m.sum(dim=1, keepdim=True)], dim=1) + self.offset
)JIT");
        const QString path = m_dir.filePath("encoder.pt");
        module.save(path.toStdString());

        const KgDataset d = smallDataset(m_dir.filePath("scripted"));
        FeatureExtractionOptions options;
        options.imageEncoder = path;
        options.encoderInputSize = 32;
        options.encoderBatchSize = 2; // several batches
        FeatureExtractor extractor(options);
        FeatureMatrix image;
        QString error;
        QCOMPARE(extractor.extract(d, &image, nullptr, nullptr, &error), Outcome::Finished);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(image.cols, int64_t(4));
        QCOMPARE(image.present, (std::vector<uint8_t>{1, 1, 1, 0, 1}));
        QVERIFY(image.extractor.startsWith("torchscript"));
        // Row 0 is what the module gives on the preprocessed image.
        QImage red;
        QVERIFY(ImageDescriptor::readImage(d.entities[0].imagePaths.first(), &red, &error));
        TorchScriptImageEncoder::Options o;
        o.inputSize = 32;
        const torch::Tensor input = TorchScriptImageEncoder::toTensor(red, o);
        const torch::Tensor m = input.mean({1, 2});
        for (int c = 0; c < 3; ++c)
            QVERIFY(std::abs(image.values[size_t(c)] - (m[c].item<float>() + float(c + 1))) < 1e-4);
        QVERIFY(std::abs(image.values[3] - (m.sum().item<float>() + 4.0f)) < 1e-4);
        // The red channel of a red circle on white is brighter than its blue channel.
        QVERIFY(image.values[0] - 1.0f > image.values[2] - 3.0f);
        // Entity 4's row is the mean of its two images' rows.
        QImage a, b;
        QVERIFY(ImageDescriptor::readImage(d.entities[4].imagePaths[0], &a, &error));
        QVERIFY(ImageDescriptor::readImage(d.entities[4].imagePaths[1], &b, &error));
        const torch::Tensor ma = TorchScriptImageEncoder::toTensor(a, o).mean({1, 2});
        const torch::Tensor mb = TorchScriptImageEncoder::toTensor(b, o).mean({1, 2});
        QVERIFY(std::abs(image.values[size_t(4 * 4)] - ((ma[0] + mb[0]).item<float>() / 2 + 1.0f)) < 1e-4);

        // Cached too, and keyed by the module's bytes: another module gives other features.
        FeatureExtractor again(options);
        FeatureMatrix cached;
        QCOMPARE(again.extract(d, &cached, nullptr, nullptr, &error), Outcome::Finished);
        QCOMPARE(again.computedImageRows(), 0);
        QVERIFY(cached.values == image.values);
        module.register_parameter("offset", torch::tensor({0.0f, 0.0f, 0.0f, 0.0f}), false);
        module.save(path.toStdString());
        FeatureExtractor changed(options);
        QCOMPARE(changed.extract(d, &cached, nullptr, nullptr, &error), Outcome::Finished);
        QCOMPARE(changed.computedImageRows(), 4);
        QVERIFY(std::abs(cached.values[0] - (image.values[0] - 1.0f)) < 1e-4);
    }

    void badTorchScriptFileIsAnError()
    {
        const QString path = m_dir.filePath("not-a-module.pt");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("nope");
        f.close();
        FeatureExtractionOptions options;
        options.imageEncoder = path;
        options.useCache = false;
        FeatureExtractor extractor(options);
        FeatureMatrix image;
        QString error;
        QCOMPARE(extractor.extract(smallDataset(m_dir.filePath("badmodule")), &image, nullptr, nullptr, &error),
                 Outcome::Failed);
        QVERIFY2(error.contains("not-a-module.pt") && error.contains("TorchScript"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestFeatures)
#include "tst_features.moc"
