import XCTest

@testable import NeuralNet

final class LearningRateScheduleTests: XCTestCase {
  private func state(_ optimizer: Optimizer) throws -> TrainingState {
    TrainingState(
      model: try Sequential(inputShape: [2], layers: [Dense(units: 2)], seed: 0),
      optimizer: optimizer)
  }

  func testExponentialDecay() throws {
    let state = try state(Adam())
    let decay = ExponentialDecay(initialLearningRate: 0.1, decayRate: 0.5)
    decay.epochWillBegin(3, state: state)
    XCTAssertEqual(state.optimizer.learningRate, 0.025, accuracy: 1e-7)
  }

  /// Keras `CosineDecay(alpha)` / PyTorch `CosineAnnealingLR(eta_min)`: peak, midpoint, floor.
  func testCosineDecayFromPeakToFloor() {
    let cosine = CosineDecay(peakLearningRate: 0.1, minLearningRate: 0.02, epochs: 10)
    XCTAssertEqual(
      cosine.learningRate(step: 0, totalSteps: 100, warmupSteps: 0), 0.1, accuracy: 1e-12)
    XCTAssertEqual(
      cosine.learningRate(step: 50, totalSteps: 100, warmupSteps: 0), 0.06, accuracy: 1e-12)
    XCTAssertEqual(
      cosine.learningRate(step: 100, totalSteps: 100, warmupSteps: 0), 0.02, accuracy: 1e-12)
  }

  func testCosineWarmupRisesLinearlyThenDecays() throws {
    let cosine = CosineDecay(peakLearningRate: 0.1, warmupEpochs: 1, epochs: 3)
    let state = try state(Adam())
    var rates: [Float] = []
    for epoch in 1...3 {
      for batch in 0..<4 {
        cosine.batchWillBegin(batch, of: 4, epoch: epoch, state: state)
        rates.append(state.optimizer.learningRate)
      }
    }
    for (rate, expected) in zip(rates, [0.025, 0.05, 0.075, 0.1]) {
      XCTAssertEqual(Double(rate), expected, accuracy: 1e-7, "warmup")
    }
    XCTAssertEqual(Double(rates[4]), 0.1, accuracy: 1e-7)
    XCTAssertEqual(Double(rates[8]), 0.05, accuracy: 1e-7, "half way through the decay")
    XCTAssert(zip(rates[4...], rates[5...]).allSatisfy { $0 > $1 }, "falls after the warmup")
  }

  /// PyTorch `OneCycleLR` defaults (pct_start 0.3, div_factor 25, final_div_factor 1e4, momentum
  /// 0.95 -> 0.85 -> 0.95) on 101 steps: phase ends at step 29.3 and 100.
  func testOneCycleMatchesPyTorchPhases() {
    let cycle = OneCycle(peakLearningRate: 0.01, epochs: 1)
    let start = cycle.values(step: 0, totalSteps: 101)
    XCTAssertEqual(start.learningRate, 0.0004, accuracy: 1e-12)
    XCTAssertEqual(start.momentum!, 0.95, accuracy: 1e-12)
    // PyTorch's first phase: pct = step / 29.3; at step 29 it is 0.98976.
    let nearPeak = cycle.values(step: 29, totalSteps: 101)
    let pct = 29.0 / 29.3
    XCTAssertEqual(
      nearPeak.learningRate, 0.01 + (0.0004 - 0.01) / 2 * (1 + cos(.pi * pct)), accuracy: 1e-12)
    let end = cycle.values(step: 100, totalSteps: 101)
    XCTAssertEqual(end.learningRate, 0.0004 / 1e4, accuracy: 1e-15)
    XCTAssertEqual(end.momentum!, 0.95, accuracy: 1e-12)
    let middle = cycle.values(step: 65, totalSteps: 101)
    let pct2 = (65 - 29.3) / (100 - 29.3)
    XCTAssertEqual(
      middle.learningRate, 0.01 * 1e-6 * 4 + (0.01 - 4e-8) / 2 * (1 + cos(.pi * pct2)),
      accuracy: 1e-12)
    XCTAssertEqual(
      middle.momentum!, 0.95 + (0.85 - 0.95) / 2 * (1 + cos(.pi * pct2)), accuracy: 1e-12)
  }

  func testOneCycleMovesAdamBeta1AndSGDMomentumOnlyWhenItHasOne() throws {
    let cycle = OneCycle(peakLearningRate: 0.01, epochs: 1)
    let adam = Adam()
    cycle.batchWillBegin(0, of: 10, epoch: 1, state: try state(adam))
    XCTAssertEqual(adam.beta1, 0.95, accuracy: 1e-7)
    XCTAssertEqual(adam.learningRate, 0.0004, accuracy: 1e-9)
    let plain = SGD()
    cycle.batchWillBegin(0, of: 10, epoch: 1, state: try state(plain))
    XCTAssertEqual(plain.momentum, 0, "plain SGD stays plain")
    let fixed = OneCycle(peakLearningRate: 0.01, epochs: 1, momentum: nil)
    let other = Adam()
    fixed.batchWillBegin(3, of: 10, epoch: 1, state: try state(other))
    XCTAssertEqual(other.beta1, 0.9)
  }

  /// The trainer asks before every step, and records the rate of each epoch's first step.
  func testTrainerSetsTheRateBeforeEveryStep() throws {
    let (train, _) = try mnistExamples(train: 200, test: 1)
    let model = try smallCNN(seed: 2)
    let optimizer = SGD(learningRate: 0.5)
    let cosine = CosineDecay(peakLearningRate: 0.05, epochs: 2)
    let state = try Trainer(
      model: model, optimizer: optimizer, batchSize: 50, callbacks: [cosine], seed: 2
    ).fit(train, validation: nil, epochs: 2)
    XCTAssertEqual(state.history[0].learningRate, 0.05, accuracy: 1e-7)
    XCTAssertEqual(
      state.history[1].learningRate,
      cosine.learningRate(step: 4, totalSteps: 8, warmupSteps: 0), accuracy: 1e-7)
    XCTAssertEqual(
      Double(optimizer.learningRate), cosine.learningRate(step: 7, totalSteps: 8, warmupSteps: 0),
      accuracy: 1e-7)
  }
}
