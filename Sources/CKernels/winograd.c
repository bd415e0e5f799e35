// Winograd's F(2x2, 3x3): a 2x2 output tile of a 3x3 convolution is A^T [(G w G^T) * (B^T d B)] A
// for the tile's 4x4 input patch d, with 16 products per channel instead of 36. The
// transforms below are loops over the channel (or filter) dimension, which is contiguous in
// NHWC, so the compiler turns each into AVX2 vector code.
#include "ckernels.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// The patch origin of `tile` and the image it belongs to.
static inline void locate(const report_winograd_geometry *g, int64_t tile, int64_t *image,
                          int64_t *row, int64_t *column) {
  const int64_t per_image = g->tiles_high * g->tiles_wide;
  const int64_t within = tile % per_image;
  *image = tile / per_image;
  *row = 2 * (within / g->tiles_wide);
  *column = 2 * (within % g->tiles_wide);
}

// Eight channels at a time in AVX2 registers, then one at a time: each transform's body is written
// once, over a lane type with its load and store.
typedef float lanes8 __attribute__((vector_size(32), aligned(4)));
#define LOAD8(p) (*(const lanes8 *)(p))
#define STORE8(p, x) (*(lanes8 *)(p) = (x))
#define ZERO8 ((lanes8){0, 0, 0, 0, 0, 0, 0, 0})
#define RELU8(x) ((lanes8)_mm256_max_ps((__m256)(x), _mm256_setzero_ps()))
#define LOAD1(p) (*(p))
#define STORE1(p, x) (*(p) = (x))
#define ZERO1 0.0f
#define RELU1(x) ((x) > 0 ? (x) : 0.0f)

// V = B^T d B for channel c: B^T d row by row, then (B^T d) B.
#define INPUT_TRANSFORM(T, LOAD, STORE)                                                  \
  {                                                                                      \
    T r[4][4];                                                                           \
    for (int j = 0; j < 4; j++) {                                                        \
      const T d0 = LOAD(d[j] + c), d1 = LOAD(d[4 + j] + c);                              \
      const T d2 = LOAD(d[8 + j] + c), d3 = LOAD(d[12 + j] + c);                         \
      r[0][j] = d0 - d2;                                                                 \
      r[1][j] = d1 + d2;                                                                 \
      r[2][j] = d2 - d1;                                                                 \
      r[3][j] = d1 - d3;                                                                 \
    }                                                                                    \
    for (int i = 0; i < 4; i++) {                                                        \
      STORE(out + (i * 4 + 0) * stride + c, r[i][0] - r[i][2]);                         \
      STORE(out + (i * 4 + 1) * stride + c, r[i][1] + r[i][2]);                         \
      STORE(out + (i * 4 + 2) * stride + c, r[i][2] - r[i][1]);                         \
      STORE(out + (i * 4 + 3) * stride + c, r[i][1] - r[i][3]);                         \
    }                                                                                    \
  }

AVX2 void report_winograd_input_transform(const report_winograd_geometry *g, const float *x,
                                          const float *zeros, int64_t first, int64_t count,
                                          float *v) {
  const int64_t channels = g->channels, stride = count * channels;
  for (int64_t t = 0; t < count; t++) {
    int64_t image, row, column;
    locate(g, first + t, &image, &row, &column);
    const float *d[16];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        const int64_t y = row + i - g->pad_top, x0 = column + j - g->pad_left;
        const int inside = y >= 0 && y < g->height && x0 >= 0 && x0 < g->width;
        d[i * 4 + j] = inside ? x + ((image * g->height + y) * g->width + x0) * channels : zeros;
      }
    }
    float *out = v + t * channels;
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) INPUT_TRANSFORM(lanes8, LOAD8, STORE8)
    for (; c < channels; c++) INPUT_TRANSFORM(float, LOAD1, STORE1)
  }
}

void report_winograd_kernel_transform(const float *w, int64_t channels, int64_t filters,
                                      int transpose_and_flip, float *u) {
  for (int64_t c = 0; c < channels; c++) {
    for (int64_t f = 0; f < filters; f++) {
      float k[3][3];
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          const int si = transpose_and_flip ? 2 - i : i, sj = transpose_and_flip ? 2 - j : j;
          k[i][j] = w[((si * 3 + sj) * channels + c) * filters + f];
        }
      }
      float r[4][3];  // G k
      for (int j = 0; j < 3; j++) {
        r[0][j] = k[0][j];
        r[1][j] = 0.5f * (k[0][j] + k[1][j] + k[2][j]);
        r[2][j] = 0.5f * (k[0][j] - k[1][j] + k[2][j]);
        r[3][j] = k[2][j];
      }
      const int64_t at = transpose_and_flip ? f * channels + c : c * filters + f;
      const int64_t stride = channels * filters;
      for (int i = 0; i < 4; i++) {  // (G k) G^T
        u[(i * 4 + 0) * stride + at] = r[i][0];
        u[(i * 4 + 1) * stride + at] = 0.5f * (r[i][0] + r[i][1] + r[i][2]);
        u[(i * 4 + 2) * stride + at] = 0.5f * (r[i][0] - r[i][1] + r[i][2]);
        u[(i * 4 + 3) * stride + at] = r[i][2];
      }
    }
  }
}

// y = A^T m A (+ bias, relu) for filter f: A^T m, then (A^T m) A, stored where inside.
#define OUTPUT_TRANSFORM(T, LOAD, STORE, ZERO, RELU)                                      \
  {                                                                                      \
    T r[2][4];                                                                           \
    for (int j = 0; j < 4; j++) {                                                        \
      const T m0 = LOAD(in + j * stride + f), m1 = LOAD(in + (4 + j) * stride + f);      \
      const T m2 = LOAD(in + (8 + j) * stride + f), m3 = LOAD(in + (12 + j) * stride + f); \
      r[0][j] = m0 + m1 + m2;                                                            \
      r[1][j] = m1 - m2 - m3;                                                            \
    }                                                                                    \
    const T b = bias ? LOAD(bias + f) : ZERO;                                            \
    T o[2][2];                                                                           \
    for (int i = 0; i < 2; i++) {                                                        \
      o[i][0] = r[i][0] + r[i][1] + r[i][2] + b;                                         \
      o[i][1] = r[i][1] - r[i][2] - r[i][3] + b;                                         \
      if (relu) {                                                                        \
        o[i][0] = RELU(o[i][0]);                                                         \
        o[i][1] = RELU(o[i][1]);                                                         \
      }                                                                                  \
    }                                                                                    \
    for (int i = 0; i < rows; i++) {                                                     \
      for (int j = 0; j < columns; j++) STORE(out + i * down + j * filters + f, o[i][j]); \
    }                                                                                    \
  }

AVX2 void report_winograd_output_transform(const report_winograd_geometry *g, const float *m,
                                           int64_t first, int64_t count, const float *bias,
                                           int relu, float *y) {
  const int64_t filters = g->filters, stride = count * filters;
  for (int64_t t = 0; t < count; t++) {
    int64_t image, row, column;
    locate(g, first + t, &image, &row, &column);
    const int rows = row + 1 < g->out_height ? 2 : 1;
    const int columns = column + 1 < g->out_width ? 2 : 1;
    float *out = y + ((image * g->out_height + row) * g->out_width + column) * filters;
    const int64_t down = g->out_width * filters;
    const float *in = m + t * filters;
    int64_t f = 0;
    for (; f + 8 <= filters; f += 8) OUTPUT_TRANSFORM(lanes8, LOAD8, STORE8, ZERO8, RELU8)
    for (; f < filters; f++) OUTPUT_TRANSFORM(float, LOAD1, STORE1, ZERO1, RELU1)
  }
}

// Z = A dy A^T for filter f: A dy (rows dy0, dy0 + dy1, dy0 - dy1, -dy1), then (A dy) A^T.
#define GRADIENT_TRANSFORM(T, LOAD, STORE, ZERO)                                          \
  {                                                                                      \
    const T y00 = LOAD(in + f), y01 = has_right ? LOAD(in + filters + f) : ZERO;         \
    const T y10 = has_below ? LOAD(in + down + f) : ZERO;                                \
    const T y11 = has_right && has_below ? LOAD(in + down + filters + f) : ZERO;         \
    const T r[4][2] = {{y00, y01}, {y00 + y10, y01 + y11}, {y00 - y10, y01 - y11},        \
                       {-y10, -y11}};                                                    \
    for (int i = 0; i < 4; i++) {                                                        \
      STORE(out + (i * 4 + 0) * stride + f, r[i][0]);                                    \
      STORE(out + (i * 4 + 1) * stride + f, r[i][0] + r[i][1]);                          \
      STORE(out + (i * 4 + 2) * stride + f, r[i][0] - r[i][1]);                          \
      STORE(out + (i * 4 + 3) * stride + f, -r[i][1]);                                   \
    }                                                                                    \
  }

AVX2 void report_winograd_gradient_transform(const report_winograd_geometry *g, const float *dy,
                                             int64_t first, int64_t count, float *z) {
  const int64_t filters = g->filters, stride = count * filters;
  for (int64_t t = 0; t < count; t++) {
    int64_t image, row, column;
    locate(g, first + t, &image, &row, &column);
    const int64_t down = g->out_width * filters;
    const float *in = dy + ((image * g->out_height + row) * g->out_width + column) * filters;
    const int has_right = column + 1 < g->out_width, has_below = row + 1 < g->out_height;
    float *out = z + t * filters;
    int64_t f = 0;
    for (; f + 8 <= filters; f += 8) GRADIENT_TRANSFORM(lanes8, LOAD8, STORE8, ZERO8)
    for (; f < filters; f++) GRADIENT_TRANSFORM(float, LOAD1, STORE1, ZERO1)
  }
}

void report_winograd_kernel_gradient(const float *du, int64_t channels, int64_t filters,
                                     float *dw) {
  const int64_t stride = channels * filters;
  for (int64_t at = 0; at < stride; at++) {
    float d[4][4];
    for (int k = 0; k < 16; k++) d[k / 4][k % 4] = du[k * stride + at];
    float r[3][4];  // G^T du
    for (int j = 0; j < 4; j++) {
      r[0][j] = d[0][j] + 0.5f * (d[1][j] + d[2][j]);
      r[1][j] = 0.5f * (d[1][j] - d[2][j]);
      r[2][j] = 0.5f * (d[1][j] + d[2][j]) + d[3][j];
    }
    for (int i = 0; i < 3; i++) {  // (G^T du) G
      dw[(i * 3 + 0) * stride + at] = r[i][0] + 0.5f * (r[i][1] + r[i][2]);
      dw[(i * 3 + 1) * stride + at] = 0.5f * (r[i][1] - r[i][2]);
      dw[(i * 3 + 2) * stride + at] = 0.5f * (r[i][1] + r[i][2]) + r[i][3];
    }
  }
}
