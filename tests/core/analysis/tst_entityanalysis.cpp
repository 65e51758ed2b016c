// The analyst's toolkit below the model: cosine neighbours per representation, the type rule
// for candidates, evidence from similar known triples, and the embeddings export (projector
// and npy), all on hand-made data whose answers are known.
#include "analysis/CandidateTypes.h"
#include "analysis/EmbeddingExport.h"
#include "analysis/EntitySimilarity.h"
#include "analysis/Evidence.h"

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace momok;

namespace {

EmbeddingMatrix matrix(const std::vector<std::vector<float>> &rows)
{
    EmbeddingMatrix m;
    m.rows = int64_t(rows.size());
    m.cols = int64_t(rows.front().size());
    for (const auto &r : rows)
        m.values.insert(m.values.end(), r.begin(), r.end());
    return m;
}

// Six entities: a, b, c are countries (a and b alike in S, a and c alike in I), x and y
// languages, r a region. speaks(country, language), in(country, region).
KgDataset smallGraph(bool withTypes)
{
    KgDataset d;
    for (const char *name : {"a", "b", "c", "x", "y", "r"}) {
        EntityInfo e;
        e.name = e.displayName = QString::fromLatin1(name);
        d.entities << e;
    }
    if (withTypes)
        for (int i = 0; i < 6; ++i)
            d.entities[i].type = i < 3 ? "country" : i < 5 ? "language" : "region";
    d.relationNames = {"speaks", "in"};
    d.train = {{1, 0, 3}, {2, 0, 4}, {0, 1, 5}, {1, 1, 5}};
    return d;
}

EntityEmbeddings smallEmbeddings()
{
    EntityEmbeddings e;
    // S: a ≈ b; I: a ≈ c. Rows in entity order a, b, c, x, y, r.
    e.tables[int(Decoder::Structure)] = matrix({{1, 0}, {0.9f, 0.1f}, {0, 1}, {-1, 0}, {0, -1}, {0.5f, -0.5f}});
    e.tables[int(Decoder::Image)] = matrix({{1, 0}, {0, 1}, {2, 0.1f}, {-1, 0}, {0, -1}, {0, 0}});
    return e;
}

QStringList lines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
}

} // namespace

class TestEntityAnalysis : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void nearestIsByCosineAndLeavesTheEntityOut()
    {
        const EntitySimilarity sim(smallEmbeddings());
        QCOMPARE(sim.available(), (QVector<Decoder>{Decoder::Structure, Decoder::Image}));
        QVERIFY(!sim.has(Decoder::Joint));
        const QVector<SimilarEntity> s = sim.nearest(Decoder::Structure, 0, 3);
        QCOMPARE(s.size(), 3);
        QCOMPARE(s[0].entity, int64_t(1)); // b
        QVERIFY(std::abs(s[0].similarity - 0.9 / std::sqrt(0.82)) < 1e-6);
        QCOMPARE(s[1].entity, int64_t(5)); // r: cos 45° = 0.707
        QVERIFY(std::abs(s[1].similarity - std::sqrt(0.5)) < 1e-6);
        for (const SimilarEntity &n : s)
            QVERIFY(n.entity != 0);
        // Scale does not matter (c is 2× longer than a), only the direction.
        QCOMPARE(sim.nearest(Decoder::Image, 0, 1).first().entity, int64_t(2));
        // A zero row (r in I) is similar to nothing: cosine 0, never NaN.
        for (const SimilarEntity &n : sim.nearest(Decoder::Image, 1, 5))
            QVERIFY(!std::isnan(n.similarity));
        QCOMPARE(sim.nearest(Decoder::Image, 0, 100).size(), 5); // k beyond E − 1
        QVERIFY(sim.nearest(Decoder::Joint, 0, 3).isEmpty());
        // Any vector: (−1, 0) is x itself in S.
        const float probe[] = {-2, 0};
        const QVector<SimilarEntity> to = sim.nearestTo(Decoder::Structure, probe, 1);
        QCOMPARE(to.first().entity, int64_t(3));
        QVERIFY(std::abs(to.first().similarity - 1.0) < 1e-6);
        QVERIFY(std::abs(sim.similarity(Decoder::Structure, 0, 3) + 1.0) < 1e-6);
    }

    void typedCandidatesFollowTheTrainingTypes()
    {
        const CandidateTypes typed(smallGraph(true));
        QVERIFY(typed.byType());
        // speaks' tails are languages: x and y (y only by type: it is a tail of speaks, and x is too).
        QCOMPARE(typed.allowedCount(0, false), int64_t(2));
        QVERIFY(typed.allowed(0, false, 3) && typed.allowed(0, false, 4));
        QVERIFY(!typed.allowed(0, false, 5));
        // speaks' heads are countries: a is a country, though a speaks nothing in training.
        QVERIFY(typed.allowed(0, true, 0));
        QCOMPARE(typed.removed(0, true), (std::vector<int64_t>{3, 4, 5}));
        // Without types: the entities seen in that position, nothing more.
        const CandidateTypes seen(smallGraph(false));
        QVERIFY(!seen.byType());
        QVERIFY(!seen.allowed(0, true, 0)); // a never speaks in training
        QCOMPARE(seen.removed(1, false), (std::vector<int64_t>{0, 1, 2, 3, 4}));
        QVERIFY(!seen.allowed(7, false, 0)); // out of range: not allowed, no crash
    }

    void evidenceComesFromSimilarKnownTriples()
    {
        const KgDataset d = smallGraph(true);
        const EntitySimilarity sim(smallEmbeddings());
        const EvidenceFinder finder(d, sim);
        // (a, speaks, x): b resembles a in S and b speaks x → one S item; in I, a resembles c,
        // which speaks y, not x → nothing from I for the head side.
        const PredictionEvidence e = finder.find({0, 0, 3}, 1);
        QCOMPARE(e.count[int(Decoder::Structure)], 1);
        QCOMPARE(e.count[int(Decoder::Image)], 0);
        QCOMPARE(e.items.size(), 1);
        QCOMPARE(e.items.first().kind, EvidenceKind::SimilarHead);
        QCOMPARE(e.items.first().known.head, int64_t(1));
        QCOMPARE(e.leadingModality(), std::optional<Modality>(Modality::Structure));
        // (a, speaks, y): in I, a resembles c, which speaks y.
        const PredictionEvidence f = finder.find({0, 0, 4}, 1);
        QCOMPARE(f.count[int(Decoder::Image)], 1);
        QCOMPARE(f.leadingModality(), std::optional<Modality>(Modality::Image));
        // (c, in, r): a and b are both in r; c's nearest is a in I and b in S (cos 0.11 beats
        // a's 0): one item each, each naming its own neighbour.
        const PredictionEvidence g = finder.find({2, 1, 5}, 1);
        QCOMPARE(g.count[int(Decoder::Image)], 1);
        QCOMPARE(g.count[int(Decoder::Structure)], 1);
        for (const EvidenceItem &item : g.items)
            QCOMPARE(item.neighbour, item.representation == Decoder::Image ? int64_t(0) : int64_t(1));
        QVERIFY(finder.isTraining({0, 1, 5}));
        QVERIFY(!finder.isTraining({0, 0, 3}));
    }

    void spriteCellsShrinkToStayWithinTheProjectorsLimit()
    {
        QCOMPARE(spriteCellPixels(353), 64);   // 19 × 64 = 1,216 px
        QCOMPARE(spriteCellPixels(15000), 64); // 123 × 64 = 7,872 px
        QCOMPARE(spriteCellPixels(20000), 57); // 142 cells: 8,192 / 142
        for (int64_t n : {1, 2, 353, 15000, 16384, 16385, 100000})
            QVERIFY(int64_t(std::ceil(std::sqrt(double(n)))) * spriteCellPixels(n) <= kSpriteMaxPixels);
    }

    void projectorExportLinesUp()
    {
        QTemporaryDir dir;
        KgDataset d = smallGraph(true);
        // One entity with an image: its cell is drawn, the others are grey.
        QImage red(10, 20, QImage::Format_RGB32);
        red.fill(Qt::red);
        QVERIFY(red.save(dir.filePath("a.png")));
        d.entities[0].imagePaths << dir.filePath("a.png");
        d.entities[3].displayName = "x\twith a tab"; // must not break the columns
        const EntityEmbeddings emb = smallEmbeddings();
        EntityRankSums ranks;
        ranks.entities = 6;
        ranks.reciprocal.assign(6 * kDecoderCount, 0.0);
        ranks.queries.assign(6, 0);
        ranks.active[int(Decoder::Structure)] = ranks.active[int(Decoder::Image)] = true;
        ranks.queries[1] = 2;
        ranks.reciprocal[1 * kDecoderCount + int(Decoder::Image)] = 1.5;
        ranks.reciprocal[1 * kDecoderCount + int(Decoder::Structure)] = 0.5;
        EmbeddingExportResult result;
        QString error;
        const QString out = dir.filePath("proj");
        QCOMPARE(exportEmbeddings({&d, &emb, &ranks}, EmbeddingFormat::Projector, out, &result, nullptr, &error),
                 Outcome::Finished);
        QCOMPARE(result.files, (QStringList{"structure/tensors.tsv", "image/tensors.tsv", "metadata.tsv", "sprite.png",
                                           "projector_config.pbtxt"}));
        const QStringList tensors = lines(QDir(out).filePath("image/tensors.tsv"));
        const QStringList metadata = lines(QDir(out).filePath("metadata.tsv"));
        QCOMPARE(tensors.size(), 6);
        QCOMPARE(metadata.size(), 7); // header + one line per entity, in the same order
        QCOMPARE(metadata.first(), QStringLiteral("name\ttype\tdegree\tbest_decoder"));
        for (const QString &line : metadata)
            QCOMPARE(line.count('\t'), 3);
        QCOMPARE(metadata[2], QStringLiteral("b\tcountry\t2\tI"));   // b: degree 2, I beats S
        QCOMPARE(metadata[1], QStringLiteral("a\tcountry\t1\t"));    // no test queries: empty
        QCOMPARE(metadata[4], QStringLiteral("x with a tab\tlanguage\t1\t"));
        QCOMPARE(tensors[2].split('\t'), (QStringList{"2", "0.1"}));
        const QImage sprite(QDir(out).filePath("sprite.png"));
        QCOMPARE(sprite.size(), QSize(3 * 64, 3 * 64)); // ⌈√6⌉ = 3 cells a side
        QCOMPARE(result.missingImages, int64_t(5));
        QCOMPARE(QColor(sprite.pixel(32, 32)), QColor(Qt::red));       // a's cell, centred image
        QCOMPARE(QColor(sprite.pixel(64 + 32, 32)), QColor(128, 128, 128)); // b: grey
        const QString config = QString::fromUtf8([&] { QFile f(QDir(out).filePath("projector_config.pbtxt")); f.open(QIODevice::ReadOnly); return f.readAll(); }());
        QVERIFY(config.contains("tensor_path: \"image/tensors.tsv\""));
        QCOMPARE(config.count("embeddings {"), 2);
        QCOMPARE(config.count("single_image_dim: 64"), 4);
    }

    void cancelledExportWritesNoConfig()
    {
        QTemporaryDir dir;
        const KgDataset d = smallGraph(true);
        const EntityEmbeddings emb = smallEmbeddings();
        Feedback feedback;
        feedback.cancel();
        EmbeddingExportResult result;
        QString error;
        QCOMPARE(exportEmbeddings({&d, &emb, nullptr}, EmbeddingFormat::Projector, dir.filePath("p"), &result, &feedback,
                                  &error),
                 Outcome::Cancelled);
        QVERIFY(!QFile::exists(dir.filePath("p/projector_config.pbtxt")));
        QVERIFY(!QFile::exists(dir.filePath("p/sprite.png")));
        // A file where the folder should be: said as such, nothing written.
        QFile file(dir.filePath("taken"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QCOMPARE(exportEmbeddings({&d, &emb, nullptr}, EmbeddingFormat::Npy, file.fileName(), &result, nullptr, &error),
                 Outcome::Failed);
        QVERIFY2(error.contains("taken is a file, not a folder"), qPrintable(error));
    }

    void npyExportIsWhatNumPyReads()
    {
        QTemporaryDir dir;
        const KgDataset d = smallGraph(false);
        const EntityEmbeddings emb = smallEmbeddings();
        EmbeddingExportResult result;
        QString error;
        QCOMPARE(exportEmbeddings({&d, &emb, nullptr}, EmbeddingFormat::Npy, dir.path(), &result, nullptr, &error),
                 Outcome::Finished);
        QCOMPARE(result.files, (QStringList{"structure.npy", "image.npy", "entity2id.txt"}));
        QFile f(dir.filePath("image.npy"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.startsWith(QByteArray("\x93NUMPY\x01\x00", 8)));
        const int headerLength = uchar(bytes[8]) | (uchar(bytes[9]) << 8);
        QCOMPARE((10 + headerLength) % 64, 0);
        const QByteArray header = bytes.mid(10, headerLength);
        QVERIFY(header.contains("'descr': '<f4'"));
        QVERIFY(header.contains("'shape': (6, 2)"));
        QVERIFY(header.endsWith('\n'));
        QCOMPARE(bytes.size(), 10 + headerLength + 6 * 2 * 4);
        float c0 = 0;
        std::memcpy(&c0, bytes.constData() + 10 + headerLength + 2 * 2 * 4, 4); // row c, column 0
        QCOMPARE(c0, 2.0f);
        QCOMPARE(lines(dir.filePath("entity2id.txt")).at(5), QStringLiteral("r\t5"));
    }
};

QTEST_GUILESS_MAIN(TestEntityAnalysis)
#include "tst_entityanalysis.moc"
