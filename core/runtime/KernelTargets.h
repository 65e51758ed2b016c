#pragma once
// The instruction sets the engine's hand-written kernels are compiled for. GCC builds one
// clone per entry and picks the best the CPU supports when the program loads: AVX-512
// (x86-64-v4), AVX2 with FMA (x86-64-v3), and the baseline that runs on any x86-64.
// Results may differ in the last bits between clones (FMA rounds once), never between
// runs on one machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MOMOK_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MOMOK_KERNEL
#endif
