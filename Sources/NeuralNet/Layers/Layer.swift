/// Whether a forward pass trains (batch statistics, dropout on) or infers.
public enum Mode: Sendable {
  case training, inference
  /// Inference's arithmetic (moving statistics, no dropout), keeping what `backward` needs (which
  /// input each max-pooling window took), so that a backward pass differentiates the inference
  /// function: saliency maps.
  case inferenceWithGradients
}

/// A trainable or state tensor of a layer, with the gradient of the loss for it.
public final class Parameter {
  /// The layer-local name, Keras's: "kernel", "bias", "gamma", "beta", "moving_mean"...
  public let name: String
  /// The tensor's shape, e.g. [3, 3, 64, 128] for a convolution kernel.
  public let shape: [Int]
  /// Current values; `shape.elementCount` scalars.
  public let value: FloatBuffer
  /// dLoss/dValue for the last batch (unused for non-trainable state).
  public let gradient: FloatBuffer
  /// False for running statistics, which are saved but never optimised.
  public let isTrainable: Bool
  /// Whether optimizers leave this tensor (and its moment buffers) alone: its layer is frozen
  /// (`Sequential.frozenLayers`, Keras's `trainable = False`).
  public internal(set) var isFrozen = false
  /// The factor on the optimizer's learning rate for this tensor
  /// (`Sequential.learningRateMultipliers`); 1 unless set.
  public internal(set) var learningRateMultiplier: Float = 1

  /// A parameter of `shape`, zero-filled.
  public init(name: String, shape: [Int], trainable: Bool = true) {
    self.name = name
    self.shape = shape
    self.isTrainable = trainable
    value = FloatBuffer(count: shape.elementCount)
    gradient = FloatBuffer(count: trainable ? shape.elementCount : 0)
  }

  /// The number of scalars.
  public var count: Int { shape.elementCount }

  /// The arithmetic of `outputElements` outputs of the layer this is the kernel of (Keras layout,
  /// filters or units last): each output is a dot product over the kernel's slice for its output
  /// channel, a multiply-add counting two.
  func productFLOPs(outputElements: Int) -> Double {
    2 * Double(outputElements) * Double(count / max(shape.last ?? 1, 1))
  }
}

/// One layer of a sequential network: a forward/backward pair over raw NHWC buffers.
///
/// Buffers returned by `forward` and `backward` belong to the layer and stay valid until its next
/// call; a layer may keep the `input` pointer it was given until its `backward`.
public protocol Layer: AnyObject {
  /// The Keras class name, e.g. "Conv2D".
  var kind: String { get }
  /// A one-line description of the settings, e.g. "64 filters 3x3, relu".
  var settings: String { get }
  /// Fixes the layer to `inputShape`, allocates and initialises its parameters, and returns the
  /// output shape. Throws `NeuralNetError.shapeMismatch` when the layer cannot fit.
  func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  /// Trainable tensors followed by state tensors, in a fixed order.
  var parameters: [Parameter] { get }
  /// Computes the output for `batch` examples.
  func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  /// Given dLoss/dOutput, fills every parameter gradient and returns dLoss/dInput (nil when
  /// `needsInputGradient` is false, as for the first layer).
  func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
}

extension Layer {
  public var parameters: [Parameter] { [] }

  /// The parameter called `name` ("kernel", "gamma", ...); the layer must be built.
  func parameter(named name: String) -> Parameter {
    guard let parameter = parameters.first(where: { $0.name == name }) else {
      preconditionFailure("\(kind) has no parameter '\(name)'")
    }
    return parameter
  }
}

/// A layer that draws random numbers in training (Dropout). The trainer reseeds it at every
/// epoch from the run's seed, so a resumed run draws exactly what an unbroken one would.
protocol StochasticLayer: Layer {
  func reseed(_ seed: UInt64)
}

/// A layer whose output passes through an activation, so that a following softmax
/// cross-entropy can hand it the gradient with respect to its pre-activation directly.
protocol ActivatedLayer: Layer {
  var activation: Activation { get }
  /// `backward` with the gradient already taken through the activation.
  func backward(preActivationGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
}
