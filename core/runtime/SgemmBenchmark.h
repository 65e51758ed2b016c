#pragma once
// The machine's dense float matrix-product speed as LibTorch sees it: what `momok bench`
// sets the epoch's achieved GFLOP/s against. Torch-free header.
namespace momok {

// GFLOP/s of a 2048×2048 float product: the median of five, after one warm-up.
double measureSgemmGflops();

} // namespace momok
