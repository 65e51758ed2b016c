#pragma once
// Small dataset folders in every supported layout, written for the reader's suites.
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>

namespace momok::fixtures {

inline bool writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(bytes) == bytes.size();
}

inline bool copyFile(const QString &from, const QString &to)
{
    QDir().mkpath(QFileInfo(to).absolutePath());
    QFile::remove(to);
    return QFile::copy(from, to) && QFile::setPermissions(to, QFile::ReadOwner | QFile::WriteOwner);
}

inline QString countriesDir()
{
    return QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
}

// Five entities (a..e), two relations; every valid/test entity occurs in train.
// Entity ids follow entity2id.txt, which lists them in an order different from
// their first appearance, so a reader that ignores it is caught.
inline void writeNamed(const QString &dir, bool withIdFiles)
{
    writeFile(dir + "/train.txt", "a likes b .\n"
                                  "b likes c .\n"
                                  "c knows d .\n"
                                  "d knows e .\n"
                                  "e likes a .\n");
    writeFile(dir + "/valid.txt", "a knows c .\n");
    writeFile(dir + "/test.txt", "b knows e .\n"
                                 "c likes e .\n");
    if (withIdFiles) {
        writeFile(dir + "/entity2id.txt", "e 0\nd 1\nc 2\nb 3\na 4\n");
        writeFile(dir + "/relation2id.txt", "knows 0\nlikes 1\n");
    }
}

// The same graph in OpenKE ids (entities a..e = 0..4, likes = 0, knows = 1).
inline void writeOpenKe(const QString &dir)
{
    writeFile(dir + "/entity2id.txt", "5\n<http://x.org/a> 0\n<http://x.org/b> 1\n<http://x.org/c> 2\n"
                                      "<http://x.org/d> 3\n<http://x.org/e> 4\n");
    writeFile(dir + "/relation2id.txt", "2\nlikes 0\nknows 1\n");
    // HEAD TAIL RELATION
    writeFile(dir + "/train2id.txt", "5\n0 1 0\n1 2 0\n2 3 1\n3 4 1\n4 0 0\n");
    writeFile(dir + "/valid2id.txt", "1\n0 2 1\n");
    writeFile(dir + "/test2id.txt", "2\n1 4 1\n2 4 0\n");
}

// Tab-separated triples whose names contain spaces.
inline void writeTsv(const QString &dir, const QString &extension = QStringLiteral(".tsv"))
{
    writeFile(dir + "/train" + extension, "New York\tlocated in\tUnited States\n"
                                          "Los Angeles\tlocated in\tUnited States\n"
                                          "United States\tborders\tCanada\n"
                                          "Toronto\tlocated in\tCanada\n");
    writeFile(dir + "/valid" + extension, "Toronto\tborders\tUnited States\n");
    writeFile(dir + "/test" + extension, "New York\tborders\tCanada\n");
}

} // namespace momok::fixtures
