/// Updates trainable parameters from their gradients.
public protocol Optimizer: AnyObject {
  /// Step size; callbacks (ReduceLROnPlateau, schedules) change it between epochs.
  var learningRate: Float { get set }
  /// Applies one update to `parameters`, always passed in the same order.
  func step(_ parameters: [Parameter])
  /// Moment buffers and the step counter, for checkpoints: slot name to values.
  func exportState() -> [String: [Float]]
  /// Restores what `exportState` returned.
  func importState(_ state: [String: [Float]]) throws
  /// The moving average of the weights this optimizer keeps after every step, if any.
  var weightAverage: WeightAverage? { get }
}

/// Moment buffers, one per parameter, created on the first step.
final class SlotBuffers {
  private(set) var buffers: [FloatBuffer] = []

  func prepare(_ parameters: [Parameter]) {
    guard buffers.count != parameters.count else { return }
    buffers = parameters.map { FloatBuffer(count: $0.count) }
  }

  func export(prefix: String, into state: inout [String: [Float]]) {
    for (i, b) in buffers.enumerated() { state["\(prefix).\(i)"] = b.array(b.capacity) }
  }

  func restore(prefix: String, from state: [String: [Float]]) throws {
    let keys = state.keys.filter { $0.hasPrefix(prefix + ".") }
    buffers = try (0..<keys.count).map { i in
      guard let values = state["\(prefix).\(i)"] else {
        throw NeuralNetError.incompatibleWeights("optimizer slot \(prefix).\(i) is missing")
      }
      return FloatBuffer(values)
    }
  }
}
