import Foundation
import NeuralNet

/// One kind of mistake: digits of class `truth` taken for `predicted`.
public struct ConfusedPair: Equatable, Sendable {
  public var truth: Int, predicted: Int
  /// How many test digits made this mistake.
  public var count: Int
  /// The indices of the most confident of them, most confident first.
  public var examples: [Int]
}

/// One test digit and how badly the model did on it.
public struct HardExample: Equatable, Sendable {
  public var index: Int
  public var label: Int, predicted: Int
  /// The probability the model gave its prediction.
  public var probability: Double
  /// −log p(label): the example's cross-entropy.
  public var loss: Double
}

/// What a model gets wrong, from its evaluation on a labelled set.
public enum Mistakes {
  /// The `limit` most frequent (true, predicted) pairs with `examples` digits each; ties go to
  /// the smaller true class, then the smaller predicted one.
  public static func confusedPairs(
    _ evaluation: Evaluation, labels given: [Int32], limit: Int = 10, examples: Int = 3
  ) -> [ConfusedPair] {
    let k = evaluation.confusion.count
    let labels = given.map(Int.init)
    var members: [Int: [Int]] = [:]
    for (n, predicted) in evaluation.predictions.enumerated() where predicted != labels[n] {
      members[labels[n] * k + predicted, default: []].append(n)
    }
    return members.map { key, indices in
      ConfusedPair(
        truth: key / k, predicted: key % k, count: indices.count,
        examples: Array(
          indices.sorted {
            evaluation.probabilities[$0 * k + key % k] > evaluation.probabilities[$1 * k + key % k]
          }.prefix(examples)))
    }
    .sorted { ($0.count, -$0.truth, -$0.predicted) > ($1.count, -$1.truth, -$1.predicted) }
    .prefix(limit).map { $0 }
  }

  /// The `count` examples with the highest loss, highest first (ties: the lower index).
  public static func hardest(_ evaluation: Evaluation, labels given: [Int32], count: Int = 16)
    -> [HardExample]
  {
    let k = evaluation.confusion.count
    let labels = given.map(Int.init)
    return labels.indices.map { n in
      let p = Double(evaluation.probabilities[n * k + labels[n]])
      return HardExample(
        index: n, label: labels[n], predicted: evaluation.predictions[n],
        probability: Double(evaluation.probabilities[n * k + evaluation.predictions[n]]),
        loss: -log(max(p, 1e-30)))
    }
    .sorted { ($0.loss, -$0.index) > ($1.loss, -$1.index) }
    .prefix(count).map { $0 }
  }
}
