import Foundation
import NeuralNet
import XCTest

@testable import ErrorAnalysis

/// The findings a report's Errors section shows, on a real trained model's test probabilities:
/// each checked against a plain recount of the evaluation.
final class ErrorFindingsTests: XCTestCase {
  private func trained() throws -> (TrainedDigitModel, Evaluation, [Int32]) {
    let trained = try TrainedDigitModel.shared.get()
    let labels = trained.test.labels
    let evaluation = Evaluation(
      probabilities: trained.testProbabilities, labels: labels, classCount: 10)
    return (trained, evaluation, labels)
  }

  func testConfusedPairsAreTheConfusionMatrixsLargestOffDiagonalCells() throws {
    let (_, evaluation, labels) = try trained()
    let pairs = Mistakes.confusedPairs(evaluation, labels: labels)
    var cells: [ConfusedPair] = []
    for truth in 0..<10 {
      for predicted in 0..<10 where predicted != truth && evaluation.confusion[truth][predicted] > 0
      {
        cells.append(
          ConfusedPair(
            truth: truth, predicted: predicted, count: evaluation.confusion[truth][predicted],
            examples: []))
      }
    }
    cells.sort { ($0.count, -$0.truth, -$0.predicted) > ($1.count, -$1.truth, -$1.predicted) }
    XCTAssertGreaterThanOrEqual(cells.count, 10, "the model makes at least ten kinds of mistake")
    XCTAssertEqual(pairs.map(\.truth), cells.prefix(10).map(\.truth))
    XCTAssertEqual(pairs.map(\.predicted), cells.prefix(10).map(\.predicted))
    XCTAssertEqual(pairs.map(\.count), cells.prefix(10).map(\.count))
    for pair in pairs {
      XCTAssertEqual(pair.examples.count, min(3, pair.count))
      let confidences = pair.examples.map { evaluation.probabilities[$0 * 10 + pair.predicted] }
      XCTAssertEqual(confidences, confidences.sorted(by: >), "most confident first")
      for n in pair.examples {
        XCTAssertEqual(Int(labels[n]), pair.truth)
        XCTAssertEqual(evaluation.predictions[n], pair.predicted)
      }
    }
  }

  func testTheHardestAreTheSixteenHighestLosses() throws {
    let (_, evaluation, labels) = try trained()
    let hardest = Mistakes.hardest(evaluation, labels: labels)
    let losses = labels.indices.map {
      -log(Double(max(evaluation.probabilities[$0 * 10 + Int(labels[$0])], 1e-30)))
    }
    let expected = losses.indices.sorted { (losses[$0], -$0) > (losses[$1], -$1) }.prefix(16)
    XCTAssertEqual(hardest.map(\.index), Array(expected))
    for example in hardest {
      XCTAssertEqual(example.loss, losses[example.index], accuracy: 1e-9)
      XCTAssertEqual(example.predicted, evaluation.predictions[example.index])
      XCTAssertEqual(
        example.probability,
        Double(evaluation.probabilities[example.index * 10 + example.predicted]), accuracy: 1e-9)
    }
  }

  func testSuspectsRankEveryLabelByConfidentLearningAndSuggestTheBestOtherClass() throws {
    let (trained, evaluation, labels) = try trained()
    let findings = ErrorFindings(
      evaluation: evaluation, labels: labels,
      validation: (trained.validationProbabilities, trained.validation.labels))
    let learning = ConfidentLearning(
      probabilities: evaluation.probabilities, labels: labels, classCount: 10)
    XCTAssertEqual(findings.suspects.count, labels.count)
    XCTAssertEqual(Set(findings.suspects.map(\.index)), Set(labels.indices))
    XCTAssertEqual(findings.suspects.map(\.score), findings.suspects.map(\.score).sorted())
    XCTAssertEqual(findings.flaggedCount, learning.issues.filter { $0 }.count)
    XCTAssertGreaterThan(findings.flaggedCount, 0)
    for suspect in findings.suspects.prefix(200) {
      let row = Array(evaluation.probabilities[(suspect.index * 10)..<((suspect.index + 1) * 10)])
      XCTAssertEqual(suspect.score, learning.selfConfidence[suspect.index])
      XCTAssertEqual(suspect.flagged, learning.issues[suspect.index])
      XCTAssertEqual(suspect.given, Int(labels[suspect.index]))
      let others = row.indices.filter { $0 != suspect.given }
      XCTAssertEqual(row[suspect.suggested], others.map { row[$0] }.max())
      XCTAssertNotEqual(suspect.suggested, suspect.given)
    }
    // Calibration: fitted on validation, applied to test; nil without validation data.
    let scaling = try XCTUnwrap(findings.calibration.scaling)
    XCTAssertEqual(
      scaling.temperature,
      TemperatureScaling(
        fitting: trained.validationProbabilities, labels: trained.validation.labels, classCount: 10
      ).temperature)
    XCTAssertNotNil(findings.calibration.scaledReliability)
    let unscaled = ErrorFindings(evaluation: evaluation, labels: labels, validation: nil)
    XCTAssertNil(unscaled.calibration.scaling)
    XCTAssertNil(unscaled.calibration.scaledReliability)
  }
}
