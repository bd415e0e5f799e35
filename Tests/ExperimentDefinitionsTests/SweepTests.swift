import Foundation
import TestSupport
import XCTest

@testable import ExperimentDefinitions

/// The `sweep:` block and `--set KEY=a,b,c` grids: parsing, trial lists, and errors naming file,
/// line and key before anything runs.
final class SweepTests: XCTestCase {
  private let base = """
    seed: 5
    model:
      - conv2d: {filters: 8, kernel: 3}
      - flatten
      - dense: {units: 10, activation: softmax}
    training:
      epochs: 2
      optimizer: {name: adam, learning_rate: 0.001}

    """

  private func library(_ sweep: String, name: String = #function) throws -> ExperimentLibrary {
    let dir = try scratch(name)
    try write(base + sweep, to: "\(dir)/s.yaml")
    return ExperimentLibrary(directory: dir)
  }

  private func assertError(
    _ sweep: String, _ expected: String, overrides: [String] = [], allowLarge: Bool = false,
    name: String = #function, line: UInt = #line
  ) throws {
    let lib = try library(sweep, name: name)
    XCTAssertThrowsError(
      try lib.sweep("s", overrides: overrides, allowLarge: allowLarge), line: line
    ) { error in
      XCTAssertEqual("\(error)", "\(lib.directory)/s.yaml:" + expected, line: line)
    }
  }

  func testGridListsEveryCombinationFirstParameterSlowestSeedFastest() throws {
    let lib = try library(
      """
      sweep:
        parameters:
          training.optimizer.learning_rate: [0.01, 0.001]
          model.0.conv2d.filters: {int: [4, 6]}
        seeds: 2
      """)
    let sweep = try XCTUnwrap(try lib.sweep("s"))
    XCTAssertEqual(sweep.method, .grid)
    XCTAssertEqual(sweep.trials.count, 12)
    XCTAssertEqual(
      sweep.trials[0].overrides,
      ["training.optimizer.learning_rate=0.01", "model.0.conv2d.filters=4"])
    XCTAssertEqual(sweep.trials[1].seedIndex, 1)
    XCTAssertEqual(sweep.trials[1].settings, sweep.trials[0].settings)
    XCTAssertEqual(
      sweep.trials[11].overrides,
      ["training.optimizer.learning_rate=0.001", "model.0.conv2d.filters=6"])
    let trial = try sweep.experiment(trial: 11)
    XCTAssertEqual(trial.training.optimizer.learningRate, 0.001)
    XCTAssertEqual(
      trial.model[0],
      .conv2d(filters: 6, kernel: 3, stride: 1, padding: .valid, activation: .linear))
    XCTAssertEqual(trial.seed, 6)
    // Seeds of one configuration share the group hash; configurations do not.
    XCTAssertEqual(try sweep.experiment(trial: 10).groupHash, trial.groupHash)
    XCTAssertNotEqual(try sweep.experiment(trial: 10).configHash, trial.configHash)
    XCTAssertNotEqual(try sweep.experiment(trial: 9).groupHash, trial.groupHash)
    // The trial is exactly the experiment with the same --set values.
    let same = try lib.load("s", overrides: sweep.trials[11].overrides + ["seed=6"])
    XCTAssertEqual(same.configHash, trial.configHash)
    XCTAssertThrowsError(try sweep.experiment(trial: 12)) { error in
      XCTAssertEqual("\(error)", "sweep s has 12 trials (0...11); there is no trial 12")
    }
  }

  func testRandomTrialsAreReproducibleAndInsideTheirDistributions() throws {
    let sweep = """
      sweep:
        method: random
        trials: 20
        parameters:
          training.optimizer.learning_rate: {log_uniform: [0.0001, 0.1]}
          training.label_smoothing: {uniform: [0, 0.2]}
          training.batch_size: {choice: [32, 64, 128]}
          model.0.conv2d.filters: {int: [2, 5]}
      """
    let first = try XCTUnwrap(try library(sweep).sweep("s"))
    let again = try XCTUnwrap(try library(sweep, name: "again").sweep("s"))
    XCTAssertEqual(first.trials, again.trials)
    XCTAssertEqual(first.trials.count, 20)
    for index in first.trials.indices {
      let e = try first.experiment(trial: index)
      XCTAssert((0.0001...0.1).contains(e.training.optimizer.learningRate))
      XCTAssert((0...0.2).contains(e.training.labelSmoothing))
      XCTAssert([32, 64, 128].contains(e.training.batchSize))
      guard case .conv2d(let filters, _, _, _, _) = e.model[0] else { return XCTFail() }
      XCTAssert((2...5).contains(filters))
    }
    XCTAssertGreaterThan(Set(first.trials.map { $0.values["training.batch_size"] }).count, 1)
    // Another experiment seed draws other values.
    let other = try XCTUnwrap(
      try library(sweep.replacingOccurrences(of: "trials: 20", with: "trials: 20"), name: "other")
        .sweep("s", overrides: ["seed=6"]))
    XCTAssertNotEqual(other.trials.map(\.settings), first.trials.map(\.settings))
  }

  func testCommandLineGridSplitsOnlyTopLevelCommasOfNonTextKeys() throws {
    let lib = try library("")
    XCTAssertNil(try lib.sweep("s"))
    let sweep = try XCTUnwrap(
      try lib.sweep(
        "s",
        overrides: [
          "training.epochs=1,3", "training.augmentation={rotation: 10, zoom: 0.1}",
          "description=one, two",
        ]))
    XCTAssertEqual(sweep.trials.map(\.overrides), [["training.epochs=1"], ["training.epochs=3"]])
    let trial = try sweep.experiment(trial: 1)
    XCTAssertEqual(trial.training.epochs, 3)
    XCTAssertEqual(trial.training.augmentation?.rotationDegrees, 10)
    XCTAssertEqual(trial.description, "one, two")
    XCTAssertEqual(gridValues(key: "training.epochs", value: "[1, 2]"), nil)
    XCTAssertEqual(gridValues(key: "x", value: "[1, 2],[3]"), ["[1, 2]", "[3]"])
    XCTAssertEqual(gridValues(key: "x", value: "\"a,b\",c"), ["\"a,b\"", "c"])
    XCTAssertThrowsError(try lib.load("s", overrides: ["training.epochs=1,3"])) { error in
      XCTAssertEqual(
        "\(error)",
        "override 'training.epochs=1,3' lists several values (a sweep); only one is taken here")
    }
  }

  func testUnknownKeyNamesTheSweepLineAndSuggests() throws {
    try assertError(
      "sweep:\n  parameters:\n    training.optimizer.learnin_rate: [0.1, 0.2]\n",
      "11:39: unknown key 'learnin_rate' in training.optimizer; did you mean 'learning_rate'?")
  }

  func testAValueTheExperimentRefusesNamesItsLine() throws {
    try assertError(
      "sweep:\n  parameters:\n    training.epochs: [2, 0]\n",
      "11:26: training.epochs must be in 1...10000, got 0")
  }

  func testEmptyGridIsRefused() throws {
    try assertError(
      "sweep:\n  parameters:\n    training.epochs: []\n",
      "11:22: sweep.parameters.training.epochs is an empty list: nothing to try")
    try assertError(
      "sweep:\n  method: grid\n", "10:3: sweep.parameters is missing: nothing to sweep")
  }

  func testBoundsTheWrongWayRoundAreRefused() throws {
    try assertError(
      "sweep:\n  method: random\n  trials: 3\n  parameters:\n"
        + "    training.optimizer.learning_rate: {log_uniform: [0.1, 0.001]}\n",
      "13:53: sweep.parameters.training.optimizer.learning_rate.log_uniform bounds are the wrong "
        + "way round: 0.1 is not below 0.001")
  }

  func testDistributionInAGridAndMisspeltDistributionAreRefused() throws {
    try assertError(
      "sweep:\n  parameters:\n    training.label_smoothing: {uniform: [0, 0.1]}\n",
      "11:5: sweep.parameters.training.label_smoothing: a distribution needs method: random; a "
        + "grid takes a list or {int: [a, b]}")
    try assertError(
      "sweep:\n  method: random\n  trials: 2\n  parameters:\n"
        + "    training.label_smoothing: {unifrom: [0, 0.1]}\n",
      "13:32: unknown key 'unifrom' in sweep.parameters.training.label_smoothing; did you mean "
        + "'uniform'?")
    try assertError(
      "sweep:\n  metod: grid\n", "10:3: unknown key 'metod' in sweep; did you mean 'method'?")
  }

  func testEveryDistributionIsReadIntoItsDomain() throws {
    func describe(_ domain: Sweep.Domain?) -> String {
      switch domain {
      case .values(let values): return "values \(values.map(\.oneLine))"
      case .uniform(let low, let high): return "uniform \(low) \(high)"
      case .logUniform(let low, let high): return "logUniform \(low) \(high)"
      case .integer(let low, let high): return "integer \(low) \(high)"
      case nil: return "none"
      }
    }
    let expected: [Sweep.Distribution: String] = [
      .choice: #"values ["1", "3"]"#, .uniform: "uniform 1.0 3.0",
      .logUniform: "logUniform 1.0 3.0", .int: "integer 1 3",
    ]
    XCTAssertEqual(Set(expected.keys), Set(Sweep.Distribution.allCases))
    for distribution in Sweep.Distribution.allCases {
      let sweep = try XCTUnwrap(
        try library(
          "sweep:\n  method: random\n  trials: 2\n  parameters:\n"
            + "    training.optimizer.learning_rate: {\(distribution.rawValue): [1, 3]}\n",
          name: "\(#function)-\(distribution.rawValue)"
        ).sweep("s"))
      XCTAssertEqual(describe(sweep.parameters.first?.domain), expected[distribution])
    }
    try assertError(
      "sweep:\n  parameters:\n    training.epochs: 3\n",
      "11:22: sweep.parameters.training.epochs must be a list of values or one of "
        + "{choice: [...]}, {uniform: [a, b]}, {log_uniform: [a, b]}, {int: [a, b]}")
    try assertError(
      "sweep:\n  parameters:\n    training.epochs: {int: [1, 2.5]}\n",
      "11:32: sweep.parameters.training.epochs.int bounds must be whole numbers, got 2.5")
  }

  func testAnUnknownSweepMetricNamesItsLineAndTheMetrics() throws {
    try assertError(
      "sweep:\n  parameters: {training.epochs: [1, 2]}\n  metric: top1_accuracy\n",
      "11:11: sweep.metric must be one of accuracy, loss, val_accuracy, val_loss, got "
        + "top1_accuracy; did you mean 'val_accuracy'?")
  }

  func testSweepsOverTenThousandTrialsNeedConfirmation() throws {
    let big =
      "sweep:\n  parameters:\n    model.0.conv2d.filters: {int: [1, 200]}\n"
      + "    training.batch_size: {int: [1, 60]}\n"
    try assertError(big, "10:3: the sweep has 12000 trials, more than 10000")
    let lib = try library(big, name: "confirmed")
    XCTAssertEqual(try lib.sweep("s", allowLarge: true)?.trials.count, 12_000)
    try assertError(
      "sweep:\n  method: random\n  trials: 5001\n  seeds: 2\n  parameters:\n"
        + "    training.epochs: [1, 2]\n",
      "10:3: the sweep has 10002 trials, more than 10000", name: "random")
  }

  func testEarlyTerminationIsDecoded() throws {
    let sweep = try XCTUnwrap(
      try library(
        """
        sweep:
          parameters: {training.epochs: [2, 4]}
          metric: val_loss
          early_termination: {method: asha, min_epochs: 1, reduction_factor: 2}
        """
      ).sweep("s"))
    XCTAssertEqual(
      sweep.earlyTermination, EarlyTermination(rule: .asha, minEpochs: 1, reductionFactor: 2))
    XCTAssertEqual(sweep.metric, .valLoss)
  }

  func testShippedSweepsLoad() throws {
    let library = ExperimentLibrary(directory: repositoryRoot + "/experiments")
    let demo = try XCTUnwrap(try library.sweep("sweep_demo"))
    XCTAssertGreaterThanOrEqual(demo.trials.count, 4)
    let paper = try XCTUnwrap(try library.sweep("paper_sweep"))
    XCTAssertEqual(try paper.experiment(trial: 0).model, LayerSpec.paperModel)
  }
}
