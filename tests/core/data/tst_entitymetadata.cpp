// Entity metadata next to the triples: display names, text, types, images and
// thumbnails, on the bundled countries dataset and on small fixtures.
#include "data/DatasetReader.h"
#include "data/EntityMetadataReader.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace momok;

namespace {

const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    f.write(bytes);
}

void copyFile(const QString &from, const QString &to)
{
    QDir().mkpath(QFileInfo(to).absolutePath());
    QFile::remove(to);
    QVERIFY2(QFile::copy(from, to), qPrintable(from + " -> " + to));
}

const QByteArray kSvg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"3\">"
                        "<rect width=\"4\" height=\"3\" fill=\"red\"/></svg>\n";

// Four entities whose names need every kind of file naming.
void writeFixture(const QString &dir)
{
    writeFile(dir + "/train.txt", "Japan bordersSea Plain .\n"
                                  "S\xC3\xA3o_Tom\xC3\xA9 bordersSea Plain .\n"
                                  "Cocos_(Keeling)_Islands bordersSea Plain .\n");
    writeFile(dir + "/valid.txt", "Plain bordersSea Japan .\n");
    writeFile(dir + "/test.txt", "Plain bordersSea Cocos_(Keeling)_Islands .\n");
    writeFile(dir + "/entity_names.tsv", "Japan\tNippon\nCocos_(Keeling)_Islands\tCocos (Keeling) Islands\n");
    writeFile(dir + "/descriptions.tsv", "Japan\tIsland country\nPlain\t  \n");
    writeFile(dir + "/entity_types.tsv", "Japan\tcountry\r\nPlain\tgeo\r\n");
    copyFile(kCountries + "/images/Japan.png", dir + "/images/Japan.png");
    copyFile(kCountries + "/thumbnails/Japan.png", dir + "/thumbnails/Japan.png");
    // Several images in a folder named by the encoded name; sorted by file name.
    copyFile(kCountries + "/images/Chile.png", dir + "/images/S%C3%A3o_Tom%C3%A9/b.png");
    writeFile(dir + "/images/S%C3%A3o_Tom%C3%A9/a.svg", kSvg);
    writeFile(dir + "/images/S%C3%A3o_Tom%C3%A9/notes.txt", "not an image\n");
    // The raw name, usable as a file name, is accepted as well.
    writeFile(dir + "/images/Cocos_(Keeling)_Islands.svg", kSvg);
}

const DatasetProblem *findProblem(const DatasetLoadResult &r, const QString &file, int line)
{
    for (const DatasetProblem &p : r.problems) {
        if (p.file == file && p.line == line)
            return &p;
    }
    return nullptr;
}

} // namespace

class TestEntityMetadata : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fileSafeNames();
    void countries();
    void fixture();
    void textFilePreferredOverDescriptions();
    void badLines_data();
    void badLines();
};

void TestEntityMetadata::fileSafeNames()
{
    QCOMPARE(EntityMetadataReader::fileSafeName("Japan"), QStringLiteral("Japan"));
    QCOMPARE(EntityMetadataReader::fileSafeName("a-b.c_D9"), QStringLiteral("a-b.c_D9"));
    QCOMPARE(EntityMetadataReader::fileSafeName(QStringLiteral("São_Tomé_and_Príncipe")),
             QStringLiteral("S%C3%A3o_Tom%C3%A9_and_Pr%C3%ADncipe"));
    QCOMPARE(EntityMetadataReader::fileSafeName("Cocos_(Keeling)_Islands"), QStringLiteral("Cocos_%28Keeling%29_Islands"));
    QCOMPARE(EntityMetadataReader::fileSafeName("a b/c%~"), QStringLiteral("a%20b%2Fc%25%7E"));
    QCOMPARE(EntityMetadataReader::fileSafeName("<http://x.org/A>"), QStringLiteral("%3Chttp%3A%2F%2Fx.org%2FA%3E"));
}

void TestEntityMetadata::countries()
{
    const DatasetLoadResult r = DatasetReader::read(kCountries);
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    QCOMPARE(d.entityCount(), 353);
    QCOMPARE(d.relationCount(), 7);
    QCOMPARE(int(d.train.size()), 1187);
    QCOMPARE(int(d.valid.size()), 145);
    QCOMPARE(int(d.test.size()), 145);
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.summary()));

    int withImage = 0, withThumbnail = 0, withText = 0, withType = 0;
    for (const EntityInfo &e : d.entities) {
        withImage += !e.imagePaths.isEmpty();
        withThumbnail += !e.thumbnailPath.isEmpty();
        withText += !e.description.isEmpty();
        withType += !e.type.isEmpty();
        QVERIFY(!e.displayName.isEmpty());
        for (const QString &path : e.imagePaths)
            QVERIFY2(QFileInfo(path).isAbsolute() && QFileInfo::exists(path), qPrintable(path));
    }
    QCOMPARE(withImage, 236);
    QCOMPARE(withThumbnail, 236);
    QCOMPARE(withText, 353);
    QCOMPARE(withType, 353);

    const EntityInfo &japan = d.entities[d.entityId("Japan")];
    QCOMPARE(japan.imagePaths, QStringList{QDir(kCountries).absoluteFilePath("images/Japan.png")});
    QCOMPARE(japan.thumbnailPath, QDir(kCountries).absoluteFilePath("thumbnails/Japan.png"));
    QCOMPARE(japan.description, QStringLiteral("Japan · 日本 · Nippon · Nihon"));
    QCOMPARE(japan.type, QStringLiteral("country"));

    // Percent-encoded file names, display names that differ from the identifier.
    const EntityInfo &aland = d.entities[d.entityId(QStringLiteral("Åland_Islands"))];
    QCOMPARE(aland.imagePaths.size(), 1);
    QVERIFY(aland.imagePaths.first().endsWith("images/%C3%85land_Islands.png"));
    const EntityInfo &cocos = d.entities[d.entityId("Cocos_(Keeling)_Islands")];
    QCOMPARE(cocos.displayName, QStringLiteral("Cocos (Keeling) Islands"));
    QVERIFY(cocos.imagePaths.first().endsWith("images/Cocos_%28Keeling%29_Islands.png"));
    QCOMPARE(d.entities[d.entityId("Euro_(currency)")].displayName, QStringLiteral("Euro"));
    QCOMPARE(d.entities[d.entityId("Euro_(currency)")].type, QStringLiteral("currency"));
    // Territories flying another country's flag have none of their own.
    QVERIFY(d.entities[d.entityId("French_Guiana")].imagePaths.isEmpty());
    QVERIFY(d.entities[d.entityId("French_Guiana")].thumbnailPath.isEmpty());
}

void TestEntityMetadata::fixture()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    writeFixture(tmp.path());
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.summary()));
    const KgDataset &d = *r.dataset;
    const QDir dir(tmp.path());

    const EntityInfo &japan = d.entities[d.entityId("Japan")];
    QCOMPARE(japan.displayName, QStringLiteral("Nippon"));
    QCOMPARE(japan.description, QStringLiteral("Island country"));
    QCOMPARE(japan.type, QStringLiteral("country"));
    QCOMPARE(japan.imagePaths, QStringList{dir.absoluteFilePath("images/Japan.png")});
    QCOMPARE(japan.thumbnailPath, dir.absoluteFilePath("thumbnails/Japan.png"));

    const EntityInfo &saoTome = d.entities[d.entityId(QStringLiteral("São_Tomé"))];
    QCOMPARE(saoTome.displayName, QStringLiteral("São Tomé"));
    QCOMPARE(saoTome.imagePaths, (QStringList{dir.absoluteFilePath("images/S%C3%A3o_Tom%C3%A9/a.svg"),
                                              dir.absoluteFilePath("images/S%C3%A3o_Tom%C3%A9/b.png")}));
    QVERIFY(saoTome.description.isEmpty());
    QVERIFY(saoTome.type.isEmpty());

    const EntityInfo &cocos = d.entities[d.entityId("Cocos_(Keeling)_Islands")];
    QCOMPARE(cocos.displayName, QStringLiteral("Cocos (Keeling) Islands"));
    QCOMPARE(cocos.imagePaths, QStringList{dir.absoluteFilePath("images/Cocos_(Keeling)_Islands.svg")});
    QVERIFY(cocos.thumbnailPath.isEmpty());

    // A blank text keeps the default: no description.
    const EntityInfo &plain = d.entities[d.entityId("Plain")];
    QVERIFY(plain.description.isEmpty());
    QCOMPARE(plain.type, QStringLiteral("geo"));
    QVERIFY(plain.imagePaths.isEmpty());
}

void TestEntityMetadata::textFilePreferredOverDescriptions()
{
    QTemporaryDir tmp;
    writeFixture(tmp.path());
    writeFile(tmp.path() + "/entity_text.tsv", "Japan\tFrom entity_text\n");
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(r.ok(), qPrintable(r.summary()));
    QCOMPARE(r.dataset->entities[r.dataset->entityId("Japan")].description, QStringLiteral("From entity_text"));
    const DatasetProblem *warning = findProblem(r, "descriptions.tsv", 0);
    QVERIFY(warning);
    QCOMPARE(warning->severity, DatasetProblem::Warning);
}

void TestEntityMetadata::badLines_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown entity") << "entity_types.tsv" << QByteArray("Japan\tcountry\nAtlantis\tmyth\n") << 2
                                    << "unknown entity 'Atlantis'";
    QTest::newRow("one column") << "entity_names.tsv" << QByteArray("Japan\tNippon\nPlain\n") << 2
                                << "expected 2 tab-separated columns";
    QTest::newRow("three columns") << "descriptions.tsv" << QByteArray("Japan\ta\tb\n") << 1
                                   << "found 3";
    QTest::newRow("line over 1 MiB") << "entity_text.tsv"
                                     << ("Plain\tx\nJapan\t" + QByteArray((1 << 20) + 1, 'y') + "\n") << 2
                                     << "a line of 1048583 bytes, over the limit of 1048576 bytes (1 MiB)";
    QTest::newRow("duplicate") << "entity_text.tsv" << QByteArray("Plain\tx\nJapan\ty\nJapan\tz\n") << 3
                               << "duplicate entry for 'Japan' (first on line 2)";
}

void TestEntityMetadata::badLines()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(int, line);
    QFETCH(QString, reason);
    QTemporaryDir tmp;
    writeFixture(tmp.path());
    writeFile(tmp.path() + "/" + file, content);
    const DatasetLoadResult r = DatasetReader::read(tmp.path());
    QVERIFY2(!r.ok(), "a dataset with bad metadata must be rejected");
    const DatasetProblem *p = findProblem(r, file, line);
    QVERIFY2(p, qPrintable(r.summary()));
    QCOMPARE(p->severity, DatasetProblem::Error);
    QVERIFY2(p->reason.contains(reason), qPrintable(p->reason));
}

QTEST_GUILESS_MAIN(TestEntityMetadata)
#include "tst_entitymetadata.moc"
