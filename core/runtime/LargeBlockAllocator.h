#pragma once
// Torch-free view of the CPU allocator for large tensors (see LargeBlockAllocator.cpp).
#include <cstdint>

namespace momok {

// Tensors of this size or more get blocks of their own; smaller ones stay with LibTorch's
// allocator (on the heap, where blocks of a few hundred kB reuse each other's pages better).
constexpr int64_t kLargeBlockBytes = int64_t(1) << 20;

struct LargeBlockStatistics {
    int64_t mappedBytes = 0;     // blocks held from the system, in use or cached
    int64_t cachedBytes = 0;     // of which free, kept for the next request
    int64_t inUseBytes = 0;      // of which holding tensors (whole blocks)
    int64_t peakMappedBytes = 0;
    int64_t peakInUseBytes = 0;
    int64_t maps = 0;            // blocks taken from the system
    int64_t unmaps = 0;          // blocks given back
    int64_t reuses = 0;          // requests served from the cache
};

// Makes LibTorch's CPU tensors of kLargeBlockBytes or more come from blocks this allocator
// maps itself, on transparent huge pages, and keeps for reuse (the statistics above); smaller
// ones stay with LibTorch's own allocator. Idempotent; configureComputeEnvironment calls it.
// MOMOK_LARGE_BLOCKS=0 in the environment turns it off, to measure the difference.
void installLargeBlockAllocator();
bool largeBlockAllocatorInstalled();
LargeBlockStatistics largeBlockStatistics();

// Gives every cached (free) block back to the system: between phases whose peaks should
// not add up, as releaseFreeHeapPages() does for the heap.
void releaseCachedLargeBlocks();

} // namespace momok
