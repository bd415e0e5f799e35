/// Zeroes a random fraction `rate` of its inputs in training and scales the rest by
/// 1 / (1 - rate) (Keras `Dropout`); the identity in inference.
public final class Dropout: StochasticLayer {
  /// Fraction of inputs dropped, in [0, 1).
  public var rate: Float

  public let kind = "Dropout"
  public var settings: String { "rate \(rate)" }

  private var size = 0
  private var generator = SeededGenerator(seed: 0)
  private let mask = FloatBuffer()
  private let output = FloatBuffer()
  private let inputGradient = FloatBuffer()
  /// The mode of the last forward pass: after one that is not training, `backward` is the identity.
  private var forwardMode = Mode.training

  /// A dropout layer.
  public init(rate: Float) { self.rate = rate }

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    guard rate >= 0, rate < 1 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "rate must be in [0, 1)")
    }
    size = inputShape.elementCount
    return inputShape
  }

  func reseed(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    forwardMode = mode
    guard mode == .training, rate > 0 else { return input }
    let count = batch * size
    mask.reserve(count)
    output.reserve(count)
    let (keep, rate) = (1 / (1 - rate), rate)
    let (m, y) = (mask.pointer, output.pointer)
    // A local copy of the stream: the same draws, without an exclusivity check per element.
    var stream = generator
    for i in 0..<count {
      m[i] = stream.uniform(0, 1) < rate ? 0 : keep
      y[i] = input[i] * m[i]
    }
    generator = stream
    return UnsafePointer(y)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    guard needsInputGradient else { return nil }
    guard rate > 0, forwardMode == .training else { return outputGradient }
    let count = batch * size
    inputGradient.reserve(count)
    let (m, dx) = (mask.pointer, inputGradient.pointer)
    for i in 0..<count { dx[i] = outputGradient[i] * m[i] }
    return UnsafePointer(dx)
  }
}
