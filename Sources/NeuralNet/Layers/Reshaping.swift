/// Flattens [batch, H, W, C] to [batch, H * W * C] (Keras `Flatten`). In NHWC the memory is
/// already in that order, so both passes hand their buffer through untouched.
public final class Flatten: Layer {
  public let kind = "Flatten"
  public let settings = ""

  /// A flatten layer.
  public init() {}

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    [inputShape.elementCount]
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    input
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    needsInputGradient ? outputGradient : nil
  }
}
