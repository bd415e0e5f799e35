/// An exponential moving average of the trainable weights, updated after every optimizer step
/// (Keras 3's `use_ema` with `ema_momentum`; the M5 paper and timm's `ModelEmaV2` with 0.999):
/// average = momentum * average + (1 - momentum) * weight, the first step copying the weights.
///
/// The trainer validates with the averages and a finished run keeps them: between epochs the
/// model holds the averages and these slots the live weights, and at the start of an epoch they
/// change places again. Checkpoints save both sides, so a resumed run goes on exactly.
/// Batch-normalization statistics are not trainable and stay the live model's, as in Keras.
public final class WeightAverage {
  /// Weight of the old average at each step, in [0, 1).
  public let momentum: Float
  private let slots = SlotBuffers()
  private var updates = 0
  /// Whether the model holds the averages and the slots the live weights.
  private(set) var holdsAverages = false

  /// An average with `momentum` (0.999 averages over about the last thousand steps).
  public init(momentum: Float) {
    self.momentum = momentum
  }

  /// Folds the weights after an optimizer step into the average.
  func update(_ parameters: [Parameter]) {
    slots.prepare(parameters)
    let keep = updates == 0 ? 0 : momentum
    updates += 1
    for (index, parameter) in parameters.enumerated() {
      // A frozen tensor's average is its value, copied at the first update: recomputing
      // m*w + (1-m)*w could move it by a rounding.
      if parameter.isFrozen && keep > 0 { continue }
      let w = parameter.value.pointer
      let a = slots.buffers[index].pointer
      for i in 0..<parameter.count { a[i] = keep * a[i] + (1 - keep) * w[i] }
    }
  }

  /// Puts the averages into the model (before validation), keeping the live weights aside.
  public func useAverages(_ parameters: [Parameter]) {
    guard !holdsAverages, updates > 0 else { return }
    exchange(parameters)
  }

  /// Puts the live weights back into the model (before training goes on).
  public func useLiveWeights(_ parameters: [Parameter]) {
    guard holdsAverages else { return }
    exchange(parameters)
  }

  private func exchange(_ parameters: [Parameter]) {
    for (index, parameter) in parameters.enumerated() {
      let w = parameter.value.pointer
      let a = slots.buffers[index].pointer
      for i in 0..<parameter.count { swap(&w[i], &a[i]) }
    }
    holdsAverages.toggle()
  }

  func export(into state: inout [String: [Float]]) {
    state["ema_updates"] = [Float(updates)]
    state["ema_holds_averages"] = [holdsAverages ? 1 : 0]
    slots.export(prefix: "ema", into: &state)
  }

  func restore(from state: [String: [Float]]) throws {
    guard let count = state["ema_updates"]?.first, let holds = state["ema_holds_averages"]?.first
    else {
      throw NeuralNetError.incompatibleWeights(
        "the checkpoint has no weight average (it was saved by a run without training.ema)")
    }
    updates = Int(count)
    holdsAverages = holds != 0
    try slots.restore(prefix: "ema", from: state)
  }
}
