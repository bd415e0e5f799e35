/// Labelled examples in memory: `inputs` holds `count` examples of `shape`, one after another.
public struct Examples: Sendable {
  /// Scalars, `count * shape.elementCount` of them, NHWC.
  public var inputs: [Float]
  /// Class index of each example.
  public var labels: [Int32]
  /// Shape of one example, e.g. [28, 28, 1].
  public var shape: TensorShape

  /// Checks that inputs and labels agree.
  public init(inputs: [Float], labels: [Int32], shape: TensorShape) throws {
    guard shape.elementCount > 0, inputs.count == labels.count * shape.elementCount else {
      throw NeuralNetError.invalidData(
        "\(inputs.count) scalars do not make \(labels.count) examples of shape \(shape)")
    }
    self.init(validated: inputs, labels: labels, shape: shape)
  }

  private init(validated inputs: [Float], labels: [Int32], shape: TensorShape) {
    self.inputs = inputs
    self.labels = labels
    self.shape = shape
  }

  /// Number of examples.
  public var count: Int { labels.count }

  /// The first `n` examples (all when n >= count).
  public func prefix(_ n: Int) -> Examples {
    let k = min(n, count)
    return Examples(
      validated: Array(inputs[0..<(k * shape.elementCount)]), labels: Array(labels[0..<k]),
      shape: shape)
  }
}
