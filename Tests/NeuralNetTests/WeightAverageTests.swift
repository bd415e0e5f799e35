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
    let (train, validation) = try mnistExamples(train: 300, test: 100)
    func optimizer() -> Adam { Adam(weightAverage: WeightAverage(momentum: 0.9)) }
    let unbroken = try smallCNN(seed: 3)
    let full = try Trainer(model: unbroken, optimizer: optimizer(), batchSize: 50, seed: 3).fit(
      train, validation: validation, epochs: 2)

    let first = try smallCNN(seed: 3)
    let firstOptimizer = optimizer()
    let half = try Trainer(model: first, optimizer: firstOptimizer, batchSize: 50, seed: 3).fit(
      train, validation: validation, epochs: 1)
    let weights = try SafeTensors.decode(SafeTensors.encode(first.weights())).tensors
    let saved = firstOptimizer.exportState()

    let resumed = try smallCNN(seed: 99)
    let resumedOptimizer = optimizer()
    try resumed.load(weights: weights)
    try resumedOptimizer.importState(saved)
    let state = TrainingState(model: resumed, optimizer: resumedOptimizer, history: half.history)
    let rest = try Trainer(model: resumed, optimizer: resumedOptimizer, batchSize: 50, seed: 3)
      .fit(train, validation: validation, epochs: 2, resuming: state)
    XCTAssertEqual(rest.history.map(\.loss), full.history.map(\.loss))
    XCTAssertEqual(rest.history.map(\.valAccuracy), full.history.map(\.valAccuracy))
    XCTAssert(resumed.predict(validation) == unbroken.predict(validation), "predictions differ")
  }

  func testCheckpointWithoutAnAverageIsRefusedByName() throws {
    let optimizer = Adam(weightAverage: WeightAverage(momentum: 0.999))
    XCTAssertThrowsError(try optimizer.importState(Adam().exportState())) { error in
      XCTAssert("\(error)".contains("training.ema"), "\(error)")
    }
  }
}
