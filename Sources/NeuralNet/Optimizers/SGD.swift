/// Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, as
/// Keras writes it: v = momentum * v - lr * g; w += v (or w += momentum * v - lr * g, Nesterov).
public final class SGD: Optimizer {
  /// Step size (Keras default 0.01).
  public var learningRate: Float
  /// Velocity decay in [0, 1); 0 is plain SGD.
  public var momentum: Float
  /// Use Nesterov's look-ahead form.
  public var nesterov: Bool
  /// Decoupled weight decay: w -= lr * weightDecay * w; 0 is off.
  public var weightDecay: Float
  /// The moving average of the weights, updated after every step, when set (`use_ema`).
  public let weightAverage: WeightAverage?

  private let velocity = SlotBuffers()

  /// An SGD optimizer.
  public init(
    learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
    weightAverage: WeightAverage? = nil
  ) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
    self.weightAverage = weightAverage
  }

  public func step(_ parameters: [Parameter]) {
    velocity.prepare(parameters)
    let decay = learningRate * weightDecay
    for (index, parameter) in parameters.enumerated() where !parameter.isFrozen {
      let scale = parameter.learningRateMultiplier
      let (rate, layerDecay) = (learningRate * scale, decay * scale)
      let w = parameter.value.pointer
      let g = parameter.gradient.pointer
      let v = velocity.buffers[index].pointer
      for i in 0..<parameter.count {
        if layerDecay != 0 { w[i] -= layerDecay * w[i] }
        v[i] = momentum * v[i] - rate * g[i]
        w[i] += nesterov ? momentum * v[i] - rate * g[i] : v[i]
      }
    }
    weightAverage?.update(parameters)
  }

  public func exportState() -> [String: [Float]] {
    var state: [String: [Float]] = [:]
    velocity.export(prefix: "velocity", into: &state)
    weightAverage?.export(into: &state)
    return state
  }

  public func importState(_ state: [String: [Float]]) throws {
    try velocity.restore(prefix: "velocity", from: state)
    try weightAverage?.restore(from: state)
  }
}
