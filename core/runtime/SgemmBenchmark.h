#pragma once
// The machine's dense float matrix-product speed: what `momok bench` sets the epoch's achieved
// GFLOP/s against. Torch-free header.
namespace momok {

enum class SgemmPath {
    Engine,  // the engine's products (runtime/Gemm.h: oneDNN where present)
    LibTorch // LibTorch's own mm, on the system BLAS
};

// GFLOP/s of a 2048×2048 float product on that path: the median of five, after one warm-up.
double measureSgemmGflops(SgemmPath path = SgemmPath::Engine);

struct SgemmRates {
    double engine = 0;   // GFLOP/s by the engine's products
    double libTorch = 0; // GFLOP/s by LibTorch's mm
};
// Both rates; measured once where the engine's products are LibTorch's (MOMOK_GEMM=blas, or
// no oneDNN): the same product twice would only add noise and time.
SgemmRates measureSgemmRates();

} // namespace momok
