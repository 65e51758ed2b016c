#pragma once
// Writing a file whole or not at all.
#include <QByteArray>
#include <QSaveFile>
#include <QString>

#include <vector>

namespace momok {

// Streams a file into a temporary file in the same folder, renamed over path only by
// commit() once every byte is on disk: a crash, a kill or a full disk leaves the previous
// file (or none) and never part of the new one. Writes are gathered into blocks of
// kBlockBytes before they go to the file (and are flushed there, so that a full disk is
// noticed at the block that found it). After a failed write, write() writes nothing more
// (a producer that cannot stop, such as LibTorch's archive writer, may keep calling it)
// and commit() reports the failure. On failure commit()'s error reads
// "<path>: cannot write <what>: <the system's reason>[; the disk is full (… free on …)]"
// and the temporary file is removed.
class AtomicFileWriter
{
public:
    AtomicFileWriter(const QString &path, const QString &what);
    AtomicFileWriter(const AtomicFileWriter &) = delete;
    AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

    // LibTorch's archive writer hands a checkpoint over in thousands of small pieces (the
    // quick demo's 10 MB last.pt in 3,154): written and flushed one by one they took 16 ms
    // to serialise and write, gathered 7 ms (medians of 20 saves; the sync at commit() is
    // another 16 ms either way).
    static constexpr qint64 kBlockBytes = qint64(1) << 20;

    void write(const char *data, qint64 size);
    // Writes what write() has gathered to the file now.
    void writeOut();
    bool commit(QString *error);

private:
    void fail(const QString &why);
    void writeToFile(const char *data, qint64 size);

    QSaveFile m_file;
    QString m_path, m_what, m_failure;
    std::vector<char> m_block; // gathered, not yet in the file
    qint64 m_writes = 0;
};

// The whole of bytes, written as above.
bool writeFileAtomically(const QString &path, const char *data, qint64 size, const QString &what, QString *error);
inline bool writeFileAtomically(const QString &path, const QByteArray &bytes, const QString &what, QString *error)
{
    return writeFileAtomically(path, bytes.constData(), bytes.size(), what, error);
}

} // namespace momok
