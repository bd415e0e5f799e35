import CKernels

/// A stride-1 3x3 convolution of NHWC fp32 images by Winograd's F(2x2, 3x3): each 2x2 output
/// tile takes 16 multiplies per input channel and filter where the direct convolution takes 36,
/// so the 16 matrix products that remain (one per point of the transformed 4x4 tile) carry 2.25x
/// fewer FLOPs than the convolution they replace.
///
/// Tiles are cut into chunks dealt to the workers (`Parallel`): a chunk's transformed inputs
/// and products stay in that worker's cache between the transforms (C, AVX2) and the products.
/// The three passes of training:
/// - forward: y = A^T [(G w G^T) * (B^T d B)] A, with the bias and a ReLU in the last transform;
/// - backward-data: the same algorithm on dL/dy, padded by 2 - pad, with the kernel flipped and
///   its channels and filters swapped (a full correlation);
/// - backward-weights: dL/dw = G^T [sum over tiles of (B^T d B) (A dL/dy A^T)] G, per-worker
///   sums added in worker order, so results depend only on the thread count.
final class WinogradConvolution: InputGradientConvolution {
  let implementation = "winograd F(2x2,3x3):avx2"
  /// Backward-data reads the ReLU's gradient too, so the stage computes it once for both.
  let appliesReLUGradient = false
  /// The forward pass's tiling: input [batch, height, width, channels], output
  /// [batch, outputHeight, outputWidth, filters].
  private let forwardGeometry: report_winograd_geometry
  /// The backward-data pass's: dL/dy in, dL/dx out.
  private let dataGeometry: report_winograd_geometry
  private let batch: Int
  /// Tiles per chunk: enough rows for efficient products, few enough that a chunk's 16
  /// transformed tiles of inputs and products stay in a core's L2 cache.
  private let tilesPerChunk: Int
  /// The transformed kernel, [16, channels, filters], and the backward-data one, [16, filters,
  /// channels].
  private let kernel = FloatBuffer()
  private let dataKernel = FloatBuffer()
  /// [16, channels, filters] summed over workers.
  private let kernelGradient = FloatBuffer()
  private let zeros = FloatBuffer()
  private let transformedInputs = WorkerScratch()
  private let transformedOutputs = WorkerScratch()
  private let kernelGradients = WorkerScratch()
  private let biasGradients = WorkerScratch()

  /// Whether this CPU runs the transforms (AVX2 with FMA).
  static var isSupported: Bool { report_fma_supported(report_fma_avx2) != 0 }

  /// Whether Winograd can compute a convolution of `geometry`: a 3x3 kernel at stride 1.
  static func fits(_ geometry: WindowGeometry) -> Bool {
    geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.strideHeight == 1
      && geometry.strideWidth == 1
  }

  /// For `batch` images of `geometry` (which must `fit`) into `filters` channels.
  init(_ geometry: WindowGeometry, filters: Int, batch: Int) {
    precondition(Self.fits(geometry), "Winograd F(2x2, 3x3) needs a 3x3 kernel at stride 1")
    let g = geometry
    forwardGeometry = report_winograd_geometry(
      height: Int64(g.inputHeight), width: Int64(g.inputWidth), channels: Int64(g.channels),
      pad_top: Int64(g.padTop), pad_left: Int64(g.padLeft), out_height: Int64(g.outputHeight),
      out_width: Int64(g.outputWidth), filters: Int64(filters),
      tiles_high: Int64((g.outputHeight + 1) / 2), tiles_wide: Int64((g.outputWidth + 1) / 2))
    dataGeometry = report_winograd_geometry(
      height: Int64(g.outputHeight), width: Int64(g.outputWidth), channels: Int64(filters),
      pad_top: Int64(2 - g.padTop), pad_left: Int64(2 - g.padLeft),
      out_height: Int64(g.inputHeight), out_width: Int64(g.inputWidth),
      filters: Int64(g.channels), tiles_high: Int64((g.inputHeight + 1) / 2),
      tiles_wide: Int64((g.inputWidth + 1) / 2))
    self.batch = batch
    tilesPerChunk = max(16, min(256, 16_384 / (g.channels + filters)))
    zeros.reserve(max(g.channels, filters))
  }

  /// y = x (*) w + bias, then ReLU when `relu`: x is [batch, height, width, channels], w the
  /// Keras kernel [3, 3, channels, filters], y [batch, outputHeight, outputWidth, filters].
  func forward(
    _ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    relu: Bool, into y: UnsafeMutablePointer<Float>
  ) {
    let g = forwardGeometry
    kernel.reserve(16 * Int(g.channels * g.filters))
    report_winograd_kernel_transform(w, g.channels, g.filters, 0, kernel.pointer)
    multiply(g, x, UnsafePointer(kernel.pointer), bias: bias, relu: relu, into: y)
  }

  /// dL/dx from dL/dy: dy is [batch, outputHeight, outputWidth, filters], dx [batch, height,
  /// width, channels].
  func backwardData(
    _ dy: UnsafePointer<Float>, kernel w: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>
  ) {
    let g = dataGeometry
    dataKernel.reserve(16 * Int(g.channels * g.filters))
    report_winograd_kernel_transform(w, g.filters, g.channels, 1, dataKernel.pointer)
    multiply(g, dy, UnsafePointer(dataKernel.pointer), bias: nil, relu: false, into: dx)
  }

  /// dL/dw [3, 3, channels, filters] and dL/dbias [filters] from the forward input x and dL/dy,
  /// overwriting both; `reluOutput` must be nil (`appliesReLUGradient` is false).
  func backwardWeights(
    _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    reluOutput: UnsafePointer<Float>?, kernelGradient dw: UnsafeMutablePointer<Float>,
    biasGradient db: UnsafeMutablePointer<Float>
  ) {
    precondition(reluOutput == nil, "Winograd's kernel gradient takes the ReLU's gradient applied")
    let g = forwardGeometry
    let (channels, filters) = (Int(g.channels), Int(g.filters))
    let workers = workers(for: g)
    kernelGradients.reserve(workers: workers, count: 16 * channels * filters, zeroed: true)
    forEachChunk(of: g) { geometry, first, count, worker in
      let v = transformedInputs.pointer(worker)
      let z = transformedOutputs.pointer(worker)
      let du = kernelGradients.pointer(worker)
      report_winograd_input_transform(geometry, x, zeros.pointer, Int64(first), Int64(count), v)
      report_winograd_gradient_transform(geometry, dy, Int64(first), Int64(count), z)
      for point in 0..<16 {
        Self.multiply(
          v + point * count * channels, transposed: true, z + point * count * filters,
          into: du + point * channels * filters, m: channels, n: filters, k: count,
          accumulate: true)
      }
    }
    kernelGradient.reserve(16 * channels * filters)
    kernelGradients.sum(
      workers: workers, count: 16 * channels * filters, into: kernelGradient.pointer)
    report_winograd_kernel_gradient(kernelGradient.pointer, g.channels, g.filters, dw)
    sumPixels(dy, filters: filters, into: db)
  }

  /// The transformed products of `g` for every tile: the forward pass and backward-data.
  private func multiply(
    _ g: report_winograd_geometry, _ source: UnsafePointer<Float>, _ u: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, relu: Bool, into destination: UnsafeMutablePointer<Float>
  ) {
    let (channels, filters) = (Int(g.channels), Int(g.filters))
    forEachChunk(of: g) { geometry, first, count, worker in
      let v = transformedInputs.pointer(worker)
      let m = transformedOutputs.pointer(worker)
      report_winograd_input_transform(
        geometry, source, zeros.pointer, Int64(first), Int64(count), v)
      for point in 0..<16 {
        Self.multiply(
          v + point * count * channels, transposed: false, u + point * channels * filters,
          into: m + point * count * filters, m: count, n: filters, k: channels,
          accumulate: false)
      }
      report_winograd_output_transform(
        geometry, m, Int64(first), Int64(count), bias, relu ? 1 : 0, destination)
    }
  }

  /// The workers that `forEachChunk(of: g)` runs on.
  private func workers(for g: report_winograd_geometry) -> Int {
    let tiles = batch * Int(g.tiles_high * g.tiles_wide)
    return min(Parallel.workers, (tiles + tilesPerChunk - 1) / tilesPerChunk)
  }

  /// Runs `body(geometry, first tile, tiles, worker)` for every chunk of `g`'s tiles, after
  /// reserving each worker's transformed inputs [16, chunk, channels] and outputs [16, chunk,
  /// filters].
  private func forEachChunk(
    of g: report_winograd_geometry,
    _ body: (UnsafePointer<report_winograd_geometry>, Int, Int, Int) -> Void
  ) {
    let tiles = batch * Int(g.tiles_high * g.tiles_wide)
    let workers = workers(for: g)
    transformedInputs.reserve(workers: workers, count: 16 * tilesPerChunk * Int(g.channels))
    transformedOutputs.reserve(workers: workers, count: 16 * tilesPerChunk * Int(g.filters))
    withUnsafePointer(to: g) { geometry in
      Parallel.forEachChunk((tiles + tilesPerChunk - 1) / tilesPerChunk) { chunk, worker in
        let first = chunk * tilesPerChunk
        body(geometry, first, min(tilesPerChunk, tiles - first), worker)
      }
    }
  }

  /// c[m x n] = a[m x k] b[k x n] (+ c when `accumulate`), where a is stored [k x m] when
  /// `transposed`: the engine's own AVX2 kernel where n is a multiple of 16 (measured faster
  /// than OpenBLAS at these sizes, which fit in cache), OpenBLAS's sgemm for other widths.
  private static func multiply(
    _ a: UnsafePointer<Float>, transposed: Bool, _ b: UnsafePointer<Float>,
    into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, accumulate: Bool
  ) {
    guard n % 16 == 0 else {
      return GEMM.multiply(
        a, transposeA: transposed, b, into: c, m: m, n: n, k: k, beta: accumulate ? 1 : 0)
    }
    report_sgemm_avx2(
      Int64(m), Int64(n), Int64(k), a, transposed ? 1 : Int64(k), transposed ? Int64(m) : 1, b,
      Int64(n), c, Int64(n), accumulate ? 1 : 0)
  }

  /// db[f] = the sum of dy over every image and pixel, per filter; per-image partial sums added
  /// in worker order.
  private func sumPixels(
    _ dy: UnsafePointer<Float>, filters: Int, into db: UnsafeMutablePointer<Float>
  ) {
    let pixels = Int(forwardGeometry.out_height * forwardGeometry.out_width)
    let workers = min(Parallel.workers, batch)
    biasGradients.reserve(workers: workers, count: filters, zeroed: true)
    Parallel.forEachChunk(batch) { image, worker in
      accumulateColumnSums(
        dy + image * pixels * filters, rows: pixels, width: filters,
        into: biasGradients.pointer(worker))
    }
    biasGradients.sum(workers: workers, count: filters, into: db)
  }
}
