#include "runtime/AtomicFile.h"

#include "runtime/CrashPoints.h"
#include "runtime/DiskSpace.h"

#include <cerrno>
#include <cstring>

namespace momok {

AtomicFileWriter::AtomicFileWriter(const QString &path, const QString &what)
    : m_file(path), m_path(path), m_what(what)
{
    crashPoint("file.before-write");
    if (!m_file.open(QIODevice::WriteOnly))
        fail(m_file.errorString());
}

void AtomicFileWriter::fail(const QString &why)
{
    if (!m_failure.isEmpty())
        return;
    // Asked before the temporary file goes: it still holds the space it took.
    m_failure = QStringLiteral("%1: cannot write %2: %3%4").arg(m_path, m_what, why, diskFullNote(m_path));
    m_file.cancelWriting();
}

void AtomicFileWriter::write(const char *data, qint64 size)
{
    if (!m_failure.isEmpty() || size <= 0)
        return;
    if (qint64(m_block.size()) + size > kBlockBytes)
        writeOut();
    if (size >= kBlockBytes) {
        writeToFile(data, size);
    } else {
        if (m_block.empty())
            m_block.reserve(size_t(kBlockBytes));
        m_block.insert(m_block.end(), data, data + size);
    }
}

void AtomicFileWriter::writeOut()
{
    if (m_block.empty())
        return;
    writeToFile(m_block.data(), qint64(m_block.size()));
    m_block.clear(); // keeps its capacity for the next block
}

void AtomicFileWriter::writeToFile(const char *data, qint64 size)
{
    if (!m_failure.isEmpty())
        return;
    errno = 0;
    // Flushed as it goes, so that a full disk is noticed at the write that found it.
    if (m_file.write(data, size) != size || !m_file.flush()) {
        // The system's reason ("No space left on device"): a failed flush leaves QSaveFile's
        // own error string unset.
        fail(errno ? QString::fromLocal8Bit(std::strerror(errno)) : m_file.errorString());
        return;
    }
    if (++m_writes == 1)
        crashPoint("file.partly-written");
}

bool AtomicFileWriter::commit(QString *error)
{
    writeOut();
    if (m_failure.isEmpty()) {
        crashPoint("file.before-rename");
        if (m_file.commit()) {
            crashPoint("file.renamed");
            return true;
        }
        m_failure = QStringLiteral("%1: cannot write %2: %3%4").arg(m_path, m_what, m_file.errorString(), diskFullNote(m_path));
    }
    if (error)
        *error = m_failure;
    return false;
}

bool writeFileAtomically(const QString &path, const char *data, qint64 size, const QString &what, QString *error)
{
    AtomicFileWriter file(path, what);
    // In two halves, so that a kill can land with half the bytes written.
    const qint64 half = size / 2;
    file.write(data, half);
    file.writeOut();
    file.write(data + half, size - half);
    return file.commit(error);
}

} // namespace momok
