/// What max and average pooling share: a window sliding over each channel, its geometry once
/// built, and the buffers of the output and the input gradient.
public class WindowPooling {
  /// Window size, stride and padding, and the geometry once built.
  public private(set) var window: PoolingWindow
  /// Keras's class name.
  public let kind: String
  let output = FloatBuffer()
  let inputGradient = FloatBuffer()

  init(kind: String, poolSize: (Int, Int), stride: (Int, Int)?, padding: Padding) {
    self.kind = kind
    window = PoolingWindow(size: poolSize, stride: stride ?? poolSize, padding: padding)
  }

  /// The window's size, stride and padding, as the model summary shows them.
  public var settings: String { window.settings }
  var geometry: WindowGeometry { window.built(kind) }

  /// Fixes the window to `inputShape`; returns the pooled shape.
  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    try window.build(kind, inputShape)
  }
}

/// Max pooling over non-overlapping (by default) windows (Keras `MaxPooling2D`).
///
/// Input [batch, H, W, C], output [batch, outputHeight, outputWidth, C]; the position of each
/// maximum is kept for the backward pass.
public final class MaxPool2D: WindowPooling, Layer {
  private let argmax = IndexBuffer()

  /// A max-pooling layer.
  public init(poolSize: (Int, Int) = (2, 2), stride: (Int, Int)? = nil, padding: Padding = .valid) {
    super.init(kind: "MaxPooling2D", poolSize: poolSize, stride: stride, padding: padding)
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    let g = geometry
    let c = g.channels
    let outPerImage = g.outputPixels * c
    output.reserve(batch * outPerImage)
    argmax.reserve(batch * outPerImage)
    let out = output.pointer
    let indices = argmax.pointer
    Parallel.forEachChunk(batch) { n, _ in
      let image = input + n * g.inputSize
      for oh in 0..<g.outputHeight {
        for ow in 0..<g.outputWidth {
          let o = n * outPerImage + (oh * g.outputWidth + ow) * c
          let best = out + o
          let positions = indices + o
          // Window cells outermost, channels innermost and contiguous: the inner loops vectorise.
          // The first maximum in cell order wins, as with a strict comparison per channel.
          let insideImage =
            g.padTop == 0 && g.padLeft == 0
            && oh * g.strideHeight + g.kernelHeight <= g.inputHeight
            && ow * g.strideWidth + g.kernelWidth <= g.inputWidth
          if insideImage {
            // A window wholly inside the image is walked with plain pointer steps. (`same`
            // padding can pad only the bottom and right, so a zero top-left pad is not enough.)
            let originCell = oh * g.strideHeight * g.inputWidth + ow * g.strideWidth
            let origin = image + originCell * c
            best.update(from: origin, count: c)
            if mode != .inference { for ch in 0..<c { positions[ch] = Int32(originCell * c + ch) } }
            for kh in 0..<g.kernelHeight {
              for kw in 0..<g.kernelWidth where kh > 0 || kw > 0 {
                let cell = originCell + kh * g.inputWidth + kw
                let values = image + cell * c
                if mode != .inference {
                  for ch in 0..<c where values[ch] > best[ch] {
                    best[ch] = values[ch]
                    positions[ch] = Int32(cell * c + ch)
                  }
                } else {
                  for ch in 0..<c { best[ch] = max(best[ch], values[ch]) }
                }
              }
            }
            continue
          }
          var first = true
          forEachWindowCell(g, oh, ow) { cell in
            let values = image + cell * c
            let base = Int32(cell * c)
            if first {
              for ch in 0..<c {
                best[ch] = values[ch]
                positions[ch] = base + Int32(ch)
              }
              first = false
            } else {
              for ch in 0..<c where values[ch] > best[ch] {
                best[ch] = values[ch]
                positions[ch] = base + Int32(ch)
              }
            }
          }
        }
      }
    }
    return UnsafePointer(out)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    guard needsInputGradient else { return nil }
    let g = geometry
    let outPerImage = g.outputPixels * g.channels
    inputGradient.reserve(batch * g.inputSize)
    let dX = inputGradient.pointer
    let indices = argmax.pointer
    Parallel.forEachChunk(batch) { n, _ in
      let image = dX + n * g.inputSize
      image.update(repeating: 0, count: g.inputSize)
      for o in (n * outPerImage)..<((n + 1) * outPerImage) {
        image[Int(indices[o])] += outputGradient[o]
      }
    }
    return UnsafePointer(dX)
  }
}

/// Average pooling (Keras `AveragePooling2D`); with `same` padding, padded cells are not counted.
public final class AveragePool2D: WindowPooling, Layer {
  /// An average-pooling layer.
  public init(poolSize: (Int, Int) = (2, 2), stride: (Int, Int)? = nil, padding: Padding = .valid) {
    super.init(kind: "AveragePooling2D", poolSize: poolSize, stride: stride, padding: padding)
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    let g = geometry
    let c = g.channels
    let outPerImage = g.outputPixels * c
    output.reserve(batch * outPerImage)
    let out = output.pointer
    Parallel.forEachChunk(batch) { n, _ in
      let image = input + n * g.inputSize
      for oh in 0..<g.outputHeight {
        for ow in 0..<g.outputWidth {
          let target = out + n * outPerImage + (oh * g.outputWidth + ow) * c
          target.update(repeating: 0, count: c)
          var cells = 0
          forEachWindowCell(g, oh, ow) { cell in
            cells += 1
            for ch in 0..<c { target[ch] += image[cell * c + ch] }
          }
          let scale = 1 / Float(cells)
          for ch in 0..<c { target[ch] *= scale }
        }
      }
    }
    return UnsafePointer(out)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    guard needsInputGradient else { return nil }
    let g = geometry
    let c = g.channels
    let outPerImage = g.outputPixels * c
    inputGradient.reserve(batch * g.inputSize)
    let dX = inputGradient.pointer
    Parallel.forEachChunk(batch) { n, _ in
      let image = dX + n * g.inputSize
      image.update(repeating: 0, count: g.inputSize)
      for oh in 0..<g.outputHeight {
        for ow in 0..<g.outputWidth {
          let source = outputGradient + n * outPerImage + (oh * g.outputWidth + ow) * c
          var cells = 0
          forEachWindowCell(g, oh, ow) { _ in cells += 1 }
          let scale = 1 / Float(cells)
          forEachWindowCell(g, oh, ow) { cell in
            for ch in 0..<c { image[cell * c + ch] += source[ch] * scale }
          }
        }
      }
    }
    return UnsafePointer(dX)
  }
}

/// Mean over all positions of each channel (Keras `GlobalAveragePooling2D`): [batch, H, W, C] to
/// [batch, C].
public final class GlobalAveragePool2D: Layer {
  public let kind = "GlobalAveragePooling2D"
  public let settings = ""
  private var pixels = 0, channels = 0
  private let output = FloatBuffer()
  private let inputGradient = FloatBuffer()

  /// A global average pool.
  public init() {}

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    guard inputShape.count == 3 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "needs [height, width, channels]")
    }
    pixels = inputShape[0] * inputShape[1]
    channels = inputShape[2]
    return [channels]
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    output.reserve(batch * channels)
    output.zero(batch * channels)
    let scale = 1 / Float(pixels)
    for n in 0..<batch {
      let target = output.pointer + n * channels
      accumulateColumnSums(
        input + n * pixels * channels, rows: pixels, width: channels, into: target)
      for c in 0..<channels { target[c] *= scale }
    }
    return UnsafePointer(output.pointer)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    guard needsInputGradient else { return nil }
    inputGradient.reserve(batch * pixels * channels)
    let scale = 1 / Float(pixels)
    for n in 0..<batch {
      for p in 0..<pixels {
        let target = inputGradient.pointer + (n * pixels + p) * channels
        for c in 0..<channels { target[c] = outputGradient[n * channels + c] * scale }
      }
    }
    return UnsafePointer(inputGradient.pointer)
  }
}

/// The geometry of a pooling window, or an error naming the layer and shapes.
/// The window of a pooling layer: its settings (Keras's `pool_size`, `strides`, `padding`), and
/// its geometry once the layer is built.
public struct PoolingWindow {
  /// Window height and width.
  public var size: (Int, Int)
  /// Step between windows; Keras's default is the pool size.
  public var stride: (Int, Int)
  /// `valid` (Keras's default) or `same`.
  public var padding: Padding
  private var geometry: WindowGeometry?

  init(size: (Int, Int), stride: (Int, Int), padding: Padding) {
    self.size = size
    self.stride = stride
    self.padding = padding
  }

  var settings: String { "\(size.0)x\(size.1), stride \(stride.0), \(padding.rawValue)" }

  /// The windows over `inputShape`; throws, naming `kind`, when they do not fit.
  func geometry(_ kind: String, over inputShape: TensorShape) throws -> WindowGeometry {
    guard size.0 > 0, size.1 > 0, stride.0 > 0, stride.1 > 0 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "pool size and stride must be positive")
    }
    guard let g = WindowGeometry(input: inputShape, kernel: size, stride: stride, padding: padding)
    else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape,
        reason: "a \(size.0)x\(size.1) pool with \(padding.rawValue) padding does not fit")
    }
    return g
  }

  /// Fixes the geometry for `inputShape` and returns the output shape.
  mutating func build(_ kind: String, _ inputShape: TensorShape) throws -> TensorShape {
    let g = try geometry(kind, over: inputShape)
    geometry = g
    return [g.outputHeight, g.outputWidth, g.channels]
  }

  /// The built geometry; using a layer before `build` is a programming error.
  func built(_ kind: String) -> WindowGeometry {
    guard let geometry else { preconditionFailure("\(kind) used before build(inputShape:)") }
    return geometry
  }
}

/// Calls `body(cell)` with `cell = row * inputWidth + column` for every in-bounds input position
/// of the window at output position (oh, ow).
@inline(__always)
private func forEachWindowCell(_ g: WindowGeometry, _ oh: Int, _ ow: Int, _ body: (Int) -> Void) {
  for kh in 0..<g.kernelHeight {
    let ih = oh * g.strideHeight + kh - g.padTop
    guard ih >= 0 && ih < g.inputHeight else { continue }
    for kw in 0..<g.kernelWidth {
      let iw = ow * g.strideWidth + kw - g.padLeft
      guard iw >= 0 && iw < g.inputWidth else { continue }
      body(ih * g.inputWidth + iw)
    }
  }
}
