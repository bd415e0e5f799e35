import XCTest

@testable import NeuralNet

final class WeightAverageTests: XCTestCase {
  /// Keras 3's rule: the first step copies the weights, every later one blends them in.
  func testAverageFollowsKerasUpdateRule() throws {
    let model = try Sequential(inputShape: [1], layers: [Dense(units: 1)], seed: 0)
    let parameters = model.trainableParameters
    let average = WeightAverage(momentum: 0.9)
    let kernel = parameters[0].value.pointer
    kernel[0] = 2
    average.update(parameters)
    kernel[0] = 4
    average.update(parameters)
    average.useAverages(parameters)
    XCTAssertEqual(kernel[0], 0.9 * 2 + 0.1 * 4, accuracy: 1e-6)
    average.useLiveWeights(parameters)
    XCTAssertEqual(kernel[0], 4)
    average.useLiveWeights(parameters)
    XCTAssertEqual(kernel[0], 4, "putting the live weights back twice changes nothing")
  }

  /// A frozen tensor's average is the value copied at the first update, never blended again.
  func testAFrozenTensorKeepsItsFirstCopy() throws {
    let model = try Sequential(inputShape: [1], layers: [Dense(units: 1)], seed: 0)
    let parameters = model.trainableParameters
    let average = WeightAverage(momentum: 0.9)
    let kernel = parameters[0].value.pointer
    kernel[0] = 0.3
    average.update(parameters)
    parameters[0].isFrozen = true
    kernel[0] = 4
    average.update(parameters)
    average.useAverages(parameters)
    XCTAssertEqual(kernel[0], 0.3, "the frozen kernel's average was not blended")
    average.useLiveWeights(parameters)
    parameters[0].isFrozen = false
    average.update(parameters)
    average.useAverages(parameters)
    XCTAssertEqual(kernel[0], 0.9 * 0.3 + 0.1 * 4, accuracy: 1e-6, "unfrozen, it blends again")
  }

  /// Validation scores the averaged weights, and a finished run keeps them.
  func testValidationAndTheFinishedModelUseTheAverages() throws {
    let (train, validation) = try mnistExamples(train: 600, test: 200)
    let model = try smallCNN(seed: 5)
    let average = WeightAverage(momentum: 0.99)
    let optimizer = Adam(weightAverage: average)
    let state = try Trainer(model: model, optimizer: optimizer, batchSize: 50, seed: 5).fit(
      train, validation: validation, epochs: 2)
    let evaluation = Evaluation(model: model, examples: validation)
    XCTAssertEqual(evaluation.accuracy, state.history[1].valAccuracy!, accuracy: 1e-12)
    XCTAssert(average.holdsAverages)
    let averaged = model.predict(validation)
    average.useLiveWeights(model.trainableParameters)
    XCTAssert(model.predict(validation) != averaged, "the live weights are the average")
  }

  func testResumedRunWithAverageMatchesUnbrokenRun() throws {
    try assertResumedRunMatchesUnbrokenRun(optimizer: {
      Adam(weightAverage: WeightAverage(momentum: 0.9))
    })
  }

  func testCheckpointWithoutAnAverageIsRefusedByName() throws {
    let optimizer = Adam(weightAverage: WeightAverage(momentum: 0.999))
    XCTAssertThrowsError(try optimizer.importState(Adam().exportState())) { error in
      XCTAssert("\(error)".contains("training.ema"), "\(error)")
    }
  }
}
