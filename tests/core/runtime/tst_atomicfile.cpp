// AtomicFileWriter: the bytes arrive whole and in order whatever sizes they are handed over
// in (small pieces are gathered into blocks, large ones go straight through), nothing
// reaches the path before commit(), and writeOut() puts what is gathered into the
// temporary file at once.
#include "runtime/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using momok::AtomicFileWriter;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The files in `dir` other than `except`: a temporary file left behind, if the writer used a
// named one (Qt's is usually unnamed, O_TMPFILE).
QStringList otherFiles(const QDir &dir, const QString &except)
{
    QStringList names = dir.entryList(QDir::Files | QDir::Hidden);
    names.removeAll(except);
    return names;
}

QByteArray patterned(qint64 size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator random(seed);
    for (qint64 i = 0; i < size; ++i)
        bytes[i] = char(random.bounded(256));
    return bytes;
}

} // namespace

class TestAtomicFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Read once, at the first crash point of the process: set before any writer runs.
        m_crashLog = m_dir.filePath("crash.log");
        qputenv("MOMOK_CRASH_LOG", QFile::encodeName(m_crashLog));
    }

    // Pieces of every kind of size against the block: many small ones, one that fills a
    // block exactly, ones that cross a block's end, and ones larger than a block arriving
    // while smaller ones are gathered (which must go to the file first).
    void piecesArriveWholeAndInOrder()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("state.bin");
        const qint64 block = AtomicFileWriter::kBlockBytes;
        const QList<qint64> sizes = {1, 7, 3000, 64, block, 5, block - 5, 10, 3 * block + 17, 1, 4096, block / 2,
                                     block / 2 + 1, 0, 2 * block, 123};
        qint64 total = 0;
        for (qint64 size : sizes)
            total += size;
        const QByteArray expected = patterned(total, 7);
        AtomicFileWriter writer(path, QStringLiteral("a test file"));
        qint64 at = 0;
        for (qint64 size : sizes) {
            writer.write(expected.constData() + at, size);
            at += size;
        }
        // Thousands of pieces as small as LibTorch's archive writer hands over.
        QByteArray small = patterned(2 * block + 999, 11);
        for (qint64 i = 0; i < small.size(); i += 37)
            writer.write(small.constData() + i, std::min<qint64>(37, small.size() - i));
        QVERIFY(!QFile::exists(path));
        QString error;
        QVERIFY2(writer.commit(&error), qPrintable(error));
        const QByteArray written = readAll(path);
        QCOMPARE(written.size(), expected.size() + small.size());
        QVERIFY(written == expected + small);
        QVERIFY(otherFiles(QDir(dir.path()), "state.bin").isEmpty());
    }

    // The earlier file stays as it was until commit(), and stays when the writer is dropped
    // without one, blocks already written or not; no temporary file is left behind.
    void earlierFileKeptUntilCommit()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("best.pt");
        QString error;
        QVERIFY2(momok::writeFileAtomically(path, QByteArray("earlier"), QStringLiteral("a test file"), &error),
                 qPrintable(error));
        const QByteArray replacement = patterned(3 * AtomicFileWriter::kBlockBytes + 1, 3);
        {
            AtomicFileWriter writer(path, QStringLiteral("a test file"));
            for (qint64 i = 0; i < replacement.size(); i += 1000)
                writer.write(replacement.constData() + i, std::min<qint64>(1000, replacement.size() - i));
            QCOMPARE(readAll(path), QByteArray("earlier"));
        }
        QCOMPARE(readAll(path), QByteArray("earlier"));
        QVERIFY(otherFiles(QDir(dir.path()), "best.pt").isEmpty());
        AtomicFileWriter writer(path, QStringLiteral("a test file"));
        writer.write(replacement.constData(), replacement.size());
        QCOMPARE(readAll(path), QByteArray("earlier"));
        QVERIFY2(writer.commit(&error), qPrintable(error));
        QVERIFY(readAll(path) == replacement);
    }

    // Gathered bytes stay in memory until a block fills, writeOut() or commit(); writeOut()
    // puts them in the temporary file (writeFileAtomically relies on it to leave half a file
    // behind a kill). The temporary file may have no name (O_TMPFILE), so the writer's first
    // write to it is seen by the crash point that follows it.
    void writeOutPutsGatheredBytesInTheFile()
    {
        const QString path = m_dir.filePath("history.json");
        AtomicFileWriter writer(path, QStringLiteral("a test file"));
        const qsizetype before = partlyWritten();
        writer.write("[1,2,", 5);
        writer.write("3", 1);
        QCOMPARE(partlyWritten(), before);
        writer.writeOut();
        QCOMPARE(partlyWritten(), before + 1);
        writer.write("]", 1);
        QVERIFY(!QFile::exists(path));
        QString error;
        QVERIFY2(writer.commit(&error), qPrintable(error));
        QCOMPARE(readAll(path), QByteArray("[1,2,3]"));
        // A block's worth of small pieces goes to the file without being asked.
        AtomicFileWriter large(m_dir.filePath("large.bin"), QStringLiteral("a test file"));
        const qsizetype beforeLarge = partlyWritten();
        const QByteArray piece(1000, 'x');
        qint64 written = 0;
        for (; written + piece.size() <= AtomicFileWriter::kBlockBytes; written += piece.size())
            large.write(piece.constData(), piece.size());
        QCOMPARE(partlyWritten(), beforeLarge); // a block's worth, not more: still gathered
        large.write(piece.constData(), piece.size());
        QCOMPARE(partlyWritten(), beforeLarge + 1);
        QVERIFY2(large.commit(&error), qPrintable(error));
        QCOMPARE(QFileInfo(m_dir.filePath("large.bin")).size(), written + piece.size());
    }

private:
    // How often a writer has written to its file for the first time, by the crash log.
    qsizetype partlyWritten() const
    {
        return readAll(m_crashLog).count("file.partly-written");
    }

    QTemporaryDir m_dir;
    QString m_crashLog;
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "tst_atomicfile.moc"
