import XCTest

@testable import NeuralNet

/// Frozen layers, `Unfreeze` and learning-rate multipliers, on both engines.
final class FreezingTests: XCTestCase {
  private func values(_ model: Sequential, _ layer: String) -> [[Float]] {
    model.namedParameters.filter { $0.name.hasPrefix(layer + ".") }.map {
      $0.parameter.value.array($0.parameter.count)
    }
  }

  func testFrozenLayersAndTheirMovingStatisticsStayAndTheOthersTrain() throws {
    let (train, validation) = try mnistExamples(train: 300, test: 100)
    for engine in [ComputeEngine.reference, .oneDNN(.fp32)] {
      let model = try smallCNN(seed: 5)
      model.engine = engine
      model.frozenLayers = ["conv2d", "batch_normalization"]
      let before = ["conv2d", "batch_normalization", "conv2d_1", "dense"].map { values(model, $0) }
      try Trainer(model: model, optimizer: Adam(), batchSize: 50, seed: 5).fit(
        train, validation: validation, epochs: 1)
      let after = ["conv2d", "batch_normalization", "conv2d_1", "dense"].map { values(model, $0) }
      XCTAssertEqual(after[0], before[0], "\(engine): a frozen conv changed")
      XCTAssertEqual(after[1], before[1], "\(engine): a frozen BatchNorm or its statistics changed")
      XCTAssertNotEqual(after[2], before[2], "\(engine): an unfrozen conv did not train")
      XCTAssertNotEqual(after[3], before[3], "\(engine): an unfrozen dense did not train")
    }
  }

  func testUnfreezeLetsEveryLayerTrainFromItsEpoch() throws {
    let (train, validation) = try mnistExamples(train: 200, test: 50)
    let model = try smallCNN(seed: 6)
    model.frozenLayers = ["conv2d"]
    var seen: [Int: [[Float]]] = [:]
    final class Watch: TrainingCallback {
      let record: (Int) -> Void
      init(_ record: @escaping (Int) -> Void) { self.record = record }
      func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) { record(metrics.epoch) }
    }
    let start = values(model, "conv2d")
    let watch = Watch { seen[$0] = self.values(model, "conv2d") }
    try Trainer(
      model: model, optimizer: Adam(), batchSize: 50, callbacks: [Unfreeze(at: 3), watch], seed: 6
    ).fit(train, validation: validation, epochs: 3)
    XCTAssertEqual(seen[1], start)
    XCTAssertEqual(seen[2], start)
    XCTAssertNotEqual(seen[3], start, "conv2d did not train in epoch 3")
    XCTAssertTrue(model.frozenLayers.isEmpty)
  }

  func testAMultiplierScalesALayersStepsAndOneLeavesThemExact() throws {
    func firstStep(_ multipliers: [String: Float]) throws -> [Float] {
      let (train, _) = try mnistExamples(train: 50, test: 1)
      let model = try smallCNN(seed: 7)
      model.engine = .reference
      model.learningRateMultipliers = multipliers
      let before = values(model, "dense")[0]
      try Trainer(model: model, optimizer: SGD(learningRate: 0.1), batchSize: 50, seed: 7).fit(
        train, validation: nil, epochs: 1)
      return zip(values(model, "dense")[0], before).map { $0 - $1 }
    }
    let plain = try firstStep([:])
    XCTAssertEqual(try firstStep(["dense": 1]), plain)
    let tenth = try firstStep(["dense": 0.1])
    for (a, b) in zip(tenth, plain) { XCTAssertEqual(a, b * 0.1, accuracy: 1e-6) }
  }
}
