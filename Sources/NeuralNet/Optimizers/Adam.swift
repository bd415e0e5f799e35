import Foundation

/// Adam (Kingma & Ba 2015) as Keras 3 implements it, with optional decoupled weight decay.
///
/// Keras defaults: learning rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7. Update:
/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
/// A frozen tensor is skipped, moments and all, and a tensor's learning-rate multiplier scales
/// its lr; t counts every step, so a tensor unfrozen later starts with zero moments at the
/// current t, as in Keras when a layer's `trainable` changes.
public final class Adam: Optimizer {
  /// Step size.
  public var learningRate: Float
  /// Decay of the first moment.
  public var beta1: Float
  /// Decay of the second moment.
  public var beta2: Float
  /// Added to sqrt(v) for stability.
  public var epsilon: Float
  /// Decoupled weight decay (AdamW): w -= lr * weightDecay * w before the Adam step; 0 is off.
  public var weightDecay: Float
  /// The moving average of the weights, updated after every step, when set (`use_ema`).
  public let weightAverage: WeightAverage?

  private var iterations = 0
  private let first = SlotBuffers()
  private let second = SlotBuffers()

  /// An Adam optimizer.
  public init(
    learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
    weightDecay: Float = 0,
    weightAverage: WeightAverage? = nil
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.weightAverage = weightAverage
  }

  public func step(_ parameters: [Parameter]) {
    first.prepare(parameters)
    second.prepare(parameters)
    iterations += 1
    let t = Double(iterations)
    let alpha = Float(
      Double(learningRate) * sqrt(1 - pow(Double(beta2), t)) / (1 - pow(Double(beta1), t)))
    let decay = learningRate * weightDecay
    for (index, parameter) in parameters.enumerated() where !parameter.isFrozen {
      let scale = parameter.learningRateMultiplier
      let (rate, layerDecay) = (alpha * scale, decay * scale)
      let w = parameter.value.pointer
      let g = parameter.gradient.pointer
      let m = first.buffers[index].pointer
      let v = second.buffers[index].pointer
      let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
      // Element-wise, so the split over workers cannot change a bit of the result.
      let chunk = 32_768
      Parallel.forEachChunk((parameter.count + chunk - 1) / chunk) { part, _ in
        for i in (part * chunk)..<min(parameter.count, (part + 1) * chunk) {
          if layerDecay != 0 { w[i] -= layerDecay * w[i] }
          m[i] = beta1 * m[i] + (1 - beta1) * g[i]
          v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
          w[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
        }
      }
    }
    weightAverage?.update(parameters)
  }

  public func exportState() -> [String: [Float]] {
    var state: [String: [Float]] = ["iterations": [Float(iterations)]]
    first.export(prefix: "m", into: &state)
    second.export(prefix: "v", into: &state)
    weightAverage?.export(into: &state)
    return state
  }

  public func importState(_ state: [String: [Float]]) throws {
    guard let count = state["iterations"]?.first else {
      throw NeuralNetError.incompatibleWeights("Adam state has no iteration count")
    }
    iterations = Int(count)
    try first.restore(prefix: "m", from: state)
    try second.restore(prefix: "v", from: state)
    try weightAverage?.restore(from: state)
  }
}
