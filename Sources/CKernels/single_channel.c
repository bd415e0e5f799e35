// The direct stride-1 3x3 convolution of one-channel images (a network's first layer), whose
// products are too thin for a matrix product: 9 multiply-adds per output and filter. Each image
// is first copied into a zero-bordered buffer, so that every window reads inside it.
#include "ckernels.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// Rows and columns of an image's zero-bordered copy: the outputs' plus the kernel's reach.
static inline int64_t padded_height(const report_single_channel_geometry *g) {
  return g->out_height + 2;
}
static inline int64_t padded_width(const report_single_channel_geometry *g) {
  return g->out_width + 2;
}

/// Copies image x ([height][width]) into padded, bordered by zeros as the geometry pads it.
static void pad(const report_single_channel_geometry *g, const float *x, float *padded) {
  const int64_t rows = padded_height(g), columns = padded_width(g);
  for (int64_t r = 0; r < rows; r++) {
    const int64_t y = r - g->pad_top;
    for (int64_t c = 0; c < columns; c++) {
      const int64_t x_column = c - g->pad_left;
      const int inside = y >= 0 && y < g->height && x_column >= 0 && x_column < g->width;
      padded[r * columns + c] = inside ? x[y * g->width + x_column] : 0.0f;
    }
  }
}

/// `pixels` (1 or 2, a constant after inlining) outputs from output index p on, every filter:
/// per group of 32 filters, 4 vectors of 8 per pixel, each tap's weights read once for both
/// pixels. The pixels' outputs are written whole, one after the other.
static inline __attribute__((always_inline, target("avx2,fma"))) void
forward_pixels(const int pixels, const report_single_channel_geometry *g, const float *padded,
               int64_t p, const float *w, const float *bias, int relu, float *y) {
  const int64_t columns = padded_width(g), filters = g->filters;
  const float *window[2];
  for (int i = 0; i < pixels; i++) {
    const int64_t row = (p + i) / g->out_width, column = (p + i) % g->out_width;
    window[i] = padded + row * columns + column;
  }
  for (int64_t group = 0; group < filters; group += 32) {
    __m256 sum[2][4];
    for (int i = 0; i < pixels; i++)
      for (int j = 0; j < 4; j++) sum[i][j] = _mm256_loadu_ps(bias + group + 8 * j);
    for (int t = 0; t < 9; t++) {
      const int64_t offset = (t / 3) * columns + t % 3;
      const float *tap = w + t * filters + group;
      for (int i = 0; i < pixels; i++) {
        const __m256 x = _mm256_broadcast_ss(window[i] + offset);
        for (int j = 0; j < 4; j++)
          sum[i][j] = _mm256_fmadd_ps(x, _mm256_loadu_ps(tap + 8 * j), sum[i][j]);
      }
    }
    for (int i = 0; i < pixels; i++) {
      float *out = y + (p + i) * filters + group;
      for (int j = 0; j < 4; j++) {
        const __m256 v = relu ? _mm256_max_ps(sum[i][j], _mm256_setzero_ps()) : sum[i][j];
        _mm256_storeu_ps(out + 8 * j, v);
      }
    }
  }
}

AVX2 void report_single_channel_forward(const report_single_channel_geometry *g, const float *x,
                                        const float *w, const float *bias, int relu,
                                        float *padded, float *y) {
  const int64_t outputs = g->out_height * g->out_width;
  pad(g, x, padded);
  int64_t p = 0;
  for (; p + 2 <= outputs; p += 2) forward_pixels(2, g, padded, p, w, bias, relu, y);
  if (p < outputs) forward_pixels(1, g, padded, p, w, bias, relu, y);
}

AVX2 void report_single_channel_kernel_gradient(const report_single_channel_geometry *g,
                                                const float *x, const float *dy,
                                                const float *relu_output, float *padded,
                                                float *dw, float *db) {
  const int64_t columns = padded_width(g), filters = g->filters;
  pad(g, x, padded);
  for (int64_t block = 0; block < filters; block += 8) {
    __m256 sum[9], bias_sum = _mm256_setzero_ps();
    for (int t = 0; t < 9; t++) sum[t] = _mm256_setzero_ps();
    const float *gradient = dy + block;
    const float *output = relu_output ? relu_output + block : NULL;
    for (int64_t row = 0; row < g->out_height; row++) {
      const float *window = padded + row * columns;
      for (int64_t column = 0; column < g->out_width; column++, window++, gradient += filters) {
        __m256 d = _mm256_loadu_ps(gradient);
        if (output) {
          // ReLU passes the gradient where its output was positive.
          const __m256 passed =
              _mm256_cmp_ps(_mm256_loadu_ps(output), _mm256_setzero_ps(), _CMP_GT_OQ);
          d = _mm256_and_ps(d, passed);
          output += filters;
        }
        bias_sum = _mm256_add_ps(bias_sum, d);
        for (int t = 0; t < 9; t++) {
          const __m256 v = _mm256_broadcast_ss(window + (t / 3) * columns + t % 3);
          sum[t] = _mm256_fmadd_ps(v, d, sum[t]);
        }
      }
    }
    for (int t = 0; t < 9; t++) {
      float *target = dw + t * filters + block;
      _mm256_storeu_ps(target, _mm256_add_ps(_mm256_loadu_ps(target), sum[t]));
    }
    _mm256_storeu_ps(db + block, _mm256_add_ps(_mm256_loadu_ps(db + block), bias_sum));
  }
}
