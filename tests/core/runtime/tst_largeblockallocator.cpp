// The allocator for large CPU tensors: blocks are reused by the requests they fit, what is
// cached beyond the in-use peak is bounded (the fewest blocks going back), blocks of a huge
// page or more are aligned to one, and tensors keep their values through it all.
#include "runtime/ComputeEnvironment.h"
#include "runtime/LargeBlockAllocator.h"

#include <torch/torch.h>

#include <QtTest>

using namespace momok;

namespace {
constexpr int64_t kMiB = int64_t(1) << 20;
torch::Tensor floatsOfBytes(int64_t bytes) { return torch::empty({bytes / int64_t(sizeof(float))}); }
} // namespace

class TestLargeBlockAllocator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        configureComputeEnvironment(1);
        QVERIFY(largeBlockAllocatorInstalled());
    }

    void init() { releaseCachedLargeBlocks(); }

    void freedBlockServesTheNextRequestOfItsSize()
    {
        const LargeBlockStatistics before = largeBlockStatistics();
        const void *first = nullptr;
        {
            auto t = floatsOfBytes(8 * kMiB);
            first = t.data_ptr();
            t.fill_(1.5f);
        }
        QCOMPARE(largeBlockStatistics().cachedBytes, 8 * kMiB);
        auto again = floatsOfBytes(8 * kMiB - 4096); // rounds up to the same block
        QCOMPARE(static_cast<const void *>(again.data_ptr()), first);
        const LargeBlockStatistics after = largeBlockStatistics();
        QCOMPARE(after.maps - before.maps, int64_t(1));
        QCOMPARE(after.reuses - before.reuses, int64_t(1));
        QCOMPARE(after.cachedBytes, int64_t(0));
        // The block is the new tensor's: writing it all leaves other tensors untouched.
        auto other = torch::full({int64_t(2 * kMiB / 4)}, 7.0f);
        again.fill_(-1.0f);
        QCOMPARE(other.sum().item<float>(), 7.0f * float(2 * kMiB / 4));
        QCOMPARE(again.sum().item<double>(), -double(again.numel()));
    }

    void blockMoreThanTwiceTheRequestIsNotHandedOut()
    {
        { auto big = floatsOfBytes(16 * kMiB); }
        const LargeBlockStatistics before = largeBlockStatistics();
        auto half = floatsOfBytes(8 * kMiB);      // 16 MB block: exactly twice, still fits
        auto small = floatsOfBytes(4 * kMiB);     // nothing cached: a new block
        const LargeBlockStatistics after = largeBlockStatistics();
        QCOMPARE(after.reuses - before.reuses, int64_t(1));
        QCOMPARE(after.maps - before.maps, int64_t(1));
        half = torch::Tensor();
        auto quarter = floatsOfBytes(4 * kMiB);   // the 16 MB block is free again, but 4× too large
        QCOMPARE(largeBlockStatistics().maps - after.maps, int64_t(1));
        QCOMPARE(largeBlockStatistics().cachedBytes, 16 * kMiB);
    }

    void cacheBeyondTheInUsePeakIsGivenBack()
    {
        const int64_t peak = largeBlockStatistics().peakInUseBytes;
        // A freed block larger than anything before raises the peak and stays cached.
        const int64_t big = peak + 32 * kMiB;
        { auto t = floatsOfBytes(big); }
        QCOMPARE(largeBlockStatistics().cachedBytes, big);
        const LargeBlockStatistics before = largeBlockStatistics();
        // Blocks it does not fit: mapped alongside it while the total stays within 16 MB of
        // the peak, then the cached block goes back rather than growing the total further.
        std::vector<torch::Tensor> held;
        for (int i = 0; i < 2; ++i)
            held.push_back(floatsOfBytes(8 * kMiB));
        QCOMPARE(largeBlockStatistics().unmaps, before.unmaps);
        QCOMPARE(largeBlockStatistics().mappedBytes, before.mappedBytes + 16 * kMiB);
        held.push_back(floatsOfBytes(8 * kMiB));
        const LargeBlockStatistics after = largeBlockStatistics();
        QCOMPARE(after.unmaps - before.unmaps, int64_t(1));
        QCOMPARE(after.cachedBytes, int64_t(0));
        QCOMPARE(after.inUseBytes, 24 * kMiB);
        QVERIFY(after.mappedBytes <= after.peakInUseBytes + 16 * kMiB);
    }

    void theFewestBlocksGoBackAndSmallOnesStay()
    {
        // Four 1 MB blocks freed first, then one block larger than the peak so far: a request
        // that neither fits must send back 2 MB. The large block goes alone (least recently
        // freed first would have sent back two of the small ones), and the small ones then
        // serve the next four 1 MB requests without a new mapping.
        {
            std::vector<torch::Tensor> small;
            for (int i = 0; i < 4; ++i)
                small.push_back(floatsOfBytes(kMiB));
        }
        const int64_t big = largeBlockStatistics().peakInUseBytes + 8 * kMiB;
        { auto t = floatsOfBytes(big); }
        const LargeBlockStatistics before = largeBlockStatistics();
        QCOMPARE(before.cachedBytes, 4 * kMiB + big);
        QCOMPARE(before.mappedBytes - before.peakInUseBytes, 4 * kMiB);
        auto request = floatsOfBytes(14 * kMiB); // over by 4 + 14 − 16 = 2 MB; fits neither
        const LargeBlockStatistics after = largeBlockStatistics();
        QCOMPARE(after.unmaps - before.unmaps, int64_t(1));
        QCOMPARE(after.cachedBytes, 4 * kMiB);
        QVERIFY(after.mappedBytes <= after.peakInUseBytes + 16 * kMiB);
        std::vector<torch::Tensor> again;
        for (int i = 0; i < 4; ++i)
            again.push_back(floatsOfBytes(kMiB));
        QCOMPARE(largeBlockStatistics().reuses - after.reuses, int64_t(4));
        QCOMPARE(largeBlockStatistics().maps, after.maps);
    }

    void blocksOfAHugePageOrMoreStartOnAHugePage()
    {
        // Transparent huge pages back only whole aligned 2 MB ranges of a mapping.
        constexpr uintptr_t kHugePage = uintptr_t(2) << 20;
        for (int64_t bytes : {2 * kMiB, 3 * kMiB + 4096, 13 * kMiB}) {
            auto t = floatsOfBytes(bytes);
            QCOMPARE(reinterpret_cast<uintptr_t>(t.data_ptr()) % kHugePage, uintptr_t(0));
            t.fill_(2.0f); // the whole block is mapped and writable
            QCOMPARE(t.sum().item<double>(), 2.0 * double(t.numel()));
        }
    }

    void smallTensorsStayWithLibTorchsAllocator()
    {
        const LargeBlockStatistics before = largeBlockStatistics();
        {
            auto t = torch::ones({int64_t(kLargeBlockBytes / 4 - 1)});
            QCOMPARE(t.sum().item<double>(), double(kLargeBlockBytes / 4 - 1));
        }
        const LargeBlockStatistics after = largeBlockStatistics();
        QCOMPARE(after.maps, before.maps);
        QCOMPARE(after.reuses, before.reuses);
        QCOMPARE(after.mappedBytes, before.mappedBytes);
    }

    void releaseGivesEveryCachedBlockBack()
    {
        auto kept = floatsOfBytes(4 * kMiB);
        { auto freed = floatsOfBytes(12 * kMiB); }
        QVERIFY(largeBlockStatistics().cachedBytes >= 12 * kMiB);
        releaseFreeHeapPages();
        const LargeBlockStatistics after = largeBlockStatistics();
        QCOMPARE(after.cachedBytes, int64_t(0));
        QCOMPARE(after.mappedBytes, after.inUseBytes);
        QVERIFY(after.inUseBytes >= 4 * kMiB);
    }

    // With a floor, memory goes back only when more than that is free: the trainer keeps a
    // small model's few MB through its evaluations instead of faulting them in again.
    void releaseWithAFloorKeepsWhatIsBelowIt()
    {
        { auto freed = floatsOfBytes(12 * kMiB); }
        const int64_t cached = largeBlockStatistics().cachedBytes;
        QVERIFY(cached >= 12 * kMiB);
        releaseFreeHeapPages(int64_t(1) << 40); // more than this process can hold
        QCOMPARE(largeBlockStatistics().cachedBytes, cached);
        releaseFreeHeapPages(kMiB);
        QCOMPARE(largeBlockStatistics().cachedBytes, int64_t(0));
    }

    void trainingGradientsMatchWithTheDefaultAllocatorsResults()
    {
        // A product and its backward through large blocks, reused across steps, give the
        // same numbers every step (no block is shared by two live tensors).
        torch::manual_seed(3);
        auto a = torch::randn({512, 1024}, torch::requires_grad());
        auto b = torch::randn({1024, 768});
        torch::Tensor firstGrad;
        for (int step = 0; step < 3; ++step) {
            a.mutable_grad() = torch::Tensor();
            auto loss = a.mm(b).pow(2).sum();
            loss.backward();
            if (step == 0)
                firstGrad = a.grad().clone();
            else
                QVERIFY(torch::equal(a.grad(), firstGrad));
        }
        QVERIFY(largeBlockStatistics().reuses > 0);
        // The gradient of Σ(ab)² is 2·(ab)·bᵀ.
        QVERIFY(torch::allclose(firstGrad, 2 * a.detach().mm(b).mm(b.t()), 1e-4, 1e-3));
    }
};

QTEST_GUILESS_MAIN(TestLargeBlockAllocator)
#include "tst_largeblockallocator.moc"
