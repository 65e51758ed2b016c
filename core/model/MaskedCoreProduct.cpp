#include "model/MaskedCoreProduct.h"

#include "model/CounterRandom.h"
#include "model/PortableKernels.h"
#include "runtime/Gemm.h"
#include "runtime/KernelTargets.h"
#include "runtime/WorkProfiler.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace momok {
namespace {

// The hash input h = row + j·kColumnStep is carried from column to column (see keepHashed).
MOMOK_KERNEL void forwardRow(float *o, const float *Wi, float xi, uint32_t row, uint32_t threshold, int64_t w)
{
    uint32_t h = row;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) {
        o[j] += (random::keepHashed(h, threshold) ? xi : 0.0f) * Wi[j]; // branch-free: vectorises
        h += random::kColumnStep;
    }
}

// `first`: Gi holds nothing yet (it is not zeroed beforehand), so 0 + v is written: the same
// bits as adding v to a zeroed row (that addition too turns a product's −0 into +0).
MOMOK_KERNEL float backwardRow(float *Gi, const float *Wi, const float *gb, float xi, uint32_t row, uint32_t threshold,
                               int64_t w, bool first)
{
    float sum = 0.0f;
    uint32_t h = row;
    if (first) {
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < w; ++j) {
            const float keep = random::keepHashed(h, threshold) ? 1.0f : 0.0f;
            sum += keep * Wi[j] * gb[j];
            Gi[j] = 0.0f + keep * xi * gb[j];
            h += random::kColumnStep;
        }
    } else {
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < w; ++j) {
            const float keep = random::keepHashed(h, threshold) ? 1.0f : 0.0f;
            sum += keep * Wi[j] * gb[j];
            Gi[j] += keep * xi * gb[j];
            h += random::kColumnStep;
        }
    }
    return sum;
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The elements of x that its input dropout dropped (InputDropout): such an element is 0, so
// only zeros are looked up, one hash each (the keys of the few 2^16-element chunks x spans
// formed up front), where the masked products they skip take w.
class DroppedInputs
{
public:
    static void save(AutogradContext *ctx, InputDropout dropout)
    {
        ctx->saved_data["input_p"] = dropout.p;
        ctx->saved_data["input_stream"] = int64_t(dropout.stream);
    }

    DroppedInputs(AutogradContext *ctx, int64_t batch, int64_t width, int64_t rowOffset)
        : m_width(width), m_first(rowOffset * width), m_firstChunk(m_first >> random::kWholeChunkBits)
    {
        const double p = ctx->saved_data["input_p"].toDouble();
        if (p <= 0)
            return; // no keys: nothing was dropped
        m_threshold = random::dropThreshold(p);
        m_chunkKeys =
            random::wholeChunkKeys(uint64_t(ctx->saved_data["input_stream"].toInt()), m_first, batch * width);
    }

    // value: x's element (b, i), scaled or not.
    bool dropped(float value, int64_t b, int64_t i) const
    {
        if (value != 0.0f || m_chunkKeys.empty())
            return false;
        const int64_t element = m_first + b * m_width + i;
        const uint32_t chunkKey = m_chunkKeys[size_t((element >> random::kWholeChunkBits) - m_firstChunk)];
        return !random::keepsElementOfChunk(chunkKey, element, m_threshold);
    }

private:
    uint32_t m_threshold = 0;
    int64_t m_width, m_first, m_firstChunk;
    std::vector<uint32_t> m_chunkKeys;
};

// Queries grouped by relation, by a stable counting sort of their slots: relation r's queries
// are order[start[r] … start[r+1]), in batch order. Both passes below take them so.
struct QueriesByRelation
{
    std::vector<int64_t> order;
    std::vector<int64_t> start; // relations + 1 entries
};

QueriesByRelation queriesByRelation(const int64_t *slots, int64_t batch, int64_t relations)
{
    QueriesByRelation grouped;
    grouped.start.assign(static_cast<size_t>(relations) + 1, 0);
    for (int64_t b = 0; b < batch; ++b)
        ++grouped.start[size_t(slots[b]) + 1];
    for (int64_t r = 0; r < relations; ++r)
        grouped.start[size_t(r) + 1] += grouped.start[size_t(r)];
    std::vector<int64_t> next(grouped.start.begin(), grouped.start.end() - 1);
    grouped.order.resize(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b)
        grouped.order[size_t(next[size_t(slots[b])]++)] = b;
    return grouped;
}

// x_b · dropout_b(W_{slot_b}) for every query b: matrices R'×w×w (or B×w² rows, one per query,
// with slots null). The loop both autograd functions below run forward.
torch::Tensor maskedForward(const torch::Tensor &x, const torch::Tensor &matrices, const int64_t *slots, uint64_t key,
                            double p, int64_t rowOffset)
{
    const int64_t batch = x.size(0), w = x.size(1);
    auto out = torch::zeros({batch, w}, x.options());
    const float *xs = x.data_ptr<float>();
    const float *ws = matrices.data_ptr<float>();
    float *os = out.data_ptr<float>();
    const uint32_t threshold = random::dropThreshold(p);
    const float scale = float(1.0 / (1.0 - p));
    profileFlop(2.0 * double(batch) * double(w) * double(w));
    // Queries taken relation by relation: consecutive queries then read the same W_r, which
    // stays in the core's cache, where batch order read a different one (256 kB on MKG-Y's image
    // and text decoders) for nearly every query. Each query's row is its own sum, so the order
    // changes no bit of it.
    const QueriesByRelation grouped = slots ? queriesByRelation(slots, batch, matrices.size(0)) : QueriesByRelation{};
    at::parallel_for(0, batch, 8, [&](int64_t begin, int64_t end) {
        for (int64_t position = begin; position < end; ++position) {
            const int64_t b = slots ? grouped.order[size_t(position)] : position;
            const float *W = ws + (slots ? slots[b] : b) * w * w;
            float *o = os + b * w;
            for (int64_t i = 0; i < w; ++i) {
                const float xi = xs[b * w + i] * scale;
                if (xi == 0.0f) // input dropout zeroes ~30% of rows: their products vanish
                    continue;
                const uint32_t row = random::rowKey(key, rowOffset + b, i);
                forwardRow(o, W + i * w, xi, row, threshold, w);
            }
        }
    });
    return out;
}

class MaskedCoreFunction : public torch::autograd::Function<MaskedCoreFunction>
{
public:
    static torch::Tensor forward(AutogradContext *ctx, torch::Tensor x, torch::Tensor matrices, torch::Tensor slot,
                                 int64_t stream, double p, int64_t rowOffset, double inputP, int64_t inputStream)
    {
        ctx->saved_data["offset"] = rowOffset;
        DroppedInputs::save(ctx, {inputP, uint64_t(inputStream)});
        x = x.contiguous();
        matrices = matrices.contiguous();
        slot = slot.contiguous();
        ctx->save_for_backward({x, matrices, slot});
        ctx->saved_data["stream"] = stream;
        ctx->saved_data["p"] = p;

        return maskedForward(x, matrices, slot.data_ptr<int64_t>(), uint64_t(stream), p, rowOffset);
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &x = saved[0], &matrices = saved[1], &slot = saved[2];
        const uint64_t key = uint64_t(ctx->saved_data["stream"].toInt());
        const double p = ctx->saved_data["p"].toDouble();
        const int64_t rowOffset = ctx->saved_data["offset"].toInt();
        const torch::Tensor g = grads[0].contiguous();

        const int64_t batch = x.size(0), w = x.size(1), relations = matrices.size(0);
        auto gx = torch::empty_like(x);
        // Every row of gm is written below (a relation's first query sets it, the rest add, a
        // relation without queries gets zeros): no pass to zero it first. The joint decoder's
        // per-query matrices are B×d×d, 16 MB for MKG-Y's benchmark batch.
        auto gm = torch::empty_like(matrices);
        // Queries grouped by relation: each (relation, row) of the gradient is owned by one task.
        const QueriesByRelation grouped = queriesByRelation(slot.data_ptr<int64_t>(), batch, relations);
        const DroppedInputs droppedInputs(ctx, batch, w, rowOffset);

        const float *xs = x.data_ptr<float>(), *ws = matrices.data_ptr<float>(), *gs = g.data_ptr<float>();
        float *gxs = gx.data_ptr<float>(), *gms = gm.data_ptr<float>();
        const uint32_t threshold = random::dropThreshold(p);
        const float scale = float(1.0 / (1.0 - p));
        profileFlop(4.0 * double(batch) * double(w) * double(w));
        at::parallel_for(0, relations * w, 16, [&](int64_t begin, int64_t end) {
            for (int64_t rowIndex = begin; rowIndex < end; ++rowIndex) {
                const int64_t r = rowIndex / w, i = rowIndex % w;
                const float *Wi = ws + rowIndex * w;
                float *Gi = gms + rowIndex * w;
                const int64_t *queriesBegin = grouped.order.data() + grouped.start[size_t(r)];
                const int64_t *queriesEnd = grouped.order.data() + grouped.start[size_t(r) + 1];
                bool first = true;
                for (const int64_t *query = queriesBegin; query != queriesEnd; ++query) {
                    const int64_t b = *query;
                    const float xi = xs[b * w + i] * scale;
                    // A dropped input adds (±0)·∂out to Gi, which never changes it: Gi is never
                    // −0 (its first term is written as 0 + v).
                    if (droppedInputs.dropped(xi, b, i)) {
                        gxs[b * w + i] = 0.0f;
                        continue;
                    }
                    const uint32_t row = random::rowKey(key, rowOffset + b, i);
                    const float *gb = gs + b * w;
                    gxs[b * w + i] = backwardRow(Gi, Wi, gb, xi, row, threshold, w, first) * scale;
                    first = false;
                }
                if (first) // no query of this relation, or none whose input was kept
                    std::fill(Gi, Gi + w, 0.0f);
            }
        });
        return {gx, gm, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

// Each query with a matrix of its own, W_b = r_b·W: the joint decoder's per-query fused
// relations while training. Forward forms all B matrices (B×w², one product, as the general
// path does); backward never forms their B×w² gradient. It goes through column tiles of at
// most kTileFloats: a tile of ∂W, written by backwardRow (with each ∂x it yields), is at once
// multiplied into the core's gradient columns and into ∂r while it is still in the core's
// cache. Formed whole, ∂W (2 MB on the quick demo, 16 MB on MKG-Y's benchmark) went out to
// memory and was read back by each of the two products. Measured alone (oneDNN, flushed caches,
// tests/bench/HISTORY.md): the core's gradient 387–513 µs in tiles against 714–1,236 whole on
// the quick demo's shapes (one thread), 1,982–2,522 against 2,589–3,483 on MKG-Y's (two).
class MaskedQueryCoreFunction : public torch::autograd::Function<MaskedQueryCoreFunction>
{
public:
    static constexpr int64_t kTileFloats = 131072; // 512 kB, half a core's L2 here: B×T for T columns

    static torch::Tensor forward(AutogradContext *ctx, torch::Tensor x, torch::Tensor relations, torch::Tensor core,
                                 int64_t stream, double p, int64_t rowOffset, double inputP, int64_t inputStream)
    {
        DroppedInputs::save(ctx, {inputP, uint64_t(inputStream)});
        x = x.contiguous();
        relations = relations.contiguous();
        core = core.contiguous();
        torch::Tensor matrices = gemm(relations, core); // B×w², row b is W_b
        ctx->save_for_backward({x, relations, core, matrices});
        ctx->saved_data["stream"] = stream;
        ctx->saved_data["p"] = p;
        ctx->saved_data["offset"] = rowOffset;
        return maskedForward(x, matrices, nullptr, uint64_t(stream), p, rowOffset);
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &x = saved[0], &relations = saved[1], &core = saved[2], &matrices = saved[3];
        const uint64_t key = uint64_t(ctx->saved_data["stream"].toInt());
        const double p = ctx->saved_data["p"].toDouble();
        const int64_t rowOffset = ctx->saved_data["offset"].toInt();
        const torch::Tensor g = grads[0].contiguous();

        const int64_t batch = x.size(0), w = x.size(1), columns = w * w;
        // A whole number of W's rows per tile: each of W_b's rows i gives one ∂x_{b,i}.
        const int64_t tileRows = std::clamp<int64_t>(kTileFloats / std::max<int64_t>(batch * w, 1), 1, w);
        const int64_t tileColumns = tileRows * w;
        // ∂r = ∂W·Wᵀ summed over the tiles. On one thread oneDNN forms it faster swapped,
        // ∂rᵀ = W·∂Wᵀ (the quick demo's shapes in tiles of 512–1,024 columns: 472–616 µs against
        // 726–1,009 direct, measured alone); on two the direct one is the faster (MKG-Y's, tiles
        // of 128 columns: 1,977–2,668 against 2,405–3,669).
        const bool swapped = at::get_num_threads() == 1;
        auto gx = torch::empty_like(x);
        auto gr = swapped ? torch::empty({relations.size(1), batch}, relations.options()) : torch::empty_like(relations);
        auto gcore = torch::empty_like(core);
        auto tile = torch::empty({batch, tileColumns}, x.options());
        const float *xs = x.data_ptr<float>(), *ws = matrices.data_ptr<float>(), *gs = g.data_ptr<float>();
        float *gxs = gx.data_ptr<float>(), *ts = tile.data_ptr<float>();
        const uint32_t threshold = random::dropThreshold(p);
        const float scale = float(1.0 / (1.0 - p));
        const DroppedInputs droppedInputs(ctx, batch, w, rowOffset);
        profileFlop(4.0 * double(batch) * double(w) * double(w));
        for (int64_t first = 0; first < w; first += tileRows) {
            const int64_t rows = std::min(tileRows, w - first), width = rows * w, column = first * w;
            at::parallel_for(0, batch, 8, [&](int64_t begin, int64_t end) {
                for (int64_t b = begin; b < end; ++b)
                    for (int64_t i = first; i < first + rows; ++i) {
                        const float xi = xs[b * w + i] * scale;
                        float *Gi = ts + b * tileColumns + (i - first) * w;
                        if (droppedInputs.dropped(xi, b, i)) { // its row of ∂W_b is (±0)·∂out: +0
                            gxs[b * w + i] = 0.0f;
                            std::fill(Gi, Gi + w, 0.0f);
                            continue;
                        }
                        const uint32_t row = random::rowKey(key, rowOffset + b, i);
                        const float *Wi = ws + b * columns + i * w;
                        gxs[b * w + i] = backwardRow(Gi, Wi, gs + b * w, xi, row, threshold, w, true) * scale;
                    }
            });
            const torch::Tensor part = tile.narrow(1, 0, width), coreColumns = core.narrow(1, column, width);
            gemmInto(gcore.narrow(1, column, width), relations.t(), part); // the core's columns: rᵀ·∂W
            if (swapped)
                gemmInto(gr, coreColumns, part.t(), /*accumulate=*/first > 0);
            else
                gemmInto(gr, part, coreColumns.t(), /*accumulate=*/first > 0);
        }
        if (swapped)
            gr = gr.t().contiguous();
        return {gx, gr, gcore, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};
} // namespace

torch::Tensor maskedCoreProduct(const torch::Tensor &x, const torch::Tensor &relationMatrices,
                                const torch::Tensor &slot, uint64_t stream, double p, int64_t rowOffset,
                                InputDropout inputDropout)
{
    TORCH_CHECK(x.dim() == 2 && relationMatrices.dim() == 3 && relationMatrices.size(1) == x.size(1)
                    && relationMatrices.size(2) == x.size(1),
                "maskedCoreProduct: shape mismatch");
    if (!cpuKernelsServe(x))
        return portable::maskedCoreProduct(x, relationMatrices, slot, stream, p, rowOffset);
    return MaskedCoreFunction::apply(x, relationMatrices, slot.to(torch::kLong), int64_t(stream), p, rowOffset,
                                     inputDropout.p, int64_t(inputDropout.stream));
}

torch::Tensor maskedQueryCoreProduct(const torch::Tensor &x, const torch::Tensor &relations, const torch::Tensor &core,
                                     uint64_t stream, double p, int64_t rowOffset, InputDropout inputDropout)
{
    TORCH_CHECK(x.dim() == 2 && relations.dim() == 2 && core.dim() == 2 && relations.size(0) == x.size(0)
                    && relations.size(1) == core.size(0) && core.size(1) == x.size(1) * x.size(1),
                "maskedQueryCoreProduct: shape mismatch");
    if (!cpuKernelsServe(x) || !cpuKernelsServe(relations) || !cpuKernelsServe(core)) {
        const auto slot = torch::arange(x.size(0), torch::TensorOptions().dtype(torch::kLong).device(x.device()));
        return maskedCoreProduct(x, differentiableGemm(relations, core).view({-1, x.size(1), x.size(1)}), slot, stream,
                                 p, rowOffset, inputDropout);
    }
    return MaskedQueryCoreFunction::apply(x, relations, core, int64_t(stream), p, rowOffset, inputDropout.p,
                                          int64_t(inputDropout.stream));
}

torch::Tensor maskedCoreMasks(const torch::Tensor &slot, int64_t width, uint64_t stream, double p, int64_t rowOffset)
{
    const int64_t batch = slot.size(0);
    auto masks = torch::empty({batch, width, width});
    float *m = masks.data_ptr<float>();
    const uint32_t threshold = random::dropThreshold(p);
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t i = 0; i < width; ++i) {
            const uint32_t row = random::rowKey(stream, rowOffset + b, i);
            for (int64_t j = 0; j < width; ++j)
                m[(b * width + i) * width + j] = random::keepElement(row, uint32_t(j), threshold) ? 1.0f : 0.0f;
        }
    return masks;
}

torch::Tensor groupedCoreProduct(const torch::Tensor &x, const torch::Tensor &relationMatrices, const torch::Tensor &slot)
{
    const int64_t relations = relationMatrices.size(0);
    if (relations == 1)
        return x.mm(relationMatrices[0]);
    auto out = torch::empty_like(x);
    for (int64_t r = 0; r < relations; ++r) {
        auto rows = (slot == r).nonzero().squeeze(1);
        if (rows.numel() == 0)
            continue;
        out.index_copy_(0, rows, x.index_select(0, rows).mm(relationMatrices[r]));
    }
    return out;
}

} // namespace momok
