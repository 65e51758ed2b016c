// The dataset reader: every layout on small fixtures, the shared benchmarks, a corpus
// of malformed inputs (each with its specific error, none of them touching a
// workspace), summaries for thousands of bad lines, feature files, and what an
// import stores.
#include "CliRunner.h"
#include "DatasetFixtures.h"

#include "data/DatasetReader.h"
#include "data/FeatureIo.h"
#include "data/ImageCheckRecord.h"
#include "storage/Workspace.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

using namespace momok;
using namespace momok::fixtures;
using momok::testing::runCli;

namespace {

const QString kBenchmarks = QStringLiteral(MOMOK_BENCHMARK_DATASETS);

const DatasetProblem *findProblem(const DatasetLoadResult &r, const QString &file, int line,
                                  DatasetProblem::Severity severity = DatasetProblem::Error)
{
    for (const DatasetProblem &p : r.problems) {
        if (p.file == file && p.line == line && p.severity == severity)
            return &p;
    }
    return nullptr;
}

QString names(const KgDataset &d, const Triple &t)
{
    return d.entities[t.head].name + ' ' + d.relationNames[t.relation] + ' ' + d.entities[t.tail].name;
}

// Every file of a folder (names and bytes): "unchanged" means byte for byte.
QByteArray folderDigest(const QString &dir)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort();
    for (const QString &path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        hash.addData(path.toUtf8());
        hash.addData(f.readAll());
    }
    return hash.result().toHex();
}

enum class Base { Named, NamedWithoutIds, OpenKe, Tsv, Empty };

struct BadCase {
    const char *name;
    Base base;
    std::function<void(const QString &dir)> mutate;
    QString file;
    int line;
    QString reason;
};

void writeBase(Base base, const QString &dir)
{
    switch (base) {
    case Base::Named: writeNamed(dir, true); break;
    case Base::NamedWithoutIds: writeNamed(dir, false); break;
    case Base::OpenKe: writeOpenKe(dir); break;
    case Base::Tsv: writeTsv(dir); break;
    case Base::Empty: QDir().mkpath(dir); break;
    }
}

torch::Tensor features(int64_t rows, int64_t columns)
{
    return torch::arange(rows * columns, torch::kFloat).reshape({rows, columns}).add(1);
}

void saveFeatures(const QString &path, const torch::Tensor &values)
{
    QString error;
    QVERIFY2(FeatureIo::save(path, values, &error), qPrintable(error));
}

const QVector<BadCase> &badCases()
{
    static const QVector<BadCase> cases = {
        {"named: wrong column count", Base::Named,
         [](const QString &d) { writeFile(d + "/train.txt", "a likes b .\nb likes\nc knows d .\n"); },
         "train.txt", 2, "expected 3 columns (HEAD RELATION TAIL [.]), found 2"},
        {"named: five columns", Base::Named,
         [](const QString &d) { writeFile(d + "/test.txt", "b knows e .\nc likes e . .\n"); },
         "test.txt", 2, "found 5"},
        {"named: unknown entity", Base::Named,
         [](const QString &d) { writeFile(d + "/train.txt", "a likes b .\nb likes zed .\n"); },
         "train.txt", 2, "unknown entity 'zed' (not in entity2id.txt)"},
        {"named: unknown relation", Base::Named,
         [](const QString &d) { writeFile(d + "/valid.txt", "a hates c .\n"); },
         "valid.txt", 1, "unknown relation 'hates'"},
        {"entity2id: duplicate id", Base::Named,
         [](const QString &d) { writeFile(d + "/entity2id.txt", "e 0\nd 1\nc 2\nb 3\na 3\n"); },
         "entity2id.txt", 5, "duplicate entity id 3 (first on line 4)"},
        {"entity2id: duplicate name", Base::Named,
         [](const QString &d) { writeFile(d + "/entity2id.txt", "e 0\nd 1\nc 2\nb 3\nb 4\n"); },
         "entity2id.txt", 5, "duplicate entity name 'b' (first on line 4)"},
        {"entity2id: non-numeric id", Base::Named,
         [](const QString &d) { writeFile(d + "/entity2id.txt", "e 0\nd one\nc 2\nb 3\na 4\n"); },
         "entity2id.txt", 2, "the id 'one' is not a non-negative integer"},
        {"entity2id: id out of range", Base::Named,
         [](const QString &d) { writeFile(d + "/entity2id.txt", "e 0\nd 1\nc 2\nb 3\na 7\n"); },
         "entity2id.txt", 5, "entity id 7 is out of range: the file lists 5 entities"},
        {"relation2id: count line disagrees", Base::Named,
         [](const QString &d) { writeFile(d + "/relation2id.txt", "3\nknows 0\nlikes 1\n"); },
         "relation2id.txt", 1, "the count line says 3 relations but the file lists 2"},
        {"relation2id: no id", Base::Named,
         [](const QString &d) { writeFile(d + "/relation2id.txt", "knows 0\nlikes\n"); },
         "relation2id.txt", 2, "expected NAME ID"},
        {"named: invalid UTF-8", Base::Named,
         [](const QString &d) { writeFile(d + "/train.txt", "a likes b .\nb likes c .\nc knows \xff\xfe .\n"); },
         "train.txt", 3, "not valid UTF-8"},
        {"named: test entity never in train", Base::NamedWithoutIds,
         [](const QString &d) { writeFile(d + "/test.txt", "b knows e .\na likes zed .\n"); },
         "test.txt", 2, "entity 'zed' never occurs in train"},
        {"named: empty training split", Base::Named, [](const QString &d) { writeFile(d + "/train.txt", "\n\n"); },
         "train.txt", 0, "the training split is empty"},
        {"no training file", Base::Empty, [](const QString &d) { writeFile(d + "/notes.md", "nothing here\n"); },
         "train.txt", 0, "no training triples"},
        {"openke: count line disagrees", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/train2id.txt", "6\n0 1 0\n1 2 0\n2 3 1\n3 4 1\n4 0 0\n"); },
         "train2id.txt", 1, "the count line says 6 triples but the file has 5"},
        {"openke: non-numeric id", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/train2id.txt", "5\n0 1 0\nx 2 0\n2 3 1\n3 4 1\n4 0 0\n"); },
         "train2id.txt", 3, "the head id 'x' is not a non-negative integer"},
        {"openke: negative id", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/valid2id.txt", "1\n0 -2 1\n"); },
         "valid2id.txt", 2, "the tail id '-2' is not a non-negative integer"},
        {"openke: unknown entity id", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/train2id.txt", "5\n0 1 0\n1 2 0\n2 9 1\n3 4 1\n4 0 0\n"); },
         "train2id.txt", 4, "unknown entity id 9 (entity2id.txt has ids 0 to 4)"},
        {"openke: unknown relation id", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/test2id.txt", "2\n1 4 1\n2 4 5\n"); },
         "test2id.txt", 3, "unknown relation id 5 (relation2id.txt has ids 0 to 1)"},
        {"openke: wrong column count", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/valid2id.txt", "1\n0 2\n"); },
         "valid2id.txt", 2, "expected 3 columns (HEAD_ID TAIL_ID RELATION_ID), found 2"},
        {"openke: no count line", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/test2id.txt", "1 4 1\n2 4 0\n"); },
         "test2id.txt", 1, "the first line must be the number of triples"},
        {"openke: entity2id without count line", Base::OpenKe,
         [](const QString &d) {
             writeFile(d + "/entity2id.txt", "<http://x.org/a> 0\n<http://x.org/b> 1\n<http://x.org/c> 2\n"
                                             "<http://x.org/d> 3\n<http://x.org/e> 4\n");
         },
         "entity2id.txt", 1, "the first line must be the number of entities"},
        {"openke: missing relation2id", Base::OpenKe, [](const QString &d) { QFile::remove(d + "/relation2id.txt"); },
         "relation2id.txt", 0, "missing"},
        {"tsv: wrong column count", Base::Tsv,
         [](const QString &d) {
             writeFile(d + "/train.tsv", "New York\tlocated in\tUnited States\nToronto\tCanada\n"
                                         "United States\tborders\tCanada\n");
         },
         "train.tsv", 2, "expected 3 columns (HEAD<TAB>RELATION<TAB>TAIL), found 2"},
        {"tsv: empty head", Base::Tsv, [](const QString &d) { writeFile(d + "/valid.tsv", " \tborders\tCanada\n"); },
         "valid.tsv", 1, "the head is empty"},
        {"entity_text: unknown entity", Base::Named,
         [](const QString &d) { writeFile(d + "/entity_text.tsv", "a\tthe letter a\nzed\tnot an entity\n"); },
         "entity_text.tsv", 2, "unknown entity 'zed'"},
        {"entity_types: duplicate entry", Base::Named,
         [](const QString &d) { writeFile(d + "/entity_types.tsv", "a\tletter\na\tvowel\n"); },
         "entity_types.tsv", 2, "duplicate entry for 'a' (first on line 1)"},
        {"entity_names: wrong column count", Base::Named,
         [](const QString &d) { writeFile(d + "/entity_names.tsv", "a\tA\tthe first\n"); },
         "entity_names.tsv", 1, "expected 2 tab-separated columns (ENTITY<TAB>VALUE), found 3"},
        {"features: wrong row count", Base::Named,
         [](const QString &d) { saveFeatures(d + "/image_features.npy", features(4, 3)); },
         "image_features.npy", 0, "4 rows, but the dataset has 5 entities"},
        {"features: NaN", Base::Named,
         [](const QString &d) {
             torch::Tensor v = features(5, 3);
             v[2][1] = std::numeric_limits<float>::quiet_NaN();
             saveFeatures(d + "/text_features.npy", v);
         },
         "text_features.npy", 0, "row 2 contains NaN or infinite values"},
        {"features: infinite", Base::Named,
         [](const QString &d) {
             torch::Tensor v = features(5, 3);
             v[4][0] = std::numeric_limits<float>::infinity();
             saveFeatures(d + "/image_features.pt", v);
         },
         "image_features.pt", 0, "row 4 contains NaN or infinite values"},
        // Hostile sizes: refused with the file, the line and the reason, before allocating.
        {"named: a line over 1 MiB", Base::Named,
         [](const QString &d) {
             writeFile(d + "/train.txt", "a likes b .\n" + QByteArray(3 << 20, 'x') + " likes c .\nb likes c .\n");
         },
         "train.txt", 2, "a line of 3145738 bytes, over the limit of 1048576 bytes (1 MiB)"},
        {"named: an id line over 1 MiB", Base::Named,
         [](const QString &d) { writeFile(d + "/entity2id.txt", "e 0\nd 1\n" + QByteArray(2 << 20, 'c') + " 2\nb 3\na 4\n"); },
         "entity2id.txt", 3, "over the limit of 1048576 bytes"},
        {"openke: a huge entity count", Base::OpenKe,
         [](const QString &d) {
             writeFile(d + "/entity2id.txt", "1000000000000\n<http://x.org/a> 0\n<http://x.org/b> 1\n<http://x.org/c> 2\n"
                                             "<http://x.org/d> 3\n<http://x.org/e> 4\n");
         },
         "entity2id.txt", 1, "the count line says 1000000000000 entities but the file lists 5"},
        {"openke: a huge triple count", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/train2id.txt", "9223372036854775807\n0 1 0\n1 2 0\n2 3 1\n3 4 1\n4 0 0\n"); },
         "train2id.txt", 1, "the count line says 9223372036854775807 triples but the file has 5"},
        {"openke: a huge entity id", Base::OpenKe,
         [](const QString &d) { writeFile(d + "/valid2id.txt", "1\n0 999999999999999 1\n"); },
         "valid2id.txt", 2, "unknown entity id 999999999999999"},
        {"features: a .npy header declaring 10^12 values", Base::Named,
         [](const QString &d) {
             QByteArray header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }";
             while ((10 + header.size() + 1) % 64 != 0)
                 header += ' ';
             header += '\n';
             QByteArray bytes("\x93NUMPY\x01\x00", 8);
             bytes += char(header.size() & 0xff);
             bytes += char(header.size() >> 8);
             writeFile(d + "/image_features.npy", bytes + header + QByteArray(60, '\0'));
         },
         "image_features.npy", 0, "its 1000000×1000000 header needs 4000000000000 bytes of data but the file holds 60"},
        {"features: corrupt .pt", Base::Named,
         [](const QString &d) { writeFile(d + "/text_features.pth", "not a pickle"); },
         "text_features.pth", 0, "cannot read a tensor"},
    };
    return cases;
}

} // namespace

class TestDatasetReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void namedWithIdFiles();
    void namedWithoutIdFiles();
    void namedIdFilesWithCountLine();
    void openKe();
    void tsv_data();
    void tsv();
    void lineEndingsAndByteOrderMark();
    void benchmarks_data();
    void benchmarks();
    void mkgYDropUnseen();

    void unseenEntities();
    void evaluationTriplesAlsoInTrain();
    void malformed_data();
    void malformed();
    void thousandsOfBadLinesAreSummarised();
    void badIdFilesDoNotCascade();

    void badImagesAreLeftOut();
    void checkedImagesAreRemembered();

    void featureFiles();
    void importStoresMetadata();

private:
    QTemporaryDir m_workspaceDir;
    QString m_workspace;
    QByteArray m_workspaceDigest;
};

void TestDatasetReader::initTestCase()
{
    QVERIFY(m_workspaceDir.isValid());
    QVERIFY2(QFileInfo::exists(kBenchmarks + "/MKG-Y/train.txt"), qPrintable(kBenchmarks));
    // A workspace holding one dataset: the malformed imports must leave it as it is.
    QTemporaryDir good;
    writeNamed(good.path(), true);
    m_workspace = m_workspaceDir.filePath("ws.sqlite");
    const auto r = runCli({"import", good.path(), "--workspace", m_workspace});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    m_workspaceDigest = folderDigest(m_workspaceDir.path());
    QVERIFY(!m_workspaceDigest.isEmpty());
}

void TestDatasetReader::namedWithIdFiles()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), true);
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(d.format, DatasetFormat::NamedTriples);
    QCOMPARE(*r.format, DatasetFormat::NamedTriples);
    // Ids come from the id files, not from the order of appearance.
    QCOMPARE(d.entities[0].name, QStringLiteral("e"));
    QCOMPARE(d.entityId("a"), 4);
    QCOMPARE(d.relationNames, (QStringList{"knows", "likes"}));
    QCOMPARE(int(d.train.size()), 5);
    QCOMPARE(int(d.valid.size()), 1);
    QCOMPARE(int(d.test.size()), 2);
    QCOMPARE(d.train[0], (Triple{4, 1, 3}));
    QCOMPARE(names(d, d.valid[0]), QStringLiteral("a knows c"));
    QCOMPARE(names(d, d.test[1]), QStringLiteral("c likes e"));
}

void TestDatasetReader::namedWithoutIdFiles()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), false);
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(d.entityCount(), 5);
    // Order of first appearance.
    QCOMPARE(d.entities[0].name, QStringLiteral("a"));
    QCOMPARE(d.entities[4].name, QStringLiteral("e"));
    QCOMPARE(d.relationNames, (QStringList{"likes", "knows"}));
    QCOMPARE(d.train[0], (Triple{0, 0, 1}));
    QCOMPARE(names(d, d.test[0]), QStringLiteral("b knows e"));
}

void TestDatasetReader::namedIdFilesWithCountLine()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), true);
    writeFile(tmp.path() + "/entity2id.txt", "5\ne\t0\nd\t1\nc\t2\nb\t3\na\t4\n");
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QCOMPARE(r.dataset->entityCount(), 5);
    QCOMPARE(r.dataset->entityId("a"), 4);
}

void TestDatasetReader::openKe()
{
    QTemporaryDir tmp;
    writeOpenKe(tmp.path());
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(d.format, DatasetFormat::OpenKE);
    QCOMPARE(d.entityCount(), 5);
    QCOMPARE(d.relationCount(), 2);
    // HEAD TAIL RELATION on disk.
    QCOMPARE(d.train[2], (Triple{2, 1, 3}));
    QCOMPARE(names(d, d.valid[0]), QStringLiteral("<http://x.org/a> knows <http://x.org/c>"));
    QCOMPARE(names(d, d.test[1]), QStringLiteral("<http://x.org/c> likes <http://x.org/e>"));
    QCOMPARE(d.entities[0].displayName, QStringLiteral("a"));
}

void TestDatasetReader::tsv_data()
{
    QTest::addColumn<QString>("extension");
    QTest::newRow(".tsv") << ".tsv";
    QTest::newRow(".txt with tabs") << ".txt";
}

void TestDatasetReader::tsv()
{
    QFETCH(QString, extension);
    QTemporaryDir tmp;
    writeTsv(tmp.path(), extension);
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(d.format, DatasetFormat::Tsv);
    QCOMPARE(d.entityCount(), 5);
    QCOMPARE(d.relationNames, (QStringList{"located in", "borders"}));
    QCOMPARE(d.entities[0].name, QStringLiteral("New York"));
    QCOMPARE(names(d, d.valid[0]), QStringLiteral("Toronto borders United States"));
    QCOMPARE(int(d.train.size()), 4);
    QCOMPARE(int(d.test.size()), 1);
}

void TestDatasetReader::lineEndingsAndByteOrderMark()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), true);
    writeFile(tmp.path() + "/train.txt", "\xEF\xBB\xBF" "a likes b .\r\nb likes c .\r\n\r\nc knows d .\r\nd knows e\r\ne likes a .");
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QCOMPARE(int(r.dataset->train.size()), 5);
    QCOMPARE(names(*r.dataset, r.dataset->train[0]), QStringLiteral("a likes b"));
    QCOMPARE(names(*r.dataset, r.dataset->train[4]), QStringLiteral("e likes a"));
}

void TestDatasetReader::benchmarks_data()
{
    QTest::addColumn<QString>("folder");
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("entities");
    QTest::addColumn<int>("relations");
    QTest::addColumn<int>("train");
    QTest::addColumn<int>("valid");
    QTest::addColumn<int>("test");
    // The figures of resources/datasets/README.md.
    QTest::newRow("MKG-Y") << "MKG-Y" << int(DatasetFormat::NamedTriples) << 15000 << 28 << 21310 << 2665 << 2663;
    QTest::newRow("DB15K") << "DB15K" << int(DatasetFormat::OpenKE) << 12842 << 279 << 79222 << 9904 << 9902;
}

void TestDatasetReader::benchmarks()
{
    QFETCH(QString, folder);
    QFETCH(int, format);
    QFETCH(int, entities);
    QFETCH(int, relations);
    QFETCH(int, train);
    QFETCH(int, valid);
    QFETCH(int, test);
    const DatasetLoadResult r = DatasetReader::read(kBenchmarks + "/" + folder);
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(int(d.format), format);
    QCOMPARE(d.entityCount(), entities);
    QCOMPARE(d.relationCount(), relations);
    QCOMPARE(int(d.train.size()), train);
    QCOMPARE(int(d.valid.size()), valid);
    QCOMPARE(int(d.test.size()), test);
    QCOMPARE(r.errorCount(), 0);
    // Every id in range, every triple's names as the id files say.
    for (const auto *split : {&d.train, &d.valid, &d.test}) {
        for (const Triple &t : *split) {
            QVERIFY(t.head >= 0 && t.head < entities && t.tail >= 0 && t.tail < entities);
            QVERIFY(t.relation >= 0 && t.relation < relations);
        }
    }
    if (folder == "MKG-Y") {
        // The first line of train.txt: "Gilles_Mbang_Ondo wasBornIn Libreville ."
        QCOMPARE(names(d, d.train[0]), QStringLiteral("Gilles_Mbang_Ondo wasBornIn Libreville"));
        QCOMPARE(d.entities[d.entityId(QStringLiteral("FC_Jūrmala"))].displayName, QStringLiteral("FC Jūrmala"));
    } else {
        // train2id.txt line 2: "11208 6404 117" (head tail relation).
        QCOMPARE(d.train[0], (Triple{11208, 117, 6404}));
        QCOMPARE(d.entities[0].name, QStringLiteral("<http://dbpedia.org/resource/Anarchism>"));
        QCOMPARE(d.entities[0].displayName, QStringLiteral("Anarchism"));
    }
}

void TestDatasetReader::mkgYDropUnseen()
{
    const DatasetLoadResult kept = DatasetReader::read(kBenchmarks + "/MKG-Y");
    QVERIFY(kept.ok());
    // Listed in entity2id.txt, so kept by default, with a warning giving the count.
    const DatasetProblem *keptWarning = findProblem(kept, "valid.txt", 0, DatasetProblem::Warning);
    QVERIFY(keptWarning);
    QVERIFY2(keptWarning->reason.startsWith("400 triples have an entity that never occurs in train"),
             qPrintable(keptWarning->reason));

    DatasetLoadOptions options;
    options.dropUnseenEvaluationTriples = true;
    const DatasetLoadResult r = DatasetReader::read(kBenchmarks + "/MKG-Y", options);
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(int(d.valid.size()), 2665 - 400);
    QCOMPARE(int(d.test.size()), 2663 - 388);
    const DatasetProblem *dropped = findProblem(r, "test.txt", 0, DatasetProblem::Warning);
    QVERIFY(dropped);
    QVERIFY2(dropped->reason.contains("dropped 388 triples"), qPrintable(dropped->reason));
    std::vector<uint8_t> inTrain(size_t(d.entityCount()), 0);
    for (const Triple &t : d.train)
        inTrain[size_t(t.head)] = inTrain[size_t(t.tail)] = 1;
    for (const auto *split : {&d.valid, &d.test}) {
        for (const Triple &t : *split)
            QVERIFY(inTrain[size_t(t.head)] && inTrain[size_t(t.tail)]);
    }
}

void TestDatasetReader::unseenEntities()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), false);
    writeFile(tmp.path() + "/valid.txt", "a knows c .\nzed likes a .\nb knows zed .\n");
    // Only in valid.txt: unknown to the model, an error per triple by default.
    const DatasetLoadResult strict = DatasetReader::read(tmp.path());
    QVERIFY(!strict.ok());
    QCOMPARE(strict.errorCount(), 2);
    QVERIFY(findProblem(strict, "valid.txt", 2));
    QVERIFY(findProblem(strict, "valid.txt", 3)->reason.contains("'zed' never occurs in train"));

    DatasetLoadOptions drop;
    drop.dropUnseenEvaluationTriples = true;
    const DatasetLoadResult dropped = DatasetReader::read(tmp.path(), drop);
    QVERIFY2(dropped.ok(), qPrintable(dropped.summary()));
    QCOMPARE(int(dropped.dataset->valid.size()), 1);
    QCOMPARE(names(*dropped.dataset, dropped.dataset->valid[0]), QStringLiteral("a knows c"));
    const DatasetProblem *warning = findProblem(dropped, "valid.txt", 0, DatasetProblem::Warning);
    QVERIFY(warning);
    QCOMPARE(warning->reason, QStringLiteral("dropped 2 triples with an entity that never occurs in train"));

    // Listed in entity2id.txt: part of the graph, kept with a warning.
    writeFile(tmp.path() + "/entity2id.txt", "a 0\nb 1\nc 2\nd 3\ne 4\nzed 5\n");
    const DatasetLoadResult declared = DatasetReader::read(tmp.path());
    QVERIFY2(declared.ok(), qPrintable(declared.summary()));
    QCOMPARE(int(declared.dataset->valid.size()), 3);
    QVERIFY(findProblem(declared, "valid.txt", 0, DatasetProblem::Warning)->reason.startsWith("2 triples have an entity"));
}

void TestDatasetReader::evaluationTriplesAlsoInTrain()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), false);
    // Clean: no warning about train.
    const DatasetLoadResult clean = DatasetReader::read(tmp.path());
    QVERIFY2(clean.ok(), qPrintable(clean.summary()));
    QCOMPARE(clean.warningCount(), 0);

    // valid: one training triple twice and one new triple; test: one training triple of two.
    writeFile(tmp.path() + "/valid.txt", "a likes b .\na knows c .\na likes b .\n");
    writeFile(tmp.path() + "/test.txt", "b knows e .\nd knows e .\n");
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary())); // a warning: the triples stay
    QCOMPARE(int(r.dataset->valid.size()), 3);
    // The warning about train in FILE, or an empty string.
    auto repeatsTrain = [](const DatasetLoadResult &result, const QString &file) {
        for (const DatasetProblem &p : result.problems)
            if (p.file == file && p.severity == DatasetProblem::Warning && p.reason.contains("also occur in train"))
                return p.reason;
        return QString();
    };
    QVERIFY2(repeatsTrain(r, "valid.txt").startsWith("1 of its 2 distinct triples also occur in train"),
             qPrintable(r.summary()));
    QVERIFY2(repeatsTrain(r, "test.txt").startsWith("1 of its 2 distinct triples also occur in train"),
             qPrintable(r.summary()));

    // DB15K as distributed: most of its validation split repeats train, none of its test split.
    const DatasetLoadResult db15k = DatasetReader::read(kBenchmarks + "/DB15K");
    QVERIFY2(db15k.ok(), qPrintable(db15k.summary()));
    QVERIFY2(repeatsTrain(db15k, "valid2id.txt").startsWith("6584 of its 7481 distinct triples also occur in train"),
             qPrintable(db15k.summary()));
    QVERIFY2(repeatsTrain(db15k, "test2id.txt").isEmpty(), qPrintable(db15k.summary()));
    const DatasetLoadResult mkgY = DatasetReader::read(kBenchmarks + "/MKG-Y");
    QVERIFY2(repeatsTrain(mkgY, "valid.txt").isEmpty() && repeatsTrain(mkgY, "test.txt").isEmpty(),
             qPrintable(mkgY.summary()));
}

void TestDatasetReader::malformed_data()
{
    QTest::addColumn<int>("index");
    const QVector<BadCase> &cases = badCases();
    for (int i = 0; i < cases.size(); ++i)
        QTest::newRow(cases[i].name) << i;
}

void TestDatasetReader::malformed()
{
    QFETCH(int, index);
    const BadCase &c = badCases()[index];
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath("dataset");
    writeBase(c.base, dir);
    if (c.base != Base::Empty) {
        // The untouched base is fine: the error below is the mutation's.
        const DatasetLoadResult base = DatasetReader::read(dir);
        QVERIFY2(base.ok(), qPrintable(base.summary()));
    }
    c.mutate(dir);

    const DatasetLoadResult r = DatasetReader::read(dir);
    QVERIFY2(!r.ok(), "the dataset must be rejected whole");
    QVERIFY(!r.dataset);
    const DatasetProblem *p = findProblem(r, c.file, c.line);
    QVERIFY2(p, qPrintable(QStringLiteral("expected an error at %1:%2, got:\n%3").arg(c.file).arg(c.line).arg(r.summary())));
    QVERIFY2(p->reason.contains(c.reason), qPrintable(p->reason));

    // Importing it fails, says why, and leaves the workspace byte for byte as it was.
    const auto cli = runCli({"import", dir, "--workspace", m_workspace});
    QVERIFY2(cli.exitCode == 1, qPrintable(QStringLiteral("exit %1: %2").arg(cli.exitCode).arg(cli.err)));
    const QString where = c.line > 0 ? QStringLiteral("%1:%2: ").arg(c.file).arg(c.line) : c.file + QStringLiteral(": ");
    QVERIFY2(cli.err.contains(where) && cli.err.contains(c.reason), qPrintable(cli.err));
    QCOMPARE(folderDigest(m_workspaceDir.path()), m_workspaceDigest);
}

// Scraped image folders: a truncated file, text named .jpg, a bad thumbnail, a BMP named
// .jpg and an image over the pixel limit. The usable ones stay; each other one is a
// warning naming the file and the reason and is left out, its entity counting as having no
// image (a bad thumbnail falls back on the images); a summary counts them.
void TestDatasetReader::badImagesAreLeftOut()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath("dataset");
    writeBase(Base::Named, dir);
    QFile flag(countriesDir() + "/images/Japan.png");
    QVERIFY(flag.open(QIODevice::ReadOnly));
    const QByteArray png = flag.readAll();
    writeFile(dir + "/images/a.png", png.left(png.size() / 2));             // truncated
    writeFile(dir + "/images/b/photo.jpg", "this is text, not a JPEG\n");  // not an image
    copyFile(countriesDir() + "/images/Japan.png", dir + "/images/c.png");
    writeFile(dir + "/thumbnails/c.png", QByteArray(64, 'x'));             // bad thumbnail, good image
    {
        QImage bmp(24, 16, QImage::Format_RGB32); // Qt writes no GIF: a BMP named .jpg is as mislabelled
        bmp.fill(Qt::red);
        QVERIFY(bmp.save(dir + "/images/d.jpg", "BMP"));
        QImage huge(9000, 8000, QImage::Format_Mono); // 72 megapixels, a few kB as PNG
        huge.fill(0);
        QVERIFY(huge.save(dir + "/images/e.png", "PNG"));
    }
    const DatasetLoadResult r = DatasetReader::read(dir);
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    auto info = [&d](const char *name) { return d.entities[int(d.entityId(QString::fromLatin1(name)))]; };
    struct Expected { const char *file, *reason; };
    for (const Expected &e : {Expected{"images/a.png", "corrupt image"}, Expected{"images/b/photo.jpg", "not a readable image"},
                              Expected{"thumbnails/c.png", "not a readable image"},
                              Expected{"images/e.png", "over the limit of 64 megapixels"}}) {
        const DatasetProblem *p = findProblem(r, e.file, 0, DatasetProblem::Warning);
        QVERIFY2(p, qPrintable(QStringLiteral("no warning for %1 in:\n%2").arg(e.file, r.summary())));
        QVERIFY2(p->reason.contains(e.reason) && p->reason.contains("left out"), qPrintable(p->reason));
    }
    QVERIFY(info("a").imagePaths.isEmpty());
    QVERIFY(info("b").imagePaths.isEmpty());
    QVERIFY(info("e").imagePaths.isEmpty());
    QCOMPARE(info("c").imagePaths.size(), 1); // the image stays, the thumbnail goes
    QVERIFY(info("c").thumbnailPath.isEmpty());
    QCOMPARE(info("d").imagePaths.size(), 1); // decided by content, not by name
    QVERIFY2(r.summary().contains("4 image files cannot be used and were left out; 3 entities are left without an image"),
             qPrintable(r.summary()));

    // `momok info` says it, and an import keeps the dataset, the entities without an image.
    const auto cli = runCli({"info", dir});
    QCOMPARE(cli.exitCode, 0);
    QVERIFY2(cli.out.contains("3 entities are left without an image") || cli.err.contains("3 entities are left without an image"),
             qPrintable(cli.out + cli.err));
}

// Images found fine are remembered (ImageCheckRecord) and not decoded again while unchanged;
// freshly written files, changed files and files with a problem are decoded on every read.
void TestDatasetReader::checkedImagesAreRemembered()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath("dataset"), records = tmp.filePath("records");
    writeBase(Base::Named, dir);
    QFile flag(countriesDir() + "/images/Japan.png");
    QVERIFY(flag.open(QIODevice::ReadOnly));
    const QByteArray png = flag.readAll();
    QVERIFY(copyFile(countriesDir() + "/images/Japan.png", dir + "/images/a.png"));
    QVERIFY(copyFile(countriesDir() + "/images/France.png", dir + "/images/b.png"));
    QVERIFY(writeFile(dir + "/images/c.png", png.left(png.size() / 2))); // truncated
    DatasetLoadOptions options;
    options.imageCheckRecordDirectory = records;
    auto read = [&] {
        const DatasetLoadResult r = DatasetReader::read(dir, options);
        if (!r.ok())
            qWarning("%s", qPrintable(r.summary()));
        return r;
    };
    auto warned = [](const DatasetLoadResult &r, const char *file) {
        return findProblem(r, QString::fromLatin1(file), 0, DatasetProblem::Warning) != nullptr;
    };
    auto recordText = [&records]() -> QByteArray {
        const QStringList files = QDir(records).entryList(QDir::Files);
        if (files.size() != 1)
            return {};
        QFile f(QDir(records).filePath(files.first()));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };

    // Just written: within the clock's tick a change could keep a file's times, so nothing is
    // remembered yet.
    DatasetLoadResult r = read();
    QVERIFY(r.ok() && warned(r, "images/c.png"));
    QVERIFY2(QDir(records).entryList(QDir::Files).isEmpty(), qPrintable(QDir(records).entryList().join(' ')));

    // Settled: the good ones are remembered, the truncated one is not (and is still reported).
    QTest::qSleep(int(ImageCheckRecord::kSettleSeconds) * 1000 + 300);
    r = read();
    QVERIFY(r.ok() && warned(r, "images/c.png"));
    QByteArray text = recordText();
    QVERIFY2(text.contains("\timages/a.png\n") && text.contains("\timages/b.png\n"), text.constData());
    QVERIFY2(!text.contains("images/c.png"), text.constData());

    // What the record says is trusted while the stamp holds: a record claiming the truncated
    // file fine, with its true stamp, spares it the decoding that would find it corrupt.
    QFile recordFile(QDir(records).filePath(QDir(records).entryList(QDir::Files).first()));
    QVERIFY(recordFile.open(QIODevice::Append));
    recordFile.write(ImageCheckRecord::stampOf(dir + "/images/c.png") + "\timages/c.png\n");
    recordFile.close();
    r = read();
    QVERIFY2(r.ok() && !warned(r, "images/c.png"), qPrintable(r.summary()));

    // A changed file is decoded again, though the record names it.
    QVERIFY(writeFile(dir + "/images/a.png", png.left(png.size() / 3)));
    r = read();
    QVERIFY2(r.ok() && warned(r, "images/a.png"), qPrintable(r.summary()));

    // A record that is not one is ignored: everything is decoded.
    QVERIFY(writeFile(recordFile.fileName(), "not a record\n"));
    r = read();
    QVERIFY(r.ok() && warned(r, "images/a.png") && warned(r, "images/c.png"));

    // Without the record, every file is decoded.
    options.rememberCheckedImages = false;
    QVERIFY(writeFile(recordFile.fileName(), text + ImageCheckRecord::stampOf(dir + "/images/c.png") + "\timages/c.png\n"));
    r = read();
    QVERIFY(r.ok() && warned(r, "images/c.png"));
}

void TestDatasetReader::thousandsOfBadLinesAreSummarised()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), true);
    QByteArray train = "a likes b .\nb likes c .\nc knows d .\nd knows e .\ne likes a .\n";
    for (int i = 0; i < 5000; ++i)
        train += "a likes\n";
    writeFile(tmp.path() + "/train.txt", train);
    QByteArray types;
    for (int i = 0; i < 3000; ++i)
        types += "nobody" + QByteArray::number(i) + "\tperson\n";
    writeFile(tmp.path() + "/entity_types.tsv", types);

    DatasetLoadOptions options;
    options.maxProblemsPerFile = 7;
    const DatasetLoadResult r = DatasetReader::read(tmp.path(), options);
    QVERIFY(!r.ok());
    // 7 listed per file plus one summary line each.
    QCOMPARE(r.problems.size(), 16);
    QCOMPARE(r.problems[0].file, QStringLiteral("train.txt"));
    QCOMPARE(r.problems[0].line, 6);
    QCOMPARE(r.problems[6].line, 12);
    const DatasetProblem *trainMore = findProblem(r, "train.txt", 0);
    QVERIFY(trainMore);
    QCOMPARE(trainMore->reason, QStringLiteral("… and 4993 more problems in train.txt"));
    const DatasetProblem *typesMore = findProblem(r, "entity_types.tsv", 0);
    QVERIFY(typesMore);
    QCOMPARE(typesMore->reason, QStringLiteral("… and 2993 more problems in entity_types.tsv"));
    QCOMPARE(findProblem(r, "entity_types.tsv", 7)->reason, QStringLiteral("unknown entity 'nobody6'"));
    QCOMPARE(r.summary().count('\n'), 15);
    QVERIFY(r.summary().contains("train.txt:12: error: expected 3 columns"));
    // The counts are of every problem found, not of the lines listed.
    QCOMPARE(r.errorCount() + r.warningCount(), 5000 + 3000);
    QVERIFY(r.errorCount() >= 5000);

    // The default keeps the list short as well.
    QCOMPARE(DatasetReader::read(tmp.path()).problems.size(), 2 * 10 + 2);
}

void TestDatasetReader::badIdFilesDoNotCascade()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), true);
    writeFile(tmp.path() + "/entity2id.txt", "e 0\nd 1\nc 2\nb 3\na 3\n");
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY(!r.ok());
    // One error, the id file's: not one more per triple naming an entity it lacks.
    QCOMPARE(r.errorCount(), 1);
    QCOMPARE(r.problems[0].file, QStringLiteral("entity2id.txt"));
}

void TestDatasetReader::featureFiles()
{
    QTemporaryDir tmp;
    writeNamed(tmp.path(), true);
    torch::Tensor image = features(5, 4);
    image[1].zero_(); // entity d has no image
    saveFeatures(tmp.path() + "/image_features.npy", image);
    saveFeatures(tmp.path() + "/text_features.pt", features(5, 6));
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.summary()));
    const FeatureFileInfo *img = r.dataset->featureFile("image");
    QVERIFY(img);
    QCOMPARE(img->path, QDir(tmp.path()).absoluteFilePath("image_features.npy"));
    QCOMPARE(img->rows, 5);
    QCOMPARE(img->columns, 4);
    QCOMPARE(img->presentRows, 4);
    const FeatureFileInfo *txt = r.dataset->featureFile("text");
    QVERIFY(txt);
    QCOMPARE(txt->columns, 6);
    QCOMPARE(txt->presentRows, 5);

    // A second file for one modality is ignored, with a warning.
    saveFeatures(tmp.path() + "/image_features.pt", features(5, 2));
    const DatasetLoadResult twice = DatasetReader::read(tmp.path());
    QVERIFY(twice.ok());
    QCOMPARE(twice.dataset->featureFile("image")->columns, 4);
    QVERIFY(findProblem(twice, "image_features.pt", 0, DatasetProblem::Warning));
}

void TestDatasetReader::importStoresMetadata()
{
    const DatasetLoadResult r = DatasetReader::read(countriesDir());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QTemporaryDir tmp;
    QString error;
    auto ws = Workspace::open(tmp.filePath("ws.sqlite"), &error);
    QVERIFY2(ws, qPrintable(error));
    qint64 id = -1;
    QVERIFY2(ws->importDataset(*r.dataset, Workspace::contentHash(countriesDir()), &id, &error), qPrintable(error));
    const KgDataset &d = *r.dataset;
    const auto japan = ws->entity(id, d.entityId("Japan"));
    QVERIFY(japan);
    QCOMPARE(japan->description, QStringLiteral("Japan · 日本 · Nippon · Nihon"));
    QCOMPARE(japan->type, QStringLiteral("country"));
    QCOMPARE(japan->imagePaths, d.entities[d.entityId("Japan")].imagePaths);
    QVERIFY(japan->hasImage && japan->hasText);
    const auto cocos = ws->entity(id, d.entityId("Cocos_(Keeling)_Islands"));
    QCOMPARE(cocos->displayName, QStringLiteral("Cocos (Keeling) Islands"));
    const auto guiana = ws->entity(id, d.entityId("French_Guiana"));
    QVERIFY(!guiana->hasImage);
    // Modality filters count what the reader found.
    QCOMPARE(ws->searchEntities(id, {}, 0, {}, kRequireImage).size(), d.entitiesWithImage());
    QCOMPARE(ws->searchEntities(id, {}, 0, QStringLiteral("currency")).size(), 26);
}

QTEST_GUILESS_MAIN(TestDatasetReader)
#include "tst_datasetreader.moc"
