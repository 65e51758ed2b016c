#include "eval/RankCounter.h"

namespace momok {

namespace {
__attribute__((target_clones("avx2", "default"))) void countAbove(const float *scores, int64_t n, float value,
                                                                   int64_t *greater, int64_t *equal)
{
    int64_t g = 0, e = 0;
#pragma omp simd reduction(+ : g, e)
    for (int64_t j = 0; j < n; ++j) {
        g += scores[j] > value;
        e += scores[j] == value;
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
