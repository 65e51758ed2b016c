#pragma once
// Shared by the fuzz targets: one scratch folder per process, files written into it, and a
// check that stops the run (a finding for libFuzzer, a failure for the replay test).
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace fuzz {

// The process's scratch folder (removed at exit).
inline const QDir &scratch()
{
    static QTemporaryDir dir;
    static const QDir d(dir.path());
    return d;
}

// Writes `bytes` to `name` under `folder` (created), replacing what was there.
inline QString writeFile(const QDir &folder, const QString &name, QByteArrayView bytes)
{
    folder.mkpath(QStringLiteral("."));
    const QString path = folder.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", qPrintable(path));
        std::abort();
    }
    file.write(bytes.data(), bytes.size());
    return path;
}

// A folder under the scratch folder, emptied.
inline QDir freshFolder(const QString &name)
{
    QDir dir(scratch().filePath(name));
    if (dir.exists())
        dir.removeRecursively();
    scratch().mkpath(name);
    return dir;
}

// A property every input must keep; a violation is a finding.
#define FUZZ_CHECK(condition, ...)                                                                  \
    do {                                                                                            \
        if (!(condition)) {                                                                         \
            std::fprintf(stderr, "fuzz check failed: %s (%s:%d): ", #condition, __FILE__, __LINE__); \
            std::fprintf(stderr, __VA_ARGS__);                                                      \
            std::fprintf(stderr, "\n");                                                             \
            std::abort();                                                                           \
        }                                                                                           \
    } while (0)

} // namespace fuzz
