import Foundation
import NeuralNet
import TestSupport
import XCTest

@testable import ExperimentDefinitions

final class ScheduleConfigTests: XCTestCase {
  private let model = "model:\n  - flatten\n  - dense: {units: 10, activation: softmax}\n"

  private func load(_ training: String) throws -> Experiment {
    let dir = try scratch(name)
    try write(model + "training:\n" + training, to: "\(dir)/x.yaml")
    return try ExperimentLibrary(directory: dir).load("x")
  }

  func testCosineOneCycleAndAverageDecodeWithTheirDefaults() throws {
    let cosine = try load("  schedule: {name: cosine, warmup_epochs: 2, min_lr: 0.00001}\n")
    XCTAssertEqual(cosine.training.schedule, .cosine(warmupEpochs: 2, minLearningRate: 1e-5))
    XCTAssertNil(cosine.training.ema)
    let cycle = try load("  schedule: {name: one_cycle}\n  ema: 0.999\n")
    XCTAssertEqual(
      cycle.training.schedule,
      .oneCycle(warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4, momentum: 0.85...0.95))
    XCTAssertEqual(cycle.training.ema, 0.999)
    let optimizer = cycle.training.optimizer.make(ema: cycle.training.ema)
    XCTAssertEqual(optimizer.weightAverage?.momentum, 0.999)
    let fixed = try load("  schedule: {name: one_cycle, cycle_momentum: false}\n")
    XCTAssertEqual(
      fixed.training.schedule,
      .oneCycle(warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4, momentum: nil))
  }

  func testScheduleErrorsNameTheLineAndTheRival() throws {
    let cases: [(String, String)] = [
      (
        "  schedule: {name: step}\n",
        "5:20: training.schedule.name must be one of cosine, one_cycle"
      ),
      (
        "  exponential_decay: 0.9\n  schedule: {name: cosine}\n",
        "6:13: training.schedule and training.exponential_decay both set the learning rate"
      ),
      (
        "  reduce_lr_on_plateau: {factor: 0.5}\n  schedule: {name: one_cycle}\n",
        "training.schedule and training.reduce_lr_on_plateau both set the learning rate"
      ),
      (
        "  epochs: 3\n  schedule: {name: cosine, warmup_epochs: 3}\n",
        "training.schedule.warmup_epochs (3) must be below training.epochs (3)"
      ),
      (
        "  schedule: {name: one_cycle, base_momentum: 0.97}\n",
        "base_momentum (0.97) must not exceed max_momentum (0.95)"
      ),
      ("  schedule: {name: cosine, warmup: 1}\n", "unknown key 'warmup' in training.schedule"),
      ("  ema: 1.5\n", "5:8: training.ema must be in"),
    ]
    for (training, expected) in cases {
      XCTAssertThrowsError(try load(training), training) { error in
        XCTAssert("\(error)".contains(expected), "\(error)\n  expected: \(expected)")
        XCTAssert("\(error)".contains("x.yaml:"), "\(error)")
      }
    }
  }
}
