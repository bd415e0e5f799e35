import NeuralNet

/// A test example whose given label confident learning doubts.
public struct SuspectLabel: Equatable, Sendable {
  public var index: Int
  /// The label the data set gives, and the class the model finds most likely besides it.
  public var given: Int, suggested: Int
  /// The label's quality: p(given), cleanlab's self-confidence. Lower is more suspect.
  public var score: Double
  /// Whether confident learning flags it as a label issue (prune by noise rate).
  public var flagged: Bool
}

extension SuspectLabel {
  /// Every example's label as confident learning judges it from out-of-sample `probabilities`
  /// (`classCount` per example), most suspect first: lowest self-confidence, ties by index.
  public static func ranked(probabilities: [Float], labels: [Int32], classCount: Int)
    -> [SuspectLabel]
  {
    let learning = ConfidentLearning(
      probabilities: probabilities, labels: labels, classCount: classCount)
    let issues = learning.issues
    let scores = learning.selfConfidence
    return labels.indices.map { n in
      SuspectLabel(
        index: n, given: Int(labels[n]), suggested: learning.likeliestOther(n), score: scores[n],
        flagged: issues[n])
    }
    .sorted { ($0.score, $0.index) < ($1.score, $1.index) }
  }
}

/// The calibration of a model's test probabilities, before and after temperature scaling.
public struct CalibrationFindings: Sendable {
  /// On the test set as the model gives them.
  public let reliability: Reliability
  /// The temperature fitted on the validation set and the test reliability after it; nil when
  /// there are no validation probabilities to fit it on.
  public let scaling: TemperatureScaling?
  public let scaledReliability: Reliability?
}

/// What the Errors section of a report says that follows from the test probabilities alone:
/// the most-confused pairs, the hardest examples, calibration and suspect labels.
public struct ErrorFindings: Sendable {
  /// The ten most frequent confusions, three examples each.
  public let confusedPairs: [ConfusedPair]
  /// The 16 test examples with the highest loss.
  public let hardest: [HardExample]
  public let calibration: CalibrationFindings
  /// Every test example, most suspect label first (lowest self-confidence; ties by index).
  public let suspects: [SuspectLabel]
  /// How many labels confident learning flags.
  public var flaggedCount: Int { suspects.lazy.filter(\.flagged).count }

  /// The findings for `evaluation` of test examples labelled `labels`; `validation`, the
  /// model's probabilities on its validation set and their labels, fits the temperature.
  public init(
    evaluation: Evaluation, labels: [Int32],
    validation: (probabilities: [Float], labels: [Int32])?
  ) {
    let classCount = evaluation.confusion.count
    confusedPairs = Mistakes.confusedPairs(evaluation, labels: labels)
    hardest = Mistakes.hardest(evaluation, labels: labels)
    let scaling = validation.map {
      TemperatureScaling(fitting: $0.probabilities, labels: $0.labels, classCount: classCount)
    }
    calibration = CalibrationFindings(
      reliability: Reliability(
        probabilities: evaluation.probabilities, labels: labels, classCount: classCount),
      scaling: scaling,
      scaledReliability: scaling.map {
        Reliability(
          probabilities: $0.apply(evaluation.probabilities, classCount: classCount),
          labels: labels, classCount: classCount)
      })
    suspects = SuspectLabel.ranked(
      probabilities: evaluation.probabilities, labels: labels, classCount: classCount)
  }
}
