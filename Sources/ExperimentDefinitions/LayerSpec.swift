import NeuralNet

/// One layer of an experiment's model as an experiment file declares it; `makeLayer` turns it
/// into an engine layer.
public enum LayerSpec: Equatable, Sendable {
  case conv2d(filters: Int, kernel: Int, stride: Int, padding: Padding, activation: ActivationSpec)
  case maxPool(size: Int, stride: Int?, padding: Padding)
  case averagePool(size: Int, stride: Int?, padding: Padding)
  case globalAveragePool
  case batchNorm(momentum: Double, epsilon: Double)
  case flatten
  case dense(units: Int, activation: ActivationSpec)
  case dropout(rate: Double)
  case activation(ActivationSpec)

  /// A fresh, unbuilt engine layer.
  public func makeLayer() -> Layer {
    switch self {
    case .conv2d(let filters, let kernel, let stride, let padding, let activation):
      return Conv2D(
        filters: filters, kernelSize: (kernel, kernel), stride: (stride, stride), padding: padding,
        activation: activation.engineValue)
    case .maxPool(let size, let stride, let padding):
      return MaxPool2D(poolSize: (size, size), stride: stride.map { ($0, $0) }, padding: padding)
    case .averagePool(let size, let stride, let padding):
      return AveragePool2D(
        poolSize: (size, size), stride: stride.map { ($0, $0) }, padding: padding)
    case .globalAveragePool: return GlobalAveragePool2D()
    case .batchNorm(let momentum, let epsilon):
      return BatchNormalization(momentum: Float(momentum), epsilon: Float(epsilon))
    case .flatten: return Flatten()
    case .dense(let units, let activation):
      return Dense(units: units, activation: activation.engineValue)
    case .dropout(let rate): return Dropout(rate: Float(rate))
    case .activation(let activation): return ActivationLayer(activation.engineValue)
    }
  }

  /// The paper's network (692,682 parameters): Conv 64, Conv 64, MaxPool, BatchNorm, Conv 128,
  /// Conv 128, MaxPool, BatchNorm, Conv 256, MaxPool, BatchNorm, Flatten, Dense 512, Dense 10.
  public static let paperModel: [LayerSpec] = [
    .conv2d(filters: 64, kernel: 3, stride: 1, padding: .valid, activation: .relu),
    .conv2d(filters: 64, kernel: 3, stride: 1, padding: .valid, activation: .relu),
    .maxPool(size: 2, stride: nil, padding: .valid),
    .batchNorm(momentum: 0.99, epsilon: 1e-3),
    .conv2d(filters: 128, kernel: 3, stride: 1, padding: .valid, activation: .relu),
    .conv2d(filters: 128, kernel: 3, stride: 1, padding: .valid, activation: .relu),
    .maxPool(size: 2, stride: nil, padding: .valid),
    .batchNorm(momentum: 0.99, epsilon: 1e-3),
    .conv2d(filters: 256, kernel: 3, stride: 1, padding: .valid, activation: .relu),
    .maxPool(size: 2, stride: nil, padding: .valid),
    .batchNorm(momentum: 0.99, epsilon: 1e-3),
    .flatten,
    .dense(units: 512, activation: .relu),
    .dense(units: 10, activation: .softmax),
  ]

  /// Builds a model from `specs` for `inputShape`, weights drawn from `seed`.
  public static func buildModel(_ specs: [LayerSpec], inputShape: TensorShape, seed: UInt64) throws
    -> Sequential
  {
    try Sequential(inputShape: inputShape, layers: specs.map { $0.makeLayer() }, seed: seed)
  }
}

/// An activation as written in an experiment file: "relu", "linear", "softmax",
/// "leaky_relu" (Keras's alpha 0.3) or "leaky_relu(0.1)".
public enum ActivationSpec: Equatable, Sendable {
  case linear, relu, softmax
  case leakyRelu(alpha: Double)

  /// Parses the written form; nil when it is not one.
  public init?(_ text: String) {
    switch text {
    case "linear": self = .linear
    case "relu": self = .relu
    case "softmax": self = .softmax
    case "leaky_relu": self = .leakyRelu(alpha: 0.3)
    default:
      guard text.hasPrefix("leaky_relu("), text.hasSuffix(")"),
        let alpha = Double(text.dropFirst("leaky_relu(".count).dropLast()), alpha > 0
      else { return nil }
      self = .leakyRelu(alpha: alpha)
    }
  }

  var engineValue: Activation {
    switch self {
    case .linear: return .linear
    case .relu: return .relu
    case .softmax: return .softmax
    case .leakyRelu(let alpha): return .leakyRelu(alpha: Float(alpha))
    }
  }
}
