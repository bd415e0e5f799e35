import Datasets
import Foundation
import XCTest

@testable import NeuralNet

let mnistDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/mnist").path

/// Real MNIST examples: the first `train` training and `test` test images.
func mnistExamples(train: Int, test: Int) throws -> (Examples, Examples) {
  let (trainSet, testSet) = try IDXDataset.mnist.load(
    directory: mnistDirectory, verifyChecksums: false)
  let a = trainSet.subset(Array(0..<train))
  let b = testSet.subset(Array(0..<test))
  return (
    try Examples(pixels: a.pixels, labels: a.labels, shape: [28, 28, 1]),
    try Examples(pixels: b.pixels, labels: b.labels, shape: [28, 28, 1])
  )
}

func smallCNN(seed: UInt64) throws -> Sequential {
  try Sequential(
    inputShape: [28, 28, 1],
    layers: [
      // Momentum 0.9: with 0.99 (Keras default) the moving statistics need ~500 steps to settle.
      Conv2D(filters: 8, kernelSize: (3, 3), activation: .relu), MaxPool2D(),
      BatchNormalization(momentum: 0.9),
      Conv2D(filters: 16, kernelSize: (3, 3), stride: (2, 2), padding: .same, activation: .relu),
      Flatten(), Dropout(rate: 0.1), Dense(units: 10, activation: .softmax),
    ], seed: seed)
}

/// Trains 2 epochs unbroken, and 1 epoch, a checkpoint's round trip into fresh objects, then the
/// second; both must give the same losses, validation scores and predictions.
func assertResumedRunMatchesUnbrokenRun(
  optimizer: () -> Optimizer, file: StaticString = #filePath, line: UInt = #line
) throws {
  let (train, validation) = try mnistExamples(train: 300, test: 100)
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
  XCTAssertEqual(rest.history.map(\.loss), full.history.map(\.loss), file: file, line: line)
  XCTAssertEqual(
    rest.history.map(\.valAccuracy), full.history.map(\.valAccuracy), file: file, line: line)
  XCTAssert(
    resumed.predict(validation) == unbroken.predict(validation), "predictions differ", file: file,
    line: line)
}

final class TrainingTests: XCTestCase {
  func testSmallCNNLearnsRealMNIST() throws {
    let (train, test) = try mnistExamples(train: 4000, test: 1000)
    let model = try smallCNN(seed: 1)
    let trainer = Trainer(model: model, optimizer: Adam(), batchSize: 64, seed: 1)
    let state = try trainer.fit(train, validation: test, epochs: 3)
    XCTAssertEqual(state.history.count, 3)
    XCTAssertLessThan(state.history[2].loss, state.history[0].loss)
    let evaluation = Evaluation(model: model, examples: test)
    XCTAssertGreaterThan(evaluation.accuracy, 0.9, "chance is 0.1")
    XCTAssertEqual(evaluation.accuracy, state.history[2].valAccuracy!, accuracy: 1e-9)
  }

  func testSameSeedGivesBitIdenticalRuns() throws {
    let (train, validation) = try mnistExamples(train: 600, test: 200)
    func run() throws -> ([EpochMetrics], [Float]) {
      let model = try smallCNN(seed: 7)
      let trainer = Trainer(
        model: model, optimizer: Adam(), batchSize: 50,
        augmentation: RandomAffine(
          rotationDegrees: 15, zoom: 0.01, widthShift: 0.1, heightShift: 0.1), seed: 7)
      let history = try trainer.fit(train, validation: validation, epochs: 2).history
      return (history, model.predict(validation))
    }
    let (a, pa) = try run()
    let (b, pb) = try run()
    XCTAssertEqual(a.map(\.loss), b.map(\.loss))
    XCTAssertEqual(a.map(\.valAccuracy), b.map(\.valAccuracy))
    XCTAssert(pa == pb, "predictions differ")
  }

  func testResumedRunMatchesUnbrokenRun() throws {
    try assertResumedRunMatchesUnbrokenRun(optimizer: { Adam() })
  }

  func testNonFiniteLossFailsTheRun() throws {
    let (train, _) = try mnistExamples(train: 100, test: 1)
    let model = try smallCNN(seed: 1)
    let trainer = Trainer(model: model, optimizer: SGD(learningRate: 1e30), batchSize: 50, seed: 1)
    let state = try trainer.fit(train, validation: nil, epochs: 5)
    guard case .failed(let reason) = state.outcome else {
      return XCTFail("outcome \(state.outcome)")
    }
    XCTAssert(reason.contains("NaN or infinite"), reason)
    XCTAssertLessThan(state.history.count, 5)
  }

  func testCancellationInterrupts() throws {
    let (train, _) = try mnistExamples(train: 100, test: 1)
    let trainer = Trainer(model: try smallCNN(seed: 1), optimizer: Adam(), batchSize: 50, seed: 1)
    var batches = 0
    trainer.isCancelled = {
      batches += 1
      return batches == 3
    }
    let state = try trainer.fit(train, validation: nil, epochs: 5)
    XCTAssertEqual(state.outcome, .interrupted)
    XCTAssertEqual(state.history.count, 1)
  }

  func testImagesHeldAsBytesTrainExactlyAsTheirScaledFloats() throws {
    let (bytes, validation) = try mnistExamples(train: 256, test: 100)
    var scaled = [Float](repeating: 0, count: bytes.count * 784)
    scaled.withUnsafeMutableBufferPointer { bytes.copy(0..<bytes.count, to: $0.baseAddress!) }
    XCTAssertEqual(scaled[0..<784].max(), 1, "a digit has full-ink pixels, 255 / 255")
    let floats = try Examples(inputs: scaled, labels: bytes.labels, shape: [28, 28, 1])
    func run(_ train: Examples) throws -> ([Double], [Float]) {
      let model = try smallCNN(seed: 3)
      let trainer = Trainer(model: model, optimizer: Adam(), batchSize: 64, seed: 3)
      let history = try trainer.fit(train, validation: validation, epochs: 2).history
      return (history.map(\.loss), model.predict(validation))
    }
    let (byteLosses, bytePredictions) = try run(bytes)
    let (floatLosses, floatPredictions) = try run(floats)
    XCTAssertEqual(byteLosses, floatLosses)
    XCTAssertTrue(bytePredictions == floatPredictions)
    XCTAssertEqual(bytes.prefix(10).count, 10)
    XCTAssertThrowsError(try Examples(pixels: [1, 2, 3], labels: [0], shape: [2]))
  }

  func testALastLayerNarrowerThanTheClassesIsAnErrorNamingIt() throws {
    let model = try Sequential(
      inputShape: [2, 2, 1], layers: [Flatten(), Dense(units: 7)], seed: 1)
    let examples = try Examples(
      inputs: [Float](repeating: 0.5, count: 8), labels: [3, 9], shape: [2, 2, 1])
    XCTAssertThrowsError(
      try Trainer(model: model, optimizer: Adam()).fit(examples, validation: nil, epochs: 1)
    ) { error in
      XCTAssertEqual(
        (error as? NeuralNetError)?.description,
        "invalid training data: the labels run from 3 to 9, but the last layer (dense) has 7 "
          + "outputs, one per class: it needs at least 10")
    }
  }

  func testWrongShapesAreRejected() throws {
    let model = try smallCNN(seed: 1)
    let examples = try Examples(
      inputs: [Float](repeating: 0, count: 8), labels: [0, 1], shape: [2, 2, 1])
    XCTAssertThrowsError(
      try Trainer(model: model, optimizer: Adam()).fit(examples, validation: nil, epochs: 1))
    XCTAssertThrowsError(try Examples(inputs: [1, 2, 3], labels: [0], shape: [2]))
  }
}
