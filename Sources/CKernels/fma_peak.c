#include "ckernels.h"

#include <immintrin.h>

// 12 accumulators: FMA latency 4 cycles x 2 pipes needs at least 8 in flight; 12 leaves room
// for the loop's own instructions on cores with longer latency (Zen 2-5, Skylake, Ice Lake).
enum { chains = 12 };

int report_fma_supported(report_fma_width width) {
  __builtin_cpu_init();
  switch (width) {
  case report_fma_avx2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case report_fma_avx512:
    return __builtin_cpu_supports("avx512f");
  case report_fma_avx512_bf16:
    return __builtin_cpu_supports("avx512bf16");
  }
  return 0;
}

int64_t report_fma_flops_per_iteration(report_fma_width width) {
  switch (width) {
  case report_fma_avx2:
    return (int64_t)chains * 2 * 8;
  case report_fma_avx512:
    return (int64_t)chains * 2 * 16;
  case report_fma_avx512_bf16:
    return (int64_t)chains * 2 * 32;
  }
  return 0;
}

__attribute__((target("avx2,fma"))) static float loop_avx2(int64_t iterations) {
  __m256 acc[chains];
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int c = 0; c < chains; c++) acc[c] = _mm256_set1_ps((float)c);
  for (int64_t i = 0; i < iterations; i++) {
    for (int c = 0; c < chains; c++) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  __m256 sum = acc[0];
  for (int c = 1; c < chains; c++) sum = _mm256_add_ps(sum, acc[c]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

__attribute__((target("avx512f"))) static float loop_avx512(int64_t iterations) {
  __m512 acc[chains];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int c = 0; c < chains; c++) acc[c] = _mm512_set1_ps((float)c);
  for (int64_t i = 0; i < iterations; i++) {
    for (int c = 0; c < chains; c++) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  }
  __m512 sum = acc[0];
  for (int c = 1; c < chains; c++) sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx512f,avx512bf16"))) static float loop_avx512_bf16(int64_t iterations) {
  __m512 acc[chains];
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3380);
  for (int c = 0; c < chains; c++) acc[c] = _mm512_set1_ps((float)c);
  for (int64_t i = 0; i < iterations; i++) {
    for (int c = 0; c < chains; c++) acc[c] = _mm512_dpbf16_ps(acc[c], a, b);
  }
  __m512 sum = acc[0];
  for (int c = 1; c < chains; c++) sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

float report_fma_loop(report_fma_width width, int64_t iterations) {
  switch (width) {
  case report_fma_avx2:
    return loop_avx2(iterations);
  case report_fma_avx512:
    return loop_avx512(iterations);
  case report_fma_avx512_bf16:
    return loop_avx512_bf16(iterations);
  }
  return 0;
}
