#pragma once
// Named moments at which a test may kill the process, counted as they happen.
//
// The kill-at-any-moment soak test (tests/app/tst_killsoak.cpp) needs kills that land
// inside checkpoint writes and workspace transactions, reproducibly, which wall-clock
// timing cannot give. Every such moment calls crashPoint(). Two environment variables,
// read once, switch it on; without them a call costs one branch:
//   MOMOK_CRASH_LOG=FILE        appends "<event>\n" to FILE (opened O_APPEND) for every call
//   MOMOK_CRASH_AT_EVENT=N      raises SIGKILL at the N-th call of this process (N ≥ 1),
//                               after logging it
// Events are short dotted names ("file.partly-written", "workspace.before-commit").

namespace momok {

void crashPoint(const char *event);

} // namespace momok
