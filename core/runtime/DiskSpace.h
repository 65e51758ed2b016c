#pragma once
// Telling a full disk from other write failures, for error messages.
#include <QString>

namespace momok {

// "; the disk is full (12 KiB free on /data)" when the file system holding path (a file
// or folder, existing or not) has less than kNearlyFullBytes available; empty otherwise.
// Call it before removing what the failed write left, which still takes the space.
QString diskFullNote(const QString &path);
inline constexpr qint64 kNearlyFullBytes = 1 << 20;

} // namespace momok
