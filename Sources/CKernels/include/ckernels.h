// The engine's own C kernels, where Swift cannot name the vector instructions: the FMA loop
// that measures the machine's arithmetic peak for `report bench`.
#ifndef REPORT_CKERNELS_H
#define REPORT_CKERNELS_H

#include <stdint.h>

/// The vector width of the peak loop.
typedef enum {
  /// 8 fp32 lanes per fused multiply-add (ymm registers, AVX2 + FMA3).
  report_fma_avx2 = 0,
  /// 16 fp32 lanes per fused multiply-add (zmm registers, AVX-512F).
  report_fma_avx512 = 1,
  /// 32 bf16 products summed pairwise into 16 fp32 lanes per instruction (vdpbf16ps,
  /// AVX512_BF16): the peak of bf16 layers.
  report_fma_avx512_bf16 = 2,
} report_fma_width;

/// Whether this CPU executes `width`'s instructions.
int report_fma_supported(report_fma_width width);

/// Runs `iterations` rounds of independent fused multiply-adds on one thread, enough chains to
/// hide the FMA latency on two pipes, and returns a value that depends on every result (so no
/// compiler drops the work). Each round is `report_fma_flops_per_iteration(width)` FLOPs.
/// Call only where `report_fma_supported(width)`.
float report_fma_loop(report_fma_width width, int64_t iterations);

/// FLOPs of one round of `report_fma_loop` (a multiply-add counts two).
int64_t report_fma_flops_per_iteration(report_fma_width width);

#endif
