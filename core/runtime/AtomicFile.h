#pragma once
// Writing a file whole or not at all.
#include <QByteArray>
#include <QString>

namespace momok {

// Writes bytes to path through a temporary file in the same folder, renamed over path
// only once every byte is on disk: a crash, a kill or a full disk leaves the previous
// file (or none) and never half of the new one. On failure, error reads
// "<path>: cannot write <what>: <the system's reason>[; the disk is full (… free on …)]";
// the temporary file is removed.
bool writeFileAtomically(const QString &path, const char *data, qint64 size, const QString &what, QString *error);
inline bool writeFileAtomically(const QString &path, const QByteArray &bytes, const QString &what, QString *error)
{
    return writeFileAtomically(path, bytes.constData(), bytes.size(), what, error);
}

} // namespace momok
