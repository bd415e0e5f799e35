import Foundation
import NeuralNet
import TestSupport
import XCTest

@testable import ErrorAnalysis

/// Reliability bins, ECE and temperature scaling: by hand on small cases, and on a trained
/// model's probabilities against numpy (scripts/check-error-analysis.py).
final class CalibrationTests: XCTestCase {
  func testBinsAndECEByHand() {
    // Confidences 0.95 (right), 0.95 (wrong), 0.58 (right), 0.56 (right); two classes.
    let probabilities: [Float] = [0.95, 0.05, 0.05, 0.95, 0.58, 0.42, 0.44, 0.56]
    let reliability = Reliability(
      probabilities: probabilities, labels: [0, 0, 0, 1], classCount: 2)
    XCTAssertEqual(reliability.bins.count, 10)
    XCTAssertEqual(reliability.bins[9].count, 2)
    XCTAssertEqual(reliability.bins[9].accuracy, 0.5)
    XCTAssertEqual(reliability.bins[9].meanConfidence, 0.95, accuracy: 1e-6)
    XCTAssertEqual(reliability.bins[5].count, 2, "0.58 and 0.56 fall in (0.5, 0.6]")
    XCTAssertEqual(reliability.bins[5].meanConfidence, 0.57, accuracy: 1e-6)
    // 2/4 · |0.5 − 0.95| + 2/4 · |1 − 0.57|
    XCTAssertEqual(reliability.expectedCalibrationError, 0.44, accuracy: 1e-6)
  }

  func testTemperatureSofteningAnOverconfidentModelLowersItsNLL() {
    // Right 80% of the time at 99% confidence: the best temperature is above 1.
    var probabilities: [Float] = []
    var labels: [Int32] = []
    for n in 0..<100 {
      probabilities += [0.99, 0.01]
      labels.append(n % 5 == 0 ? 1 : 0)
    }
    let fitted = TemperatureScaling(fitting: probabilities, labels: labels, classCount: 2)
    XCTAssertGreaterThan(fitted.temperature, 1)
    // With one logit gap g = log 99, the optimum makes the scaled confidence exactly 0.8.
    let scaled = fitted.apply(probabilities, classCount: 2)
    XCTAssertEqual(Double(scaled[0]), 0.8, accuracy: 1e-5)
    XCTAssertLessThan(
      fitted.negativeLogLikelihood(probabilities, labels: labels, classCount: 2),
      TemperatureScaling(temperature: 1).negativeLogLikelihood(
        probabilities, labels: labels, classCount: 2))
    XCTAssertEqual(scaled.count, probabilities.count)
  }

  func testECEAndTemperatureOfATrainedModelAgreeWithNumpy() throws {
    let trained = try TrainedDigitModel.shared.get()
    let judged = try ErrorAnalysisJudge.judge(trained)
    let reliability = Reliability(
      probabilities: trained.testProbabilities, labels: trained.test.labels, classCount: 10)
    XCTAssertEqual(reliability.expectedCalibrationError, judged.ece, accuracy: 1e-9)
    let fitted = TemperatureScaling(
      fitting: trained.validationProbabilities, labels: trained.validation.labels, classCount: 10)
    XCTAssertEqual(fitted.temperature, judged.temperature, accuracy: 1e-5 * judged.temperature)
    let after = Reliability(
      probabilities: fitted.apply(trained.testProbabilities, classCount: 10),
      labels: trained.test.labels, classCount: 10)
    XCTAssertEqual(after.expectedCalibrationError, judged.eceScaled, accuracy: 1e-4)
    XCTAssertNotEqual(fitted.temperature, 1, accuracy: 0.01, "nothing to calibrate")
  }
}
