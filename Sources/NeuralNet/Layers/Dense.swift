/// A fully connected layer with bias and a fused activation (Keras `Dense`).
///
/// Input [batch, inputFeatures], kernel [inputFeatures, units], bias [units],
/// output [batch, units].
public final class Dense: ActivatedLayer {
  /// Number of outputs.
  public var units: Int
  /// Non-linearity applied to the output.
  public var activation: Activation

  public let kind = "Dense"
  public var settings: String { "\(units) units, \(activation)" }
  public private(set) var parameters: [Parameter] = []

  private var inputFeatures = 0
  private var kernel: Parameter { parameter(named: "kernel") }
  private var bias: Parameter { parameter(named: "bias") }
  private var input: UnsafePointer<Float>?
  private var forwardInput: UnsafePointer<Float> {
    guard let input else { preconditionFailure("Dense.backward called before forward") }
    return input
  }
  private let output = FloatBuffer()
  private let inputGradient = FloatBuffer()

  /// A dense layer; the input size is fixed by `build`.
  public init(units: Int, activation: Activation = .linear) {
    self.units = units
    self.activation = activation
  }

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    guard inputShape.count == 1 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "needs a flat [features] input; add Flatten first")
    }
    guard units > 0 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "units must be positive")
    }
    inputFeatures = inputShape[0]
    let kernel = Parameter(name: "kernel", shape: [inputFeatures, units])
    glorotUniform(kernel, fanIn: inputFeatures, fanOut: units, generator: &generator)
    parameters = [kernel, Parameter(name: "bias", shape: [units])]
    return [units]
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    self.input = input
    output.reserve(batch * units)
    GEMM.multiply(
      input, kernel.value.pointer, into: output.pointer, m: batch, n: units, k: inputFeatures)
    addBiasAndActivate(
      output.pointer, bias: bias.value.pointer, rows: batch, width: units,
      activation: activation)
    return UnsafePointer(output.pointer)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    // The output is dead once the next layer's backward has run, so dZ overwrites it in place.
    activation.gradient(
      outputGradient, output: output.pointer, into: output.pointer, rows: batch, width: units)
    return backward(
      preActivationGradient: output.pointer, batch: batch,
      needsInputGradient: needsInputGradient)
  }

  func backward(
    preActivationGradient dZ: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool
  )
    -> UnsafePointer<Float>?
  {
    GEMM.multiply(
      forwardInput, transposeA: true, dZ, into: kernel.gradient.pointer, m: inputFeatures, n: units,
      k: batch)
    bias.gradient.zero(units)
    accumulateColumnSums(dZ, rows: batch, width: units, into: bias.gradient.pointer)
    guard needsInputGradient else { return nil }
    inputGradient.reserve(batch * inputFeatures)
    GEMM.multiply(
      dZ, kernel.value.pointer, transposeB: true, into: inputGradient.pointer, m: batch,
      n: inputFeatures, k: units)
    return UnsafePointer(inputGradient.pointer)
  }
}
