/// A standalone activation (Keras `Activation`, `ReLU`, `LeakyReLU`, `Softmax`), applied over the
/// last axis.
public final class ActivationLayer: Layer {
  /// The function applied.
  public var activation: Activation

  public var kind: String { "Activation" }
  public var settings: String { activation.description }

  private var width = 0, size = 0
  private let output = FloatBuffer()
  private let inputGradient = FloatBuffer()

  /// An activation layer.
  public init(_ activation: Activation) { self.activation = activation }

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    width = inputShape.last ?? 1
    size = inputShape.elementCount
    return inputShape
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    output.reserve(batch * size)
    output.pointer.update(from: input, count: batch * size)
    activation.apply(output.pointer, rows: batch * size / width, width: width)
    return UnsafePointer(output.pointer)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    guard needsInputGradient else { return nil }
    inputGradient.reserve(batch * size)
    activation.gradient(
      outputGradient, output: output.pointer, into: inputGradient.pointer,
      rows: batch * size / width, width: width)
    return UnsafePointer(inputGradient.pointer)
  }
}
