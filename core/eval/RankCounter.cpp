#include "eval/RankCounter.h"

#include "runtime/KernelTargets.h"

#include <algorithm>

namespace momok {

namespace {
MOMOK_KERNEL void countAbove(const float *scores, int64_t n, float value, int64_t *greater, int64_t *equal)
{
    // 32-bit counters fill a vector register with eight lanes (64-bit ones with four);
    // blocks of at most 2^30 keep them from overflowing.
    int64_t g = 0, e = 0;
    constexpr int64_t kBlock = int64_t(1) << 30;
    for (int64_t start = 0; start < n; start += kBlock) {
        const int64_t end = std::min(n, start + kBlock);
        int32_t bg = 0, be = 0;
#pragma omp simd reduction(+ : bg, be)
        for (int64_t j = start; j < end; ++j) {
            bg += scores[j] > value ? 1 : 0;
            be += scores[j] == value ? 1 : 0;
        }
        g += bg;
        e += be;
    }
    *greater = g;
    *equal = e;
}
} // namespace

FilteredRank filteredRank(const float *scores, int64_t n, int64_t target, const int64_t *filteredBegin,
                          const int64_t *filteredEnd)
{
    const float value = scores[target];
    FilteredRank rank;
    int64_t equal = 0;
    countAbove(scores, n, value, &rank.greater, &equal);
    rank.ties = equal - 1; // the target equals itself
    for (const int64_t *f = filteredBegin; f != filteredEnd; ++f) {
        if (*f == target)
            continue;
        if (scores[*f] > value)
            --rank.greater;
        else if (scores[*f] == value)
            --rank.ties;
    }
    return rank;
}

} // namespace momok
