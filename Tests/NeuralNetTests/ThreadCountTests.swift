import Foundation
import XCTest

@testable import NeuralNet

/// Whether a run on two threads trains what a run on one thread trains (issue 27: `report run
/// baseline` on 2 threads reached 99.24% test accuracy where a 1-thread run of the same seed had
/// reached 99.59%). Only the order of floating-point sums may differ with the thread count.
final class ThreadCountTests: XCTestCase {
  override func tearDown() {
    Parallel.workers = Parallel.allCores
    super.tearDown()
  }

  /// The paper's augmentation (rotation 15 degrees, zoom 0.01, shifts 0.1).
  private let paperAugmentation = RandomAffine(
    rotationDegrees: 15, zoom: 0.01, widthShift: 0.1, heightShift: 0.1)

  func testTheAugmentedBatchIsBitIdenticalOnOneAndTwoThreads() throws {
    let (train, _) = try mnistExamples(train: 128, test: 1)
    var input = [Float](repeating: 0, count: 128 * 784)
    input.withUnsafeMutableBufferPointer { train.copy(0..<128, to: $0.baseAddress!) }
    func augmented(threads: Int) -> [Float] {
      Parallel.workers = threads
      var generator = SeededGenerator(seed: 42)
      var output = [Float](repeating: 0, count: 128 * 784)
      output.withUnsafeMutableBufferPointer { out in
        paperAugmentation.apply(
          input, into: out.baseAddress!, count: 128, shape: train.shape, generator: &generator)
      }
      return output
    }
    let one = augmented(threads: 1)
    XCTAssertEqual(one, augmented(threads: 2))
    XCTAssertNotEqual(one, input, "the augmentation changed nothing")
  }

  /// One training step's gradients and moving statistics. (After an Adam step the weights
  /// themselves may differ by twice the learning rate where a gradient is near zero: Adam's first
  /// steps follow the gradient's sign, which rounding may flip. That is Adam, not the threads.)
  func testOneStepOfThePaperModelAgreesOnOneAndTwoThreadsToRounding() throws {
    let (train, _) = try mnistExamples(train: 128, test: 1)
    var input = [Float](repeating: 0, count: 128 * 784)
    input.withUnsafeMutableBufferPointer { train.copy(0..<128, to: $0.baseAddress!) }
    func oneStep(threads: Int) throws -> [String: [Float]] {
      Parallel.workers = threads
      var generator = SeededGenerator(seed: 42)
      var augmented = [Float](repeating: 0, count: input.count)
      augmented.withUnsafeMutableBufferPointer {
        paperAugmentation.apply(
          input, into: $0.baseAddress!, count: 128, shape: train.shape, generator: &generator)
      }
      let model = try Sequential(
        inputShape: [28, 28, 1], layers: OneDNNEngineTests.paperModel.layers(), seed: 5)
      model.engine = .oneDNN(.fp32)
      let step = augmented.withUnsafeBufferPointer { x in
        train.labels.withUnsafeBufferPointer {
          model.trainStep(x.baseAddress!, labels: $0.baseAddress!, batch: 128, loss: .init())
        }
      }
      var results = ["loss": [Float(step.loss)]]
      for (name, parameter) in model.namedParameters {
        results[name] =
          parameter.isTrainable
          ? parameter.gradient.array(parameter.count) : parameter.value.array(parameter.count)
      }
      return results
    }
    let one = try oneStep(threads: 1)
    let two = try oneStep(threads: 2)
    XCTAssertEqual(Set(one.keys), Set(two.keys))
    XCTAssertGreaterThan(one.count, 20, "gradients and moving statistics of every layer")
    for (name, a) in one {
      let b = try XCTUnwrap(two[name])
      let scale = a.map(abs).max() ?? 0
      XCTAssertGreaterThan(scale, 0, "\(name) is zero: the comparison checks nothing")
      let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
      // Sums in another order: a few ulps of the largest value (as `report check` allows fp32).
      XCTAssertLessThan(difference, 1e-4 * scale, "\(name) differs at 1 and 2 threads")
    }
  }
}
