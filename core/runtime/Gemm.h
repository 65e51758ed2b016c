#pragma once
// The engine's matrix products on the CPU, in one place: every product its own operators form
// (scoring, the experts, the core, the fusion, the estimator) goes through here.
//
// LibTorch's products go to the system BLAS (OpenBLAS on Debian), whose kernels are the ones it
// picks for the CPU or the ones OPENBLAS_CORETYPE names. LibTorch also carries oneDNN, whose
// sgemm compiles its kernels for the CPU it runs on. Where the process has oneDNN's sgemm, the
// engine's products use it: on 2 cores of an AVX-512 machine whose OpenBLAS ran its AVX2
// kernels it did the engine's shapes 1.3 to 2.1 times as fast (tests/bench/HISTORY.md). The
// choice is made once per process; MOMOK_GEMM=blas in the environment keeps every product on
// LibTorch's BLAS (MOMOK_GEMM=onednn asks for oneDNN, which is the default where present).
// Only the rounding differs between the two (another order of the same sums).
#include <torch/torch.h>

#include <QString>

#include <thread>

namespace momok {

enum class GemmLibrary { Blas, OneDnn };

// Where this process's products go, decided on the first call.
GemmLibrary gemmLibrary();
// For --version and bench: "oneDNN 2.6.3" or "the BLAS (MOMOK_GEMM=blas)" and the like.
QString gemmDescription();

// MOMOK_GEMM as read: unset, empty, "onednn" or "blas" (any case, spaces around ignored).
// Any other value leaves the default and is named in *problem, a sentence for the user.
enum class GemmRequest { Default, Blas, OneDnn };
GemmRequest readGemmRequest(const char *value, QString *problem);
// The process's MOMOK_GEMM, if it was not understood: that sentence; otherwise empty.
QString gemmSettingProblem();

// oneDNN's one-time set-up, on a thread of its own for as long as this object lives: oneDNN
// generates its sgemm kernels on its first product (84–94 ms on this project's 2-core machine,
// whatever the shape), and a Trainer has it done while it loads the dataset. A product made
// meanwhile waits inside oneDNN. Only the first such object in a process starts it, and none
// where the products go to the BLAS. The destructor waits for the thread: a process that
// ended while it ran could unload oneDNN under it.
class GemmPreparation
{
public:
    GemmPreparation();
    ~GemmPreparation();
    GemmPreparation(const GemmPreparation &) = delete;
    GemmPreparation &operator=(const GemmPreparation &) = delete;

private:
    std::thread m_thread;
};

// For tests that compare against LibTorch's layers bit for bit: while forced to Blas, every
// product goes to LibTorch's BLAS; forcing OneDnn restores the process's choice and returns
// whether that is oneDNN (false where the process has none).
bool forceGemmLibrary(GemmLibrary library);

// out ← a·b (accumulate: out ← out + a·b). Float32 CPU tensors, 2-D, out row-major (stride 1
// along rows' elements); a and b may be transposed views. Other devices, types or layouts
// take LibTorch's own product. Under a WorkProfiler the product counts as "momok::gemm".
void gemmInto(const torch::Tensor &out, const torch::Tensor &a, const torch::Tensor &b, bool accumulate = false);
// How many of b's columns one oneDNN call takes in a product of m rows and inner dimension k
// (see Gemm.cpp): 1,024 for a big product, more for a short one. For tests.
int64_t gemmColumnBlock(int64_t m, int64_t k);
// a·b as a new row-major tensor.
torch::Tensor gemm(const torch::Tensor &a, const torch::Tensor &b);
// bias + a·b with bias broadcast over the rows (1×n or n): addmm. Where autograd records it,
// its gradients are formed here too, as differentiableGemm's are.
torch::Tensor gemmWithBias(const torch::Tensor &bias, const torch::Tensor &a, const torch::Tensor &b);
// a·b for autograd: its two gradients (∂·bᵀ, aᵀ·∂) are formed here too. Where oneDNN does not
// serve (another device or type), LibTorch's mm with its own gradients.
torch::Tensor differentiableGemm(const torch::Tensor &a, const torch::Tensor &b);

} // namespace momok
