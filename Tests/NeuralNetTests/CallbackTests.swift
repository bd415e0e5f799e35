import XCTest

@testable import NeuralNet

final class CallbackTests: XCTestCase {
  private func metrics(_ epoch: Int, valAccuracy: Double) -> EpochMetrics {
    EpochMetrics(
      epoch: epoch, loss: 1, accuracy: 0.9, valLoss: 1, valAccuracy: valAccuracy,
      learningRate: 1e-3, seconds: 1, imagesPerSecond: 1)
  }

  /// The paper's run: validation accuracy peaks at epoch 13, EarlyStopping(patience 10) stops at
  /// epoch 23 and ReduceLROnPlateau(factor 0.2, patience 3) cuts the rate every 3 flat epochs.
  func testPaperScheduleStopsTenEpochsAfterThePeak() throws {
    let model = try Sequential(
      inputShape: [2], layers: [Dense(units: 2, activation: .softmax)], seed: 0)
    let optimizer = Adam()
    let state = TrainingState(model: model, optimizer: optimizer)
    let stopping = EarlyStopping(monitor: .valAccuracy, patience: 10, restoreBestWeights: true)
    let plateau = ReduceLROnPlateau(
      monitor: .valAccuracy, factor: 0.2, patience: 3, minLearningRate: 1e-5)
    let callbacks: [TrainingCallback] = [stopping, plateau]
    for callback in callbacks { callback.trainingWillBegin(state: state) }
    var epoch = 0
    while !state.stopTraining {
      epoch += 1
      let value = epoch <= 13 ? 0.98 + Double(epoch) * 0.001 : 0.99
      let m = metrics(epoch, valAccuracy: value)
      state.history.append(m)
      for callback in callbacks { callback.epochDidEnd(m, state: state) }
    }
    XCTAssertEqual(epoch, 23)
    XCTAssertEqual(stopping.bestEpoch, 13)
    XCTAssert(state.events.contains(.earlyStopped(epoch: 23, bestEpoch: 13)))
    let reductions = state.events.compactMap { event -> Int? in
      if case .learningRateChanged(let e, _, _) = event { return e }
      return nil
    }
    XCTAssertEqual(reductions, [16, 19, 22])
    // 1e-3 * 0.2^3 = 8e-6, floored at the minimum.
    XCTAssertEqual(Double(optimizer.learningRate), 1e-5, accuracy: 1e-9)
  }

  func testRestoresBestWeightsAtTheEnd() throws {
    let model = try Sequential(
      inputShape: [2], layers: [Dense(units: 2, activation: .softmax)], seed: 0)
    let state = TrainingState(model: model, optimizer: Adam())
    let stopping = EarlyStopping(monitor: .valLoss, patience: 5, restoreBestWeights: true)
    stopping.trainingWillBegin(state: state)
    let kernel = model.layers[0].parameters[0]
    kernel.value.pointer[0] = 42
    let good = EpochMetrics(
      epoch: 1, loss: 1, accuracy: 0, valLoss: 0.5, valAccuracy: 0, learningRate: 0, seconds: 0,
      imagesPerSecond: 0)
    state.history.append(good)
    stopping.epochDidEnd(good, state: state)
    kernel.value.pointer[0] = -1
    var worse = good
    worse.epoch = 2
    worse.valLoss = 0.9
    state.history.append(worse)
    stopping.epochDidEnd(worse, state: state)
    stopping.trainingDidEnd(state: state)
    XCTAssertEqual(kernel.value.pointer[0], 42)
    XCTAssertEqual(state.events.last, .restoredBestWeights(epoch: 1))
  }
}
