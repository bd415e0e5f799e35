/// Labelled examples in memory: `count` examples of `shape`, one after another, NHWC.
///
/// Images are kept as the bytes they were read as and scaled to [0, 1] a batch at a time, so
/// MNIST's 54,000 training images take 42 MB instead of the 169 MB their Floats would.
public struct Examples: Sendable {
  /// How the scalars are held.
  private enum Storage: Sendable {
    /// The scalars themselves.
    case scalars([Float])
    /// Bytes 0...255, each standing for byte / 255.
    case pixels([UInt8])
  }

  private let storage: Storage
  /// Class index of each example.
  public var labels: [Int32]
  /// Shape of one example, e.g. [28, 28, 1].
  public let shape: TensorShape

  /// Examples given as scalars; checks that inputs and labels agree.
  public init(inputs: [Float], labels: [Int32], shape: TensorShape) throws {
    try Examples.check(scalarCount: inputs.count, labels: labels, shape: shape)
    self.init(validated: .scalars(inputs), labels: labels, shape: shape)
  }

  /// Examples given as image bytes, each scaled by 1/255 as it is read (as the paper does);
  /// checks that pixels and labels agree.
  public init(pixels: [UInt8], labels: [Int32], shape: TensorShape) throws {
    try Examples.check(scalarCount: pixels.count, labels: labels, shape: shape)
    self.init(validated: .pixels(pixels), labels: labels, shape: shape)
  }

  private static func check(scalarCount: Int, labels: [Int32], shape: TensorShape) throws {
    guard shape.elementCount > 0, scalarCount == labels.count * shape.elementCount else {
      throw NeuralNetError.invalidData(
        "\(scalarCount) scalars do not make \(labels.count) examples of shape \(shape)")
    }
  }

  private init(validated storage: Storage, labels: [Int32], shape: TensorShape) {
    (self.storage, self.labels, self.shape) = (storage, labels, shape)
  }

  /// Number of examples.
  public var count: Int { labels.count }

  /// The first `n` examples (all when n >= count).
  public func prefix(_ n: Int) -> Examples {
    let k = min(n, count)
    let end = k * shape.elementCount
    let kept: Storage =
      switch storage {
      case .scalars(let values): .scalars(Array(values[0..<end]))
      case .pixels(let bytes): .pixels(Array(bytes[0..<end]))
      }
    return Examples(validated: kept, labels: Array(labels[0..<k]), shape: shape)
  }

  /// The scalars of example `index`.
  public func scalars(of index: Int) -> [Float] {
    var values = [Float](repeating: 0, count: shape.elementCount)
    values.withUnsafeMutableBufferPointer { copy([index], to: $0.baseAddress!) }
    return values
  }

  /// Writes the scalars of examples `indices` (in that order) one after another to `target`.
  func copy(_ indices: some Sequence<Int>, to target: UnsafeMutablePointer<Float>) {
    let size = shape.elementCount
    var out = target
    switch storage {
    case .scalars(let values):
      values.withUnsafeBufferPointer { x in
        for i in indices {
          out.update(from: x.baseAddress! + i * size, count: size)
          out += size
        }
      }
    case .pixels(let bytes):
      bytes.withUnsafeBufferPointer { x in
        Examples.byteScale.withUnsafeBufferPointer { scale in
          for i in indices {
            let image = x.baseAddress! + i * size
            for j in 0..<size { out[j] = scale[Int(image[j])] }
            out += size
          }
        }
      }
    }
  }

  /// Calls `body` with examples `range` contiguous: in place when held as scalars, else scaled
  /// into `scratch`.
  func withScalars<Result>(
    _ range: Range<Int>, scratch: FloatBuffer, _ body: (UnsafePointer<Float>) -> Result
  ) -> Result {
    if case .scalars(let values) = storage {
      return values.withUnsafeBufferPointer {
        body($0.baseAddress! + range.lowerBound * shape.elementCount)
      }
    }
    scratch.reserve(range.count * shape.elementCount)
    copy(range, to: scratch.pointer)
    return body(scratch.pointer)
  }

  /// byte / 255 for every byte, computed once: the same Floats `Float(byte) / 255` gives.
  private static let byteScale: [Float] = (0...255).map { Float($0) / 255 }
}
