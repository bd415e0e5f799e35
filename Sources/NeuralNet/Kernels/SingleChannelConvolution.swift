import CKernels

/// A stride-1 3x3 convolution of one-channel NHWC fp32 images, computed directly (C, AVX2):
/// a network's first layer on greyscale digits. Its products have one input channel, too thin
/// for a matrix product or Winograd, and oneDNN's AVX2 kernel for its kernel gradient ran at
/// 8 GFLOP/s (3.5% of peak, 10-12 ms of each paper-model step, AVX2-held on a Zen 4).
///
/// Images are dealt to the workers (`Parallel`); the kernel gradient sums each worker's images
/// in order and adds the workers' sums in worker order, so results depend only on the thread
/// count. It computes no input gradient: nothing needs one for a network's input.
final class SingleChannelConvolution: EngineConvolution {
  private let geometry: report_single_channel_geometry
  private let batch: Int
  private let padded = WorkerScratch()
  private let gradients = WorkerScratch()

  let implementation = "direct 1-channel:avx2"
  /// The kernel gradient masks dL/dy by the ReLU output as it reads it: no pass of its own.
  let appliesReLUGradient = true

  /// Whether this CPU runs the kernels (AVX2 with FMA).
  static var isSupported: Bool { report_fma_supported(report_fma_avx2) != 0 }

  /// Whether the kernels compute a convolution of `geometry` into `filters` channels: one input
  /// channel, a 3x3 kernel at stride 1, and filters in groups of 32.
  static func fits(_ geometry: WindowGeometry, filters: Int) -> Bool {
    geometry.channels == 1 && geometry.kernelHeight == 3 && geometry.kernelWidth == 3
      && geometry.strideHeight == 1 && geometry.strideWidth == 1 && filters % 32 == 0
  }

  /// For `batch` images of `geometry` (which must `fit`) into `filters` channels.
  init(_ geometry: WindowGeometry, filters: Int, batch: Int) {
    precondition(Self.fits(geometry, filters: filters), "not a one-channel 3x3 convolution")
    let g = geometry
    self.geometry = report_single_channel_geometry(
      height: Int64(g.inputHeight), width: Int64(g.inputWidth), pad_top: Int64(g.padTop),
      pad_left: Int64(g.padLeft), out_height: Int64(g.outputHeight),
      out_width: Int64(g.outputWidth), filters: Int64(filters))
    self.batch = batch
  }

  func forward(
    _ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    relu: Bool, into y: UnsafeMutablePointer<Float>
  ) {
    let (inputSize, outputSize) = sizes
    forEachImage { g, image, worker in
      report_single_channel_forward(
        g, x + image * inputSize, w, bias, relu ? 1 : 0, padded.pointer(worker),
        y + image * outputSize)
    }
  }

  func backwardWeights(
    _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    reluOutput: UnsafePointer<Float>?, kernelGradient dw: UnsafeMutablePointer<Float>,
    biasGradient db: UnsafeMutablePointer<Float>
  ) {
    let (inputSize, outputSize) = sizes
    let filters = Int(geometry.filters)
    // Per worker: the kernel gradient [9, filters], then the bias gradient [filters].
    let count = 10 * filters
    let workers = min(Parallel.workers, batch)
    gradients.reserve(workers: workers, count: count, zeroed: true)
    forEachImage { g, image, worker in
      let sums = gradients.pointer(worker)
      report_single_channel_kernel_gradient(
        g, x + image * inputSize, dy + image * outputSize,
        reluOutput.map { $0 + image * outputSize },
        padded.pointer(worker), sums, sums + 9 * filters)
    }
    gradients.sum(workers: workers, count: 9 * filters, into: dw)
    gradients.sum(workers: workers, count: filters, offset: 9 * filters, into: db)
  }

  /// Scalars per input image and per output image.
  private var sizes: (Int, Int) {
    let g = geometry
    return (Int(g.height * g.width), Int(g.out_height * g.out_width * g.filters))
  }

  /// Runs `body(geometry, image, worker)` for every image, after reserving each worker's padded
  /// copy.
  private func forEachImage(
    _ body: (UnsafePointer<report_single_channel_geometry>, Int, Int) -> Void
  ) {
    withUnsafePointer(to: geometry) { g in
      padded.reserve(
        workers: min(Parallel.workers, batch), count: Int(report_single_channel_padded_count(g)))
      Parallel.forEachChunk(batch) { image, worker in body(g, image, worker) }
    }
  }
}
