import Foundation
import NeuralNet
import XCTest

@testable import ErrorAnalysis

/// The saliency maps pass the checks issue 23 sets, on a trained model and 100 test digits:
/// the deletion test and Adebayo et al.'s weight randomisation.
final class SaliencyTests: XCTestCase {
  func testGradCAMIsChosenWhereAConvolutionMapIsLargeEnoughAndGradientTimesInputOtherwise() throws {
    let trained = try TrainedDigitModel.shared.get()
    // Its second convolution gives 11x11.
    XCTAssertEqual(Saliency(for: trained.model).method, .gradCAM(layer: 3))
    let dense = try Sequential(
      inputShape: [28, 28, 1], layers: [Flatten(), Dense(units: 10, activation: .softmax)], seed: 1)
    XCTAssertEqual(Saliency(for: dense).method, .gradientTimesInput)
  }

  func testBothMethodsPassTheDeletionTest() throws {
    let trained = try TrainedDigitModel.shared.get()
    let inputs = trained.testInputs(0..<100)
    for saliency in [Saliency(for: trained.model), Saliency(method: .gradientTimesInput)] {
      let deletion = SaliencyChecks.deletion(saliency, model: trained.model, inputs: inputs)
      XCTAssert(deletion.passes, "\(saliency.method): \(deletion)")
    }
  }

  func testRandomisingTheWeightsChangesTheMaps() throws {
    let trained = try TrainedDigitModel.shared.get()
    let inputs = trained.testInputs(0..<100)
    let fresh = try TrainedDigitModel.architecture(seed: 99)
    for saliency in [Saliency(for: trained.model), Saliency(method: .gradientTimesInput)] {
      let correlation = SaliencyChecks.randomisationCorrelation(
        saliency, model: trained.model, randomised: fresh, inputs: inputs)
      XCTAssertLessThan(correlation, 0.5, "\(saliency.method): \(correlation)")
    }
  }

  func testResizingKeepsAConstantMapAndItsCorners() {
    XCTAssertEqual(
      Saliency.resize([2, 2, 2, 2], rows: 2, columns: 2, toRows: 4, columns: 4),
      [Float](repeating: 2, count: 16))
    let resized = Saliency.resize([0, 1, 2, 3], rows: 2, columns: 2, toRows: 4, columns: 4)
    XCTAssertEqual(resized.first, 0)
    XCTAssertEqual(resized.last, 3)
    // Half-pixel centres: output column 1 sits at input column 0.25.
    XCTAssertEqual(resized[1], 0.25, accuracy: 1e-6)
  }
}
