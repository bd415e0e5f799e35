/// A 2-D convolution with bias and a fused activation (Keras `Conv2D`).
///
/// Computed as im2col + sgemm over chunks of images sized to stay in cache, the chunks spread
/// over `Parallel.workers` threads. Kernel shape [kernelHeight, kernelWidth, inputChannels,
/// filters], bias [filters]; output [batch, outputHeight, outputWidth, filters].
public final class Conv2D: ActivatedLayer {
  /// Number of output channels.
  public var filters: Int
  /// Window height and width.
  public var kernelSize: (Int, Int)
  /// Step between windows, vertical and horizontal.
  public var stride: (Int, Int)
  /// `valid` (no padding, Keras's default) or `same`.
  public var padding: Padding
  /// Non-linearity applied to the output.
  public var activation: Activation

  public let kind = "Conv2D"
  public var settings: String {
    "\(filters) filters \(kernelSize.0)x\(kernelSize.1), stride \(stride.0), \(padding.rawValue), \(activation)"
  }

  public private(set) var parameters: [Parameter] = []
  private var builtGeometry: WindowGeometry?
  private var geometry: WindowGeometry {
    guard let builtGeometry else { preconditionFailure("\(kind) used before build(inputShape:)") }
    return builtGeometry
  }
  private let output = FloatBuffer()
  private let inputGradient = FloatBuffer()
  private let columns = WorkerScratch()
  private let columnGradients = WorkerScratch()
  private let kernelGradients = WorkerScratch()
  private let biasGradients = WorkerScratch()
  private var input: UnsafePointer<Float>?
  private var forwardInput: UnsafePointer<Float> {
    guard let input else { preconditionFailure("Conv2D.backward called before forward") }
    return input
  }

  /// A convolution layer; shapes are fixed by `build`.
  public init(
    filters: Int, kernelSize: (Int, Int) = (3, 3), stride: (Int, Int) = (1, 1),
    padding: Padding = .valid, activation: Activation = .linear
  ) {
    self.filters = filters
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.activation = activation
  }

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    guard inputShape.count == 3 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "needs [height, width, channels]")
    }
    guard filters > 0, kernelSize.0 > 0, kernelSize.1 > 0, stride.0 > 0, stride.1 > 0 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "filters, kernel size and stride must be positive")
    }
    guard
      let g = WindowGeometry(
        input: inputShape, kernel: kernelSize, stride: stride, padding: padding)
    else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape,
        reason:
          "a \(kernelSize.0)x\(kernelSize.1) kernel with \(padding.rawValue) padding does not fit")
    }
    builtGeometry = g
    let k = Parameter(name: "kernel", shape: [kernelSize.0, kernelSize.1, g.channels, filters])
    let b = Parameter(name: "bias", shape: [filters])
    let area = kernelSize.0 * kernelSize.1
    glorotUniform(k, fanIn: area * g.channels, fanOut: area * filters, generator: &generator)
    parameters = [k, b]
    return [g.outputHeight, g.outputWidth, filters]
  }

  private var kernelValues: UnsafeMutablePointer<Float> { parameter(named: "kernel").value.pointer }
  private var biasValues: UnsafeMutablePointer<Float> { parameter(named: "bias").value.pointer }

  /// Images per chunk: about 1 MiB of im2col rows, and at least one chunk per worker.
  private func imagesPerChunk(batch: Int) -> Int {
    let perImage = geometry.outputPixels * geometry.patchSize
    let byCache = max(1, (256 * 1024) / perImage)
    let byWorkers = max(1, (batch + Parallel.workers - 1) / Parallel.workers)
    return min(byCache, byWorkers)
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    self.input = input
    let g = geometry
    let outPerImage = g.outputPixels * filters
    output.reserve(batch * outPerImage)
    let perChunk = imagesPerChunk(batch: batch)
    let chunks = (batch + perChunk - 1) / perChunk
    let out = output.pointer
    let weights = kernelValues
    let biases = biasValues
    columns.reserve(
      workers: min(Parallel.workers, chunks), count: perChunk * g.outputPixels * g.patchSize)
    Parallel.forEachChunk(chunks) { chunk, worker in
      let first = chunk * perChunk
      let count = min(perChunk, batch - first)
      let rows = count * g.outputPixels
      let cols = columns.pointer(worker)
      Im2Col.unroll(images: input + first * g.inputSize, count: count, into: cols, g)
      let target = out + first * outPerImage
      GEMM.multiply(cols, weights, into: target, m: rows, n: filters, k: g.patchSize)
      addBiasAndActivate(target, bias: biases, rows: rows, width: filters, activation: activation)
    }
    return UnsafePointer(out)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    // The output is dead once the next layer's backward has run, so dZ overwrites it in place.
    activation.gradient(
      outputGradient, output: output.pointer, into: output.pointer,
      rows: batch * geometry.outputPixels, width: filters)
    return backward(
      preActivationGradient: output.pointer, batch: batch,
      needsInputGradient: needsInputGradient)
  }

  func backward(
    preActivationGradient dZ: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool
  )
    -> UnsafePointer<Float>?
  {
    let g = geometry
    let input = forwardInput
    let perChunk = imagesPerChunk(batch: batch)
    let chunks = (batch + perChunk - 1) / perChunk
    let workers = min(Parallel.workers, chunks)
    let kernelCount = g.patchSize * filters
    let scratchCount = perChunk * g.outputPixels * g.patchSize
    kernelGradients.reserve(workers: workers, count: kernelCount, zeroed: true)
    biasGradients.reserve(workers: workers, count: filters, zeroed: true)
    columns.reserve(workers: workers, count: scratchCount)
    if needsInputGradient { columnGradients.reserve(workers: workers, count: scratchCount) }
    if needsInputGradient { inputGradient.reserve(batch * g.inputSize) }
    let dX = inputGradient.pointer
    let weights = kernelValues
    Parallel.forEachChunk(chunks) { chunk, worker in
      let first = chunk * perChunk
      let count = min(perChunk, batch - first)
      let rows = count * g.outputPixels
      let cols = columns.pointer(worker)
      Im2Col.unroll(images: input + first * g.inputSize, count: count, into: cols, g)
      let gradient = dZ + first * g.outputPixels * filters
      // dKernel += columnsᵀ · dZ ; dBias += column sums of dZ
      GEMM.multiply(
        cols, transposeA: true, gradient, into: kernelGradients.pointer(worker),
        m: g.patchSize, n: filters, k: rows, beta: 1)
      accumulateColumnSums(
        gradient, rows: rows, width: filters, into: biasGradients.pointer(worker))
      guard needsInputGradient else { return }
      // dColumns = dZ · kernelᵀ, folded back onto the input images.
      let dCols = columnGradients.pointer(worker)
      GEMM.multiply(
        gradient, weights, transposeB: true, into: dCols, m: rows, n: g.patchSize, k: filters)
      let target = dX + first * g.inputSize
      target.update(repeating: 0, count: count * g.inputSize)
      for i in 0..<count {
        Im2Col.fold(dCols + i * g.outputPixels * g.patchSize, into: target + i * g.inputSize, g)
      }
    }
    kernelGradients.sum(
      workers: workers, count: kernelCount, into: parameter(named: "kernel").gradient.pointer)
    biasGradients.sum(
      workers: workers, count: filters, into: parameter(named: "bias").gradient.pointer)
    return needsInputGradient ? UnsafePointer(dX) : nil
  }
}
