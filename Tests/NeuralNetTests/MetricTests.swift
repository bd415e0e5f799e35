import XCTest

@testable import NeuralNet

/// The epoch metrics by name: which field each reads, and which way is better.
final class MetricTests: XCTestCase {
  private let epoch = EpochMetrics(
    epoch: 1, loss: 0.4, accuracy: 0.8, valLoss: 0.3, valAccuracy: 0.9, learningRate: 1e-3,
    seconds: 1, imagesPerSecond: 1)

  func testEachMetricReadsItsOwnFieldByItsKerasName() {
    let values = Dictionary(
      uniqueKeysWithValues: Metric.allCases.map { ("\($0)", epoch.value(of: $0)) })
    XCTAssertEqual(
      values, ["loss": 0.4, "accuracy": 0.8, "val_loss": 0.3, "val_accuracy": 0.9])
    var withoutValidation = epoch
    (withoutValidation.valLoss, withoutValidation.valAccuracy) = (nil, nil)
    XCTAssertNil(withoutValidation.value(of: .valLoss))
    XCTAssertNil(withoutValidation.value(of: .valAccuracy))
  }

  func testAccuraciesAreMaximizedAndLossesMinimized() {
    XCTAssertEqual(Metric.allCases.filter(\.isMaximized), [.accuracy, .valAccuracy])
    XCTAssertEqual(MonitorMode.auto.resolved(for: .valAccuracy), .max)
    XCTAssertEqual(MonitorMode.auto.resolved(for: .loss), .min)
    // An explicit mode wins over the metric's own direction.
    XCTAssertEqual(MonitorMode.min.resolved(for: .accuracy), .min)
  }

  func testEarlyStoppingOnALossStopsWhenItStopsFalling() throws {
    let model = try Sequential(
      inputShape: [2], layers: [Dense(units: 2, activation: .softmax)], seed: 0)
    let state = TrainingState(model: model, optimizer: Adam())
    let stopping = EarlyStopping(monitor: .loss, patience: 1)
    stopping.trainingWillBegin(state: state)
    for (number, loss) in [0.5, 0.4, 0.45].enumerated() {
      var metrics = epoch
      (metrics.epoch, metrics.loss) = (number + 1, loss)
      state.history.append(metrics)
      stopping.epochDidEnd(metrics, state: state)
    }
    XCTAssertEqual(stopping.bestEpoch, 2)
    XCTAssertEqual(state.events, [.earlyStopped(epoch: 3, bestEpoch: 2)])
  }
}
