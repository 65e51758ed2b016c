#include "runtime/Gemm.h"

#include "runtime/KernelTargets.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <utility>
#include <dlfcn.h>
#include <cstdint>
#include <cstdlib>

namespace momok {
namespace {

// oneDNN's C interface (dnnl.h, stable across its 2.x and 3.x releases), declared here
// because LibTorch loads the library but installs no header for it: row-major
// C = alpha·op(A)·op(B) + beta·C, op given by 'N' or 'T'.
using DnnlSgemm = int (*)(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                          int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
struct DnnlVersion {
    int major, minor, patch;
    const char *hash, *cpuRuntime, *gpuRuntime;
};
using DnnlVersionFunction = const DnnlVersion *(*)();
constexpr int kDnnlSuccess = 0;

// oneDNN's sgemm copies (packs) the whole of op(B) for each thread. For the scoring products
// (B: every entity, 15,000×256 for MKG-Y) that was 33 MB more peak memory than OpenBLAS, and
// slower: alone on 2 cores, 1,024×256 by 256×15,000 ran at 224 GFLOP/s with +66 MB in one
// call, at 355 GFLOP/s with +25 MB in blocks of 2,048 columns and 367 GFLOP/s with +19 MB in
// blocks of 1,024. MKG-Y's bench peaked at 803–804 MB with 1,024 against 815–829 MB with
// 2,048, the epoch and the losses the same. Blocks of columns leave the inner dimension whole.
constexpr int64_t kColumnBlock = 1024;

// ... but a block must be worth a call. The TuckER decoders' W_r = r·W (41×64 by 64×65,536 for
// MKG-Y's image and text decoders) and the core's gradient rᵀ·∂W (64×41 by 41×65,536) do 5 MFLOP
// a block of 1,024 columns. Alone on 2 cores, caches flushed, medians of 15: 1.81–1.84 /
// 2.15 ms in blocks of 1,024 against 1.34 / 1.57–1.60 in blocks of 16,384 and 1.34–1.36 /
// 1.51–1.57 whole; in a busier hour 2.01–2.03 / 2.77–2.79 against 1.57–1.62 / 2.17–2.24 in
// blocks of 12,288, what the rule below gives them. In an epoch (--profile) 1.82 → 1.48 and
// 2.11 → 1.80 ms a call, the same bits; the peak 5–9 MB higher (a packed block of b is 3 MB a
// thread). So a block takes as many columns (whole multiples of kColumnBlock) as give it at
// least kBlockFlop; the big products' blocks stay 1,024 columns.
constexpr double kBlockFlop = 64e6;

} // namespace

int64_t gemmColumnBlock(int64_t m, int64_t k)
{
    const double perBlock = 2.0 * double(m) * double(k) * double(kColumnBlock);
    if (perBlock >= kBlockFlop)
        return kColumnBlock;
    return kColumnBlock * int64_t(std::ceil(kBlockFlop / std::max(perBlock, 1.0)));
}

namespace {

struct GemmChoice {
    GemmLibrary library = GemmLibrary::Blas;
    DnnlSgemm sgemm = nullptr;
    QString description;
    QString settingProblem;
};

std::atomic<bool> g_blasForced{false};

const GemmChoice &detectedChoice()
{
    static const GemmChoice chosen = [] {
        GemmChoice c;
        const bool blasWanted = readGemmRequest(std::getenv("MOMOK_GEMM"), &c.settingProblem) == GemmRequest::Blas;
        c.sgemm = reinterpret_cast<DnnlSgemm>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
        auto version = reinterpret_cast<DnnlVersionFunction>(dlsym(RTLD_DEFAULT, "dnnl_version"));
        if (c.sgemm && !blasWanted) {
            c.library = GemmLibrary::OneDnn;
            const DnnlVersion *v = version ? version() : nullptr;
            c.description = v ? QStringLiteral("oneDNN %1.%2.%3").arg(v->major).arg(v->minor).arg(v->patch)
                              : QStringLiteral("oneDNN");
        } else {
            c.sgemm = nullptr;
            c.description = blasWanted ? QStringLiteral("the BLAS (MOMOK_GEMM=blas)")
                                       : QStringLiteral("the BLAS (this LibTorch has no oneDNN sgemm)");
        }
        return c;
    }();
    return chosen;
}

const GemmChoice &choice()
{
    static const GemmChoice blas{GemmLibrary::Blas, nullptr, QStringLiteral("the BLAS (forced)"), QString()};
    return g_blasForced.load(std::memory_order_relaxed) ? blas : detectedChoice();
}

// An operand as oneDNN reads it: the tensor ('N': its row stride; 'T': a transposed view, its
// column stride). Other strides are copied to row-major first.
struct ReadableOperand {
    torch::Tensor tensor;
    char trans = 'N';
    int64_t ld = 0;
};

bool readsInPlace(const torch::Tensor &t, ReadableOperand *r)
{
    const int64_t rows = t.size(0), cols = t.size(1);
    if (t.stride(1) == 1 && (rows <= 1 || t.stride(0) >= std::max<int64_t>(cols, 1))) {
        *r = {t, 'N', rows <= 1 ? std::max<int64_t>(cols, 1) : t.stride(0)};
        return true;
    }
    if (t.stride(0) == 1 && (cols <= 1 || t.stride(1) >= std::max<int64_t>(rows, 1))) {
        *r = {t, 'T', cols <= 1 ? std::max<int64_t>(rows, 1) : t.stride(1)};
        return true;
    }
    return false;
}

ReadableOperand readable(const torch::Tensor &t)
{
    ReadableOperand r;
    if (!readsInPlace(t, &r))
        r = {t.contiguous(), 'N', std::max<int64_t>(t.size(1), 1)};
    return r;
}

bool floatCpuMatrix(const torch::Tensor &t)
{
    return t.dim() == 2 && t.device().is_cpu() && t.scalar_type() == torch::kFloat;
}

bool recorded(const torch::Tensor &t)
{
    return t.requires_grad() && at::GradMode::is_enabled();
}

// The one rule for "oneDNN can form a·b", autograd aside (differentiableGemm records it itself).
bool oneDnnTakes(const torch::Tensor &a, const torch::Tensor &b)
{
    return choice().sgemm && floatCpuMatrix(a) && floatCpuMatrix(b);
}

// ... and no autograd graph would record the product.
bool oneDnnServes(const torch::Tensor &a, const torch::Tensor &b)
{
    return oneDnnTakes(a, b) && !recorded(a) && !recorded(b);
}

// An output oneDNN can write in place: row-major rows (any row stride at least their width).
bool writableInPlace(const torch::Tensor &out)
{
    return floatCpuMatrix(out) && !recorded(out) && out.stride(1) == 1
        && (out.size(0) <= 1 || out.stride(0) >= out.size(1));
}

// out ← a·b (+ out with accumulate) by oneDNN; the caller has checked oneDnnServes(a, b) and
// writableInPlace(out), and the shapes.
void oneDnnGemm(const torch::Tensor &out, const torch::Tensor &aIn, const torch::Tensor &bIn, bool accumulate)
{
    RECORD_FUNCTION("momok::gemm", std::vector<c10::IValue>({aIn, bIn}));
    const int64_t m = out.size(0), n = out.size(1), k = aIn.size(1);
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        if (!accumulate)
            const_cast<torch::Tensor &>(out).zero_();
        return;
    }
    const ReadableOperand a = readable(aIn), b = readable(bIn);
    const int64_t ldc = m <= 1 ? std::max<int64_t>(n, 1) : out.stride(0);
    const float *aData = a.tensor.data_ptr<float>(), *bData = b.tensor.data_ptr<float>();
    float *outData = out.data_ptr<float>();
    const int64_t block = gemmColumnBlock(m, k);
    for (int64_t column = 0; column < n; column += block) {
        const int64_t columns = std::min(block, n - column);
        const float *bColumns = bData + (b.trans == 'N' ? column : column * b.ld);
        const int status = choice().sgemm(a.trans, b.trans, m, columns, k, 1.0f, aData, a.ld, bColumns, b.ld,
                                          accumulate ? 1.0f : 0.0f, outData + column, ldc);
        TORCH_CHECK(status == kDnnlSuccess, "oneDNN's sgemm failed (status ", status, ") on ", m, "x", k, "x", n);
    }
}

} // namespace

GemmPreparation::GemmPreparation()
{
    static std::atomic<bool> started{false};
    const DnnlSgemm sgemm = choice().sgemm;
    if (!sgemm || started.exchange(true))
        return;
    m_thread = std::thread([sgemm] {
        float a[4] = {1, 0, 0, 1}, b[4] = {1, 2, 3, 4}, c[4];
        sgemm('N', 'N', 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    });
}

GemmPreparation::~GemmPreparation()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool forceGemmLibrary(GemmLibrary library)
{
    g_blasForced.store(library == GemmLibrary::Blas);
    return gemmLibrary() == library;
}

GemmLibrary gemmLibrary()
{
    return choice().library;
}

QString gemmDescription()
{
    return choice().description;
}

GemmRequest readGemmRequest(const char *value, QString *problem)
{
    const QString asked = QString::fromLocal8Bit(value ? value : "").trimmed();
    if (asked.isEmpty())
        return GemmRequest::Default;
    if (asked.compare(QLatin1String("blas"), Qt::CaseInsensitive) == 0)
        return GemmRequest::Blas;
    if (asked.compare(QLatin1String("onednn"), Qt::CaseInsensitive) == 0)
        return GemmRequest::OneDnn;
    if (problem)
        *problem = QStringLiteral("MOMOK_GEMM=%1 is not understood (it takes blas or onednn); "
                                  "the matrix products keep the default")
                       .arg(asked);
    return GemmRequest::Default;
}

QString gemmSettingProblem()
{
    return detectedChoice().settingProblem;
}

void gemmInto(const torch::Tensor &out, const torch::Tensor &a, const torch::Tensor &b, bool accumulate)
{
    TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && out.dim() == 2 && a.size(1) == b.size(0)
                    && out.size(0) == a.size(0) && out.size(1) == b.size(1),
                "gemmInto: shape mismatch");
    if (oneDnnServes(a, b) && writableInPlace(out)) {
        oneDnnGemm(out, a, b, accumulate);
        return;
    }
    // LibTorch's operators, which the profiler sees themselves.
    torch::NoGradGuard noGrad;
    if (accumulate)
        const_cast<torch::Tensor &>(out).addmm_(a, b);
    else
        torch::mm_out(const_cast<torch::Tensor &>(out), a, b);
}

namespace {

// Whether a·b goes faster as (bᵀ·aᵀ)ᵀ: on one thread, oneDNN forms a product whose right
// operand is a transposed view (a backward pass's g·Wᵀ) at about 100 GFLOP/s where the
// swapped one, its transposing copy included, runs at 140, for a short a (up to 256 rows), a
// long inner dimension (at least 1,024) and no more columns than rows: the joint decoder's
// ∂r, 128×4096×64, on the quick demo's branch threads. On two threads (210 against 135) or
// with 1,024 rows (144 against 137) the direct product is the faster.
bool swappedIsFaster(const torch::Tensor &a, const torch::Tensor &b)
{
    const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
    ReadableOperand layoutA, layoutB;
    return m <= 256 && n <= m && k >= 1024 && at::get_num_threads() == 1 && readsInPlace(a, &layoutA)
        && layoutA.trans == 'N' && readsInPlace(b, &layoutB) && layoutB.trans == 'T';
}

// ---- short products with a long inner dimension, as dot products of rows ----

// The TuckER decoders' ∂r = ∂W_r·Wᵀ (41×65,536 by 65,536×64 on MKG-Y's image and text
// decoders) ran on oneDNN at about a fifth of its rate (3.6 ms a call). Each of its 41×64
// results is a dot product of two rows 65,536 floats long (∂W_r's and W's), so it is formed as
// such: 4×4 results at a time (16 vector sums, 8 rows read), over chunks of the inner dimension
// whose rows stay in the core's cache. The inner dimension is cut into parts of a fixed length,
// summed in order: the same bits on any number of threads. Alone (two threads, caches flushed,
// medians of 15): 2.0–2.2 ms against oneDNN's 3.9–4.0 (tests/bench/HISTORY.md).
constexpr int64_t kDotPart = 8192;  // floats of the inner dimension one part sums
constexpr int64_t kDotChunk = 1024; // ... in chunks of this many: 4 KB of each row

// c[i·ldc + j] += Σ_t a_i[t]·b_j[t] over t < length, for i, j < 4 (rows ld floats apart).
MOMOK_KERNEL void addDotTile(const float *a, int64_t lda, const float *b, int64_t ldb, int64_t length, float *c,
                             int64_t ldc)
{
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
    const float *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
    float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    float s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
#pragma omp simd reduction(+ : s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33)
    for (int64_t t = 0; t < length; ++t) {
        const float x0 = a0[t], x1 = a1[t], x2 = a2[t], x3 = a3[t];
        const float y0 = b0[t], y1 = b1[t], y2 = b2[t], y3 = b3[t];
        s00 += x0 * y0, s01 += x0 * y1, s02 += x0 * y2, s03 += x0 * y3;
        s10 += x1 * y0, s11 += x1 * y1, s12 += x1 * y2, s13 += x1 * y3;
        s20 += x2 * y0, s21 += x2 * y1, s22 += x2 * y2, s23 += x2 * y3;
        s30 += x3 * y0, s31 += x3 * y1, s32 += x3 * y2, s33 += x3 * y3;
    }
    const float sums[4][4] = {{s00, s01, s02, s03}, {s10, s11, s12, s13}, {s20, s21, s22, s23}, {s30, s31, s32, s33}};
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            c[i * ldc + j] += sums[i][j];
}

// *c += Σ_t a[t]·b[t] over t < length: the results outside whole 4×4 tiles.
MOMOK_KERNEL void addDot(const float *a, const float *b, int64_t length, float *c)
{
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t t = 0; t < length; ++t)
        sum += a[t] * b[t];
    *c += sum;
}

// c (m×n, zeroed) += the rows' dot products over inner-dimension range [begin, end).
void addRowDots(const float *a, int64_t lda, const float *b, int64_t ldb, int64_t m, int64_t n, int64_t begin,
                int64_t end, float *c)
{
    const int64_t wholeRows = m / 4 * 4, wholeColumns = n / 4 * 4;
    for (int64_t chunk = begin; chunk < end; chunk += kDotChunk) {
        const int64_t length = std::min(kDotChunk, end - chunk);
        const float *ac = a + chunk, *bc = b + chunk;
        for (int64_t i = 0; i < wholeRows; i += 4)
            for (int64_t j = 0; j < wholeColumns; j += 4)
                addDotTile(ac + i * lda, lda, bc + j * ldb, ldb, length, c + i * n + j, n);
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = i < wholeRows ? wholeColumns : 0; j < n; ++j)
                addDot(ac + i * lda, bc + j * ldb, length, c + i * n + j);
    }
}

// Whether a·b is such a product: a short a whose rows are contiguous, b a transposed view of
// rows (Wᵀ), few results and a long inner dimension.
bool rowDotsServe(const torch::Tensor &a, const torch::Tensor &b, ReadableOperand *layoutA, ReadableOperand *layoutB)
{
    return a.size(0) <= 128 && b.size(1) <= 128 && a.size(1) >= 16384 && readsInPlace(a, layoutA)
        && layoutA->trans == 'N' && readsInPlace(b, layoutB) && layoutB->trans == 'T';
}

torch::Tensor rowDots(const torch::Tensor &a, const ReadableOperand &layoutA, const torch::Tensor &b,
                      const ReadableOperand &layoutB)
{
    RECORD_FUNCTION("momok::gemm", std::vector<c10::IValue>({a, b}));
    const int64_t m = a.size(0), k = a.size(1), n = b.size(1), parts = (k + kDotPart - 1) / kDotPart;
    const float *as = a.data_ptr<float>(), *bs = b.data_ptr<float>();
    auto partial = torch::zeros({parts, m, n}, a.options());
    float *ps = partial.data_ptr<float>();
    at::parallel_for(0, parts, 1, [&](int64_t first, int64_t last) {
        for (int64_t part = first; part < last; ++part)
            addRowDots(as, layoutA.ld, bs, layoutB.ld, m, n, part * kDotPart, std::min(k, (part + 1) * kDotPart),
                       ps + part * m * n);
    });
    auto out = torch::empty({m, n}, a.options());
    float *os = out.data_ptr<float>();
    for (int64_t e = 0; e < m * n; ++e) {
        float sum = ps[e];
        for (int64_t part = 1; part < parts; ++part)
            sum += ps[part * m * n + e];
        os[e] = sum;
    }
    return out;
}

} // namespace

torch::Tensor gemm(const torch::Tensor &a, const torch::Tensor &b)
{
    if (!oneDnnServes(a, b))
        return a.mm(b);
    TORCH_CHECK(a.size(1) == b.size(0), "gemm: shape mismatch");
    ReadableOperand layoutA, layoutB;
    if (rowDotsServe(a, b, &layoutA, &layoutB))
        return rowDots(a, layoutA, b, layoutB);
    if (swappedIsFaster(a, b)) {
        auto swapped = torch::empty({b.size(1), a.size(0)}, a.options());
        oneDnnGemm(swapped, b.t(), a.t(), false);
        return swapped.t().contiguous();
    }
    auto out = torch::empty({a.size(0), b.size(1)}, a.options());
    oneDnnGemm(out, a, b, false);
    return out;
}

namespace {

// The gradients of a product a·b that are inputs aIndex and aIndex + 1 of an autograd function:
// ∂·bᵀ and aᵀ·∂ on oneDNN, each formed only where autograd asks for it.
std::pair<torch::Tensor, torch::Tensor> productGradients(torch::autograd::AutogradContext *ctx, size_t aIndex,
                                                         const torch::Tensor &g, const torch::Tensor &a,
                                                         const torch::Tensor &b)
{
    return {ctx->needs_input_grad(aIndex) ? gemm(g, b.t()) : torch::Tensor(),
            ctx->needs_input_grad(aIndex + 1) ? gemm(a.t(), g) : torch::Tensor()};
}

class GemmFunction : public torch::autograd::Function<GemmFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &a, const torch::Tensor &b)
    {
        ctx->save_for_backward({a, b});
        return gemm(a, b);
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &a = saved[0], &b = saved[1];
        torch::NoGradGuard noGrad;
        auto [ga, gb] = productGradients(ctx, 0, grads[0], a, b);
        return {ga, gb};
    }
};

} // namespace

torch::Tensor differentiableGemm(const torch::Tensor &a, const torch::Tensor &b)
{
    TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0), "differentiableGemm: shape mismatch");
    if (!recorded(a) && !recorded(b))
        return gemm(a, b);
    if (!oneDnnTakes(a, b))
        return a.mm(b);
    return GemmFunction::apply(a, b);
}

namespace {

// bias + a·b by oneDNN; the caller has checked oneDnnTakes(a, b) and the bias's shape.
torch::Tensor oneDnnGemmWithBias(const torch::Tensor &bias, const torch::Tensor &a, const torch::Tensor &b)
{
    // A fresh tensor, never a view of bias (contiguous() of one row would be bias itself).
    auto out = torch::empty({a.size(0), b.size(1)}, a.options());
    out.copy_(bias.reshape({1, b.size(1)}).expand({a.size(0), b.size(1)}));
    oneDnnGemm(out, a, b, true);
    return out;
}

// bias + a·b for autograd, with its three gradients (∂·bᵀ, aᵀ·∂ and ∂'s column sums) formed
// here: LibTorch's addmm took them to the BLAS at under half oneDNN's rate (the experts'
// outputs for the estimator, 1,024×256 by 256×768, on MKG-Y's benchmark).
class GemmWithBiasFunction : public torch::autograd::Function<GemmWithBiasFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &bias,
                                 const torch::Tensor &a, const torch::Tensor &b)
    {
        ctx->save_for_backward({a, b});
        ctx->saved_data["bias_shape"] = bias.sizes().vec();
        return oneDnnGemmWithBias(bias, a, b);
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &a = saved[0], &b = saved[1];
        torch::NoGradGuard noGrad;
        const torch::Tensor &g = grads[0];
        auto [ga, gb] = productGradients(ctx, 1, g, a, b);
        return {ctx->needs_input_grad(0) ? g.sum(0).reshape(ctx->saved_data["bias_shape"].toIntVector())
                                         : torch::Tensor(),
                ga, gb};
    }
};

} // namespace

torch::Tensor gemmWithBias(const torch::Tensor &bias, const torch::Tensor &a, const torch::Tensor &b)
{
    const bool rowBias = (bias.dim() == 1 || (bias.dim() == 2 && bias.size(0) == 1)) && bias.numel() == b.size(1)
        && bias.device().is_cpu() && bias.scalar_type() == torch::kFloat;
    if (!rowBias || !oneDnnTakes(a, b) || a.size(1) != b.size(0))
        return torch::addmm(bias, a, b);
    if (recorded(bias) || recorded(a) || recorded(b))
        return GemmWithBiasFunction::apply(bias, a, b);
    return oneDnnGemmWithBias(bias, a, b);
}

} // namespace momok
