#include "runtime/LargeBlockAllocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

namespace momok {
namespace {

// Why: a training step allocates and frees the same few dozen tensors of 1–60 MB every step.
// On glibc's heap (where configureComputeEnvironment keeps them, so that their pages are not
// faulted in again every step) the freed blocks fragment it: the heap ended some 180 MB above
// its in-use peak on MKG-Y's benchmark. Here each large tensor gets a mapping of its own, kept
// when freed and handed to the next request it fits, so a step reuses the previous step's
// pages; what is kept beyond the largest amount ever in use at once is bounded
// (kSlackBytes), and the mappings ask for transparent huge pages (fewer page walks over
// products of tens of MB, 512 times fewer faults when a block is new).
constexpr int64_t kGranule = int64_t(64) << 10;
// A cached block serves a request of at least 1/kFitRatio of its size: a smaller one would
// hold pages it never touches while a request of the block's own size maps another.
constexpr int64_t kFitRatio = 2;
// On a request no cached block fits, cached blocks go back to the system while the mapped
// total would exceed the in-use peak by more than this (which ones: evictForRequest).
// Measured on MKG-Y's benchmark: with none, blocks are mapped and faulted in again all through
// every step (epochs about 10 % longer, peak 25 MB lower); 16 MB still maps about a dozen a step
// (epochs 0–9 % longer than on the heap, by the day's spread); 32 MB about four a step, for a
// peak 15 MB higher. With evictForRequest's choice instead of least recently freed first,
// 16 MB maps about 8 a step (about 14 before), for the same peak.
constexpr int64_t kSlackBytes = int64_t(16) << 20;
constexpr int64_t kHugePageBytes = int64_t(2) << 20; // x86-64's transparent huge pages

struct Block {
    int64_t bytes = 0;
};

class LargeBlockAllocator final : public c10::Allocator
{
public:
    explicit LargeBlockAllocator(c10::Allocator *fallback) : m_fallback(fallback) {}

    // LibTorch 1.13 declares allocate() const, recent ones (2.x) not: both are defined, without
    // `override`, and whichever the base class declares is the one it calls.
    c10::DataPtr allocate(size_t requested) const { return allocateBlock(requested); }
    c10::DataPtr allocate(size_t requested) { return allocateBlock(requested); }

    // Pure in recent LibTorch (2.x), absent from 1.13: hence no `override` either.
    void copy_data(void *destination, const void *source, std::size_t count) const
    {
        std::memcpy(destination, source, count);
    }

    // Frees both kinds: a small block (not in m_blocks) goes to the fallback's deleter.
    c10::DeleterFnPtr raw_deleter() const override { return &LargeBlockAllocator::release; }

    static void release(void *address);

    LargeBlockStatistics statistics()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_stats;
    }

    void releaseCached()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        evictAll();
    }

private:
    c10::DataPtr allocateBlock(size_t requested) const
    {
        if (int64_t(requested) < kLargeBlockBytes)
            return m_fallback->allocate(requested);
        void *address = const_cast<LargeBlockAllocator *>(this)->take(int64_t(requested));
        return {address, address, &LargeBlockAllocator::release, c10::Device(c10::DeviceType::CPU)};
    }

    void *take(int64_t requested)
    {
        const int64_t bytes = (requested + kGranule - 1) / kGranule * kGranule;
        std::lock_guard<std::mutex> lock(m_mutex);
        const int64_t peakBefore = m_stats.peakInUseBytes;
        m_stats.inUseBytes += bytes;
        m_stats.peakInUseBytes = std::max(m_stats.peakInUseBytes, m_stats.inUseBytes);
        // Best fit: the smallest cached block that holds the request and is not too large for it.
        auto fit = m_freeBySize.lower_bound(bytes);
        if (fit != m_freeBySize.end() && fit->first <= kFitRatio * bytes) {
            void *address = fit->second;
            Block &block = m_blocks.at(address);
            m_freeBySize.erase(fit);
            m_stats.cachedBytes -= block.bytes;
            m_stats.inUseBytes += block.bytes - bytes; // the whole block is this tensor's
            m_stats.peakInUseBytes = std::max(m_stats.peakInUseBytes, m_stats.inUseBytes);
            ++m_stats.reuses;
            return address;
        }
        evictForRequest(bytes);
        void *address = mapBlock(bytes);
        if (!address) {
            // Out of memory or address space: everything cached goes back, then one more try.
            evictAll();
            address = mapBlock(bytes);
        }
        if (!address) {
            m_stats.inUseBytes -= bytes;
            m_stats.peakInUseBytes = peakBefore;
            TORCH_CHECK(false, "out of memory: could not map ", bytes, " bytes for a tensor");
        }
        m_blocks.emplace(address, Block{bytes});
        m_stats.mappedBytes += bytes;
        m_stats.peakMappedBytes = std::max(m_stats.peakMappedBytes, m_stats.mappedBytes);
        ++m_stats.maps;
        return address;
    }

    // Blocks of a huge page or more start on a huge-page boundary: mmap alone returns 4 kB
    // alignment, and a block's unaligned head and tail then fault in 4 kB pages (most of a
    // 4 MB block). The over-mapped head and tail are unmapped at once.
    static void *mapBlock(int64_t bytes)
    {
        const size_t size = size_t(bytes);
        const size_t alignment = bytes >= kHugePageBytes ? size_t(kHugePageBytes) : 0;
        void *mapped = mmap(nullptr, size + alignment, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED)
            return nullptr;
        auto *address = static_cast<char *>(mapped);
        if (alignment) {
            const uintptr_t start = (uintptr_t(mapped) + alignment - 1) & ~uintptr_t(alignment - 1);
            const size_t head = size_t(start - uintptr_t(mapped));
            if (head)
                munmap(mapped, head);
            munmap(reinterpret_cast<char *>(start) + size, alignment - head); // head < alignment
            address = reinterpret_cast<char *>(start);
        }
#ifdef MADV_HUGEPAGE
        madvise(address, size, MADV_HUGEPAGE); // advice only: without THP it changes nothing
#endif
        return address;
    }

    // Gives cached blocks back until a new block of `bytes` keeps the mapped total within
    // kSlackBytes of the in-use peak. Each time the smallest cached block that covers what is
    // still over on its own goes, else the largest: the fewest blocks to fault in again, and
    // not the blocks under a huge page, which fault in 4 kB at a time (freed early in a step,
    // least recently freed first sent them back and mapped them again every step: on MKG-Y's
    // benchmark about a dozen of the step's 1 MB tensors). Among equal sizes the least
    // recently freed goes first.
    void evictForRequest(int64_t bytes)
    {
        while (!m_freeBySize.empty()) {
            const int64_t over = m_stats.mappedBytes + bytes - (m_stats.peakInUseBytes + kSlackBytes);
            if (over <= 0)
                return;
            auto victim = m_freeBySize.lower_bound(over);
            if (victim == m_freeBySize.end())
                victim = m_freeBySize.lower_bound(std::prev(victim)->first);
            evict(victim);
        }
    }

    // Returns false when `address` is not one of this allocator's blocks.
    bool giveBack(void *address)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto found = m_blocks.find(address);
        if (found == m_blocks.end())
            return false;
        Block &block = found->second;
        m_freeBySize.emplace(block.bytes, address); // after its equals: the least recently freed first
        m_stats.cachedBytes += block.bytes;
        m_stats.inUseBytes -= block.bytes;
        return true;
    }

    void evictAll()
    {
        while (!m_freeBySize.empty())
            evict(m_freeBySize.begin());
    }

    void evict(std::multimap<int64_t, void *>::iterator cached)
    {
        const int64_t bytes = cached->first;
        void *address = cached->second;
        m_freeBySize.erase(cached);
        m_blocks.erase(address);
        munmap(address, size_t(bytes));
        m_stats.cachedBytes -= bytes;
        m_stats.mappedBytes -= bytes;
        ++m_stats.unmaps;
    }

    c10::Allocator *m_fallback;
    std::mutex m_mutex;
    std::unordered_map<void *, Block> m_blocks;
    std::multimap<int64_t, void *> m_freeBySize;
    LargeBlockStatistics m_stats;
};

LargeBlockAllocator *g_allocator = nullptr;

void LargeBlockAllocator::release(void *address)
{
    if (address && !g_allocator->giveBack(address))
        g_allocator->m_fallback->raw_deleter()(address);
}

} // namespace

void installLargeBlockAllocator()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // MOMOK_LARGE_BLOCKS=0 leaves LibTorch's allocator alone (to measure the difference).
        if (const char *setting = std::getenv("MOMOK_LARGE_BLOCKS"); setting && std::strcmp(setting, "0") == 0)
            return;
        // Never destroyed: tensors may outlive every static object.
        g_allocator = new LargeBlockAllocator(c10::GetCPUAllocator());
        c10::SetCPUAllocator(g_allocator, /*priority=*/1);
    });
}

bool largeBlockAllocatorInstalled() { return g_allocator != nullptr; }

LargeBlockStatistics largeBlockStatistics() { return g_allocator ? g_allocator->statistics() : LargeBlockStatistics{}; }

void releaseCachedLargeBlocks()
{
    if (g_allocator)
        g_allocator->releaseCached();
}

} // namespace momok
