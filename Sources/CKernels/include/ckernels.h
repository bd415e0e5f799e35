// The engine's own C kernels, where Swift cannot name the vector instructions: the FMA loop
// that measures the machine's arithmetic peak for `report bench`, the direct convolution of
// one-channel images (a network's first layer), and the transforms of
// Winograd's F(2x2, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2015), whose products the caller computes as 16 matrix products.
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

/// A stride-1 3x3 convolution of NHWC images cut into 2x2 output tiles. Tiles are numbered
/// image by image, row by row: tile t is image t / (tiles_high * tiles_wide), and within it row
/// (t / tiles_wide) % tiles_high, column t % tiles_wide. Each tile reads the 4x4 input patch
/// whose top-left pixel is (2 * row - pad_top, 2 * column - pad_left); pixels outside the image
/// read as zero, and outputs outside out_height x out_width are not written.
typedef struct {
  /// Input [images][height][width][channels].
  int64_t height, width, channels;
  int64_t pad_top, pad_left;
  /// Output [images][out_height][out_width][filters].
  int64_t out_height, out_width, filters;
  /// ceil(out_height / 2), ceil(out_width / 2).
  int64_t tiles_high, tiles_wide;
} report_winograd_geometry;

/// V = B^T d B for tiles first..first+count-1 and every channel: v is [16][count][channels].
/// `zeros` holds at least `channels` zeros (read for pixels outside the image).
void report_winograd_input_transform(const report_winograd_geometry *g, const float *x,
                                     const float *zeros, int64_t first, int64_t count, float *v);

/// U = G w G^T of a Keras kernel w [3][3][channels][filters] (HWIO): u is [16][channels][filters].
/// With `transpose_and_flip`, of the kernel that computes the input gradient instead,
/// w'[i][j][f][c] = w[2 - i][2 - j][c][f]: u is [16][filters][channels].
void report_winograd_kernel_transform(const float *w, int64_t channels, int64_t filters,
                                      int transpose_and_flip, float *u);

/// y = A^T m A (+ bias, then relu when `relu`) for tiles first..first+count-1: m is
/// [16][count][filters]; bias may be NULL.
void report_winograd_output_transform(const report_winograd_geometry *g, const float *m,
                                      int64_t first, int64_t count, const float *bias, int relu,
                                      float *y);

/// Z = A dy A^T, the output gradient of each tile seen from the transformed domain: dy is
/// [images][out_height][out_width][filters], z is [16][count][filters]. Outputs outside the
/// image (a last odd row or column) count as zero.
void report_winograd_gradient_transform(const report_winograd_geometry *g, const float *dy,
                                        int64_t first, int64_t count, float *z);

/// dw = G^T du G for every (channel, filter): du is [16][channels][filters], dw the Keras kernel
/// gradient [3][3][channels][filters].
void report_winograd_kernel_gradient(const float *du, int64_t channels, int64_t filters,
                                     float *dw);

/// A stride-1 3x3 convolution of one-channel images, one image per call: x is [height][width],
/// y is [out_height][out_width][filters] (NHWC), w the Keras kernel [3][3][1][filters]. Output
/// (r, c) reads input (r - pad_top .. r - pad_top + 2, c - pad_left .. c - pad_left + 2);
/// pixels outside the image read as zero. filters must be a multiple of 32.
typedef struct {
  int64_t height, width;
  int64_t pad_top, pad_left;
  int64_t out_height, out_width, filters;
} report_single_channel_geometry;

/// Scalars of the zero-bordered copy of one image that both passes work from.
static inline int64_t report_single_channel_padded_count(const report_single_channel_geometry *g) {
  return (g->out_height + 2) * (g->out_width + 2);
}

/// y = x (*) w + bias, then relu when `relu`, for one image; `padded` holds
/// `report_single_channel_padded_count` scalars of scratch.
void report_single_channel_forward(const report_single_channel_geometry *g, const float *x,
                                   const float *w, const float *bias, int relu, float *padded,
                                   float *y);

/// Adds one image's kernel gradient to dw [3][3][1][filters] and its bias gradient to db
/// [filters], from x and dL/dy ([out_height][out_width][filters]); `padded` as for the forward
/// pass. With `relu_output` (the forward output, shaped as dy), dy is taken as the gradient of
/// the ReLU's output and passed only where that output is positive; with NULL, as it is.
void report_single_channel_kernel_gradient(const report_single_channel_geometry *g,
                                           const float *x, const float *dy,
                                           const float *relu_output, float *padded, float *dw,
                                           float *db);

/// c[m][n] = a[m][k] b[k][n] (+ c when `accumulate`), fp32, for the 16 small products of a
/// Winograd chunk: element (i, p) of a is a[i * a_row + p * a_column] (so a transposed operand
/// is a stride swap), b and c are row-major with rows of b_row and c_row values. n must be a
/// multiple of 16. Rows of 6 by columns of 16 accumulate in AVX2 registers, with b's 16-column
/// strip read from L1 for every row block, and nothing packed: the operands of these products
/// are already in cache, where a general sgemm's packing costs more than it saves.
void report_sgemm_avx2(int64_t m, int64_t n, int64_t k, const float *a, int64_t a_row,
                       int64_t a_column, const float *b, int64_t b_row, float *c, int64_t c_row,
                       int accumulate);

#endif
