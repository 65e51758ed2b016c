#pragma once
// Filtered rank of a target among all candidates without sorting: count the
// candidates scoring above and equal to it, then take back the filtered ones.
#include <cstdint>

namespace momok {

struct FilteredRank {
    int64_t greater = 0; // unfiltered candidates scoring strictly higher
    int64_t ties = 0;    // unfiltered candidates (other than the target) scoring equal
    double optimistic() const { return double(greater + 1); }
    double pessimistic() const { return double(greater + ties + 1); }
    double realistic() const { return double(greater + 1) + double(ties) / 2.0; }
};

// scores: one row of n candidate scores; filtered: other known answers (may include target: skipped).
FilteredRank filteredRank(const float *scores, int64_t n, int64_t target, const int64_t *filteredBegin,
                          const int64_t *filteredEnd);

} // namespace momok
