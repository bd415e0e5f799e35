#include "ckernels.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// `rows` (1 to 6, a constant after inlining) rows of c by 16 columns.
static inline __attribute__((always_inline, target("avx2,fma"))) void
block(const int rows, int64_t k, const float *a, int64_t a_row, int64_t a_column, const float *b,
      int64_t b_row, float *c, int64_t c_row, int accumulate) {
  __m256 sum[6][2];
  for (int r = 0; r < rows; r++) {
    sum[r][0] = accumulate ? _mm256_loadu_ps(c + r * c_row) : _mm256_setzero_ps();
    sum[r][1] = accumulate ? _mm256_loadu_ps(c + r * c_row + 8) : _mm256_setzero_ps();
  }
  for (int64_t p = 0; p < k; p++) {
    const __m256 b0 = _mm256_loadu_ps(b + p * b_row), b1 = _mm256_loadu_ps(b + p * b_row + 8);
    for (int r = 0; r < rows; r++) {
      const __m256 x = _mm256_broadcast_ss(a + r * a_row + p * a_column);
      sum[r][0] = _mm256_fmadd_ps(x, b0, sum[r][0]);
      sum[r][1] = _mm256_fmadd_ps(x, b1, sum[r][1]);
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm256_storeu_ps(c + r * c_row, sum[r][0]);
    _mm256_storeu_ps(c + r * c_row + 8, sum[r][1]);
  }
}

AVX2 void report_sgemm_avx2(int64_t m, int64_t n, int64_t k, const float *a, int64_t a_row,
                            int64_t a_column, const float *b, int64_t b_row, float *c,
                            int64_t c_row, int accumulate) {
  for (int64_t j = 0; j < n; j += 16) {
    int64_t i = 0;
    for (; i + 6 <= m; i += 6) {
      block(6, k, a + i * a_row, a_row, a_column, b + j, b_row, c + i * c_row + j, c_row,
            accumulate);
    }
    const float *ai = a + i * a_row;
    float *ci = c + i * c_row + j;
    switch (m - i) {
    case 5: block(5, k, ai, a_row, a_column, b + j, b_row, ci, c_row, accumulate); break;
    case 4: block(4, k, ai, a_row, a_column, b + j, b_row, ci, c_row, accumulate); break;
    case 3: block(3, k, ai, a_row, a_column, b + j, b_row, ci, c_row, accumulate); break;
    case 2: block(2, k, ai, a_row, a_column, b + j, b_row, ci, c_row, accumulate); break;
    case 1: block(1, k, ai, a_row, a_column, b + j, b_row, ci, c_row, accumulate); break;
    default: break;
    }
  }
}
