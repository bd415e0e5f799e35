/// Precision, recall and F1 of one class.
public struct ClassMetrics: Codable, Equatable, Sendable {
  public var precision: Double, recall: Double, f1: Double
  /// How many examples truly belong to the class.
  public var support: Int
}

/// A model's results on a labelled set: loss, accuracy, every prediction, the confusion matrix
/// and per-class metrics.
public struct Evaluation: Sendable {
  /// Mean categorical cross-entropy.
  public let loss: Double
  /// Fraction predicted correctly.
  public let accuracy: Double
  /// Predicted class of each example.
  public let predictions: [Int]
  /// Class probabilities, [count, classCount].
  public let probabilities: [Float]
  /// counts[true][predicted].
  public let confusion: [[Int]]
  /// Per-class precision, recall, F1 and support.
  public let perClass: [ClassMetrics]

  /// Evaluates `model` on `examples` in inference mode.
  public init(
    model: Sequential, examples: Examples, loss: CategoricalCrossEntropy = .init(),
    batchSize: Int = 500
  ) {
    self.init(
      probabilities: model.predict(examples, batchSize: batchSize), labels: examples.labels,
      classCount: model.classCount, loss: loss)
  }

  /// Evaluates precomputed probabilities against `labels`.
  public init(
    probabilities: [Float], labels: [Int32], classCount: Int,
    loss: CategoricalCrossEntropy = .init()
  ) {
    let n = labels.count
    precondition(
      probabilities.count == n * classCount, "\(probabilities.count) probabilities for \(n) labels")
    precondition(
      labels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "a label outside 0..<\(classCount)")
    self.probabilities = probabilities
    var predictions = [Int](repeating: 0, count: n)
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    var total = 0.0
    probabilities.withUnsafeBufferPointer { p in
      labels.withUnsafeBufferPointer { y in
        total = loss.totalLoss(
          probabilities: p.baseAddress!, labels: y.baseAddress!, batch: n, classes: classCount)
        for i in 0..<n {
          predictions[i] = argmax(p.baseAddress! + i * classCount, classCount)
          confusion[Int(y[i])][predictions[i]] += 1
        }
      }
    }
    self.predictions = predictions
    self.confusion = confusion
    self.loss = n > 0 ? total / Double(n) : 0
    let correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
    accuracy = n > 0 ? Double(correct) / Double(n) : 0
    perClass = (0..<classCount).map { k in
      let truePositives = Double(confusion[k][k])
      let predicted = Double((0..<classCount).reduce(0) { $0 + confusion[$1][k] })
      let actual = confusion[k].reduce(0, +)
      let precision = predicted > 0 ? truePositives / predicted : 0
      let recall = actual > 0 ? truePositives / Double(actual) : 0
      let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
      return ClassMetrics(precision: precision, recall: recall, f1: f1, support: actual)
    }
  }
}
