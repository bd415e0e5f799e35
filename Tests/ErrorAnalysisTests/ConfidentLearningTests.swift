import Foundation
import NeuralNet
import XCTest

@testable import ErrorAnalysis

/// Label quality scores and flagged label issues equal cleanlab 2.9's on a trained model's
/// probabilities: with the test set's own labels, and with 5% of them changed to another class.
final class ConfidentLearningTests: XCTestCase {
  private func assertAgreesWithCleanlab(labels: [Int32]?, minimumFlagged: Int) throws {
    let trained = try TrainedDigitModel.shared.get()
    let given = labels ?? trained.test.labels
    let judged = try ErrorAnalysisJudge.judge(trained, labels: labels)
    let analysis = ConfidentLearning(
      probabilities: trained.testProbabilities, labels: given, classCount: 10)
    XCTAssertEqual(analysis.selfConfidence.count, judged.selfConfidence.count)
    for (mine, theirs) in zip(analysis.selfConfidence, judged.selfConfidence) {
      XCTAssertEqual(mine, theirs, accuracy: 1e-6)
    }
    for (mine, theirs) in zip(analysis.normalizedMargin, judged.normalizedMargin) {
      XCTAssertEqual(mine, theirs, accuracy: 1e-6)
    }
    let flagged = analysis.issues.indices.filter { analysis.issues[$0] }
    XCTAssertEqual(flagged, judged.flagged)
    XCTAssertGreaterThanOrEqual(flagged.count, minimumFlagged, "too few flagged to tell")
  }

  func testScoresAndFlaggedLabelsEqualCleanlabsOnTheTestSet() throws {
    try assertAgreesWithCleanlab(labels: nil, minimumFlagged: 5)
  }

  func testEqualCleanlabsWhenOneLabelInTwentyIsWrong() throws {
    let trained = try TrainedDigitModel.shared.get()
    var generator = SeededGenerator(seed: 3)
    let labels = trained.test.labels.map { label -> Int32 in
      guard generator.next() % 20 == 0 else { return label }
      return (label + 1 + Int32(generator.next() % 9)) % 10
    }
    try assertAgreesWithCleanlab(labels: labels, minimumFlagged: 60)
  }

  /// Values from cleanlab.internal.util.round_preserving_sum: halves to even, then the largest
  /// shortfalls raised, the later of equal ones first.
  func testRoundingPreservesTheTotalAsCleanlabDoes() {
    XCTAssertEqual(ConfidentLearning.roundPreservingSum([0.5, 0.5, 1.5, 2.5]), [0, 0, 2, 3])
    XCTAssertEqual(ConfidentLearning.roundPreservingSum([1.4, 1.4, 1.2]), [1, 2, 1])
    XCTAssertEqual(ConfidentLearning.roundPreservingSum([0.6, 0.7, 0.55]), [1, 1, 0])
  }

  /// Values from cleanlab.filter._keep_at_least_n_per_class(M, 1): a class whose diagonal is 0
  /// gets 1, and its other counts lose 1 / max(non-zero − 1, 1) each, truncated.
  func testAClassWithoutConfidentExamplesKeepsOneAsCleanlabDoes() {
    XCTAssertEqual(
      ConfidentLearning.keepAtLeastOnePerClass([[0, 0, 0], [3, 5, 0], [2, 0, 4]]),
      [[1, 0, 0], [2, 5, 0], [1, 0, 4]])
    XCTAssertEqual(
      ConfidentLearning.keepAtLeastOnePerClass([
        [0, 0, 0, 0], [2, 5, 0, 0], [1, 0, 4, 0], [1, 0, 0, 3],
      ]), [[1, 0, 0, 0], [1, 5, 0, 0], [0, 0, 4, 0], [0, 0, 0, 3]])
  }
}
