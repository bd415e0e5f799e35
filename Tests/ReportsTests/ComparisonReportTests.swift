import Datasets
import Foundation
import NeuralNet
import Notebook
import Plots
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Reports
@testable import Runs

/// The comparison page's logic on hand-made runs with hand-computed results: grouping, means
/// and intervals, verdicts, curves, configuration differences, confusion differences and the
/// digits one group gets right and the other wrong.
final class ComparisonReportTests: XCTestCase {
  /// A scratch folder with the tiny experiment's file, for definitions and run folders.
  private var dir = ""

  override func setUpWithError() throws {
    dir = try scratch(name)
    try write(tinyExperimentYAML(), to: dir + "/tiny.yaml")
  }

  /// The tiny experiment with `overrides` (`--set` syntax).
  private func experiment(_ overrides: [String] = []) throws -> Experiment {
    try ExperimentLibrary(directory: dir).load("tiny", overrides: overrides)
  }

  /// A completed run of `experiment` in memory: its summary says `test` accuracy, best
  /// validation accuracy `validation`, `seconds` of training and `parameters`; its log has one
  /// epoch per entry of `validationCurve` (validation accuracy, loss 1 minus it), training at
  /// `imagesPerSecond[e]` images a second (100 when not given). Its folder is
  /// `<dir>/runs/tiny/<runID>`, where only `predictions` (if any) is written.
  private func run(
    _ runID: String, of experiment: Experiment, test: Double, validation: Double? = nil,
    seconds: Double = 10, parameters: Int = 3_402, validationCurve: [Double] = [],
    imagesPerSecond: [Double] = [], predictions: [String]? = nil
  ) throws -> RunRecord {
    let paths = RunPaths(directory: "\(dir)/runs/tiny/\(runID)")
    if let predictions {
      try FileManager.default.createDirectory(
        atPath: paths.directory, withIntermediateDirectories: true)
      try write(
        ([EnsembleFixtures.header] + predictions).joined(separator: "\n") + "\n",
        to: paths.predictions)
    }
    let summary = RunSummary(
      runID: runID, experiment: "tiny", status: .completed, startedAt: "2026-11-25T10:00:00Z",
      trainingSeconds: seconds, totalSeconds: seconds + 1, epochsRun: validationCurve.count,
      bestValAccuracy: validation, testAccuracy: test, parameters: parameters,
      seed: experiment.seed, configHash: experiment.configHash, provenance: cleanProvenance([:]))
    let epochs = validationCurve.enumerated().map { e, accuracy in
      EpochMetrics(
        epoch: e + 1, loss: 1, accuracy: accuracy, valLoss: 1 - accuracy, valAccuracy: accuracy,
        learningRate: 0.001, seconds: 1,
        imagesPerSecond: e < imagesPerSecond.count ? imagesPerSecond[e] : 100)
    }
    return RunRecord(
      paths: paths, summary: summary, experiment: experiment,
      log: TrainingLog(epochs: epochs, events: []))
  }

  /// One group of runs of the tiny experiment named `name`, one seed for each test accuracy.
  private func group(
    _ name: String, tests: [Double], validation: [Double?]? = nil, parameters: Int = 3_402
  ) throws -> ComparisonReport.Group {
    let runs = try tests.enumerated().map { i, test in
      try run(
        "\(name)-\(i)", of: try experiment(["seed=\(i + 1)"]), test: test,
        validation: validation.map { $0[i] } ?? test, parameters: parameters)
    }
    return ComparisonReport.Group(name: name, runs: runs)
  }

  /// The report under test; its own groups are not used by the pieces tested here.
  private let report = ComparisonReport(title: "t", groups: [])

  /// The tables among `cells`.
  private func tables(_ cells: [Cell]) -> [Table] {
    cells.compactMap { if case .table(let table) = $0 { return table } else { return nil } }
  }

  // MARK: - Grouping

  func testRunsOfOneNameAreGroupedByConfigurationAndNeverSplitBySeed() throws {
    let two = try experiment(["seed=1"])
    let three = try experiment(["seed=2", "training.epochs=3"])
    let runs = try [
      run("a", of: two, test: 0.9), run("b", of: three, test: 0.8),
      run("c", of: try experiment(["seed=3"]), test: 0.7),
    ]
    let split = ConfigurationGroups.split(name: "tiny", runs: runs)
    XCTAssertEqual(split.map(\.name), ["tiny (training.epochs=2)", "tiny (training.epochs=3)"])
    XCTAssertEqual(split.map { $0.runs.map(\.paths.runID) }, [["a", "c"], ["b"]])
    // Seeds alone: one group, under the plain name.
    let seeds = ConfigurationGroups.split(name: "tiny", runs: [runs[0], runs[2]])
    XCTAssertEqual(seeds.map(\.name), ["tiny"])
    XCTAssertEqual(seeds.first?.runs.count, 2)
  }

  // MARK: - Label budgets

  /// Runs of the tiny experiment renamed `name` at `labels` per class, one per test accuracy.
  private func budgetGroup(_ name: String, labels: Int, tests: [Double]) throws
    -> ComparisonReport.Group
  {
    let runs = try tests.enumerated().map { i, test in
      var budget = try experiment(["seed=\(i + 1)", "dataset.labels_per_class=\(labels)"])
      budget.name = name
      return try run("\(name)-\(labels)-\(i)", of: budget, test: test)
    }
    return ComparisonReport.Group(name: "\(name) \(labels)", runs: runs)
  }

  func testTheLabelBudgetSectionGivesEachBudgetsMeansIntervalsAndDifference() throws {
    let groups = try [
      budgetGroup("pre", labels: 10, tests: [0.90, 0.92, 0.94]),
      budgetGroup("pre", labels: 100, tests: [0.97, 0.98, 0.99]),
      budgetGroup("scratch", labels: 100, tests: [0.97, 0.98, 0.99]),
      budgetGroup("scratch", labels: 10, tests: [0.80, 0.82, 0.84]),
    ]
    let cells = try report.labelBudgetSection(groups, dir)
    XCTAssert(FileManager.default.fileExists(atPath: dir + "/label_budget.png"))
    let table = try XCTUnwrap(tables(cells).first)
    XCTAssertEqual(table.header.last, "pre − scratch")
    // sd 0.02 over 3 seeds: 4.303 x 0.02 / sqrt(3) = ± 4.97 points. The difference, +10 points,
    // has Welch's se 0.0163 on 4 degrees of freedom: 2.776 x 1.633 = ± 4.53. At 100 labels,
    // ± 2.48 would pass 100%, so the interval is shown clamped.
    XCTAssertEqual(
      table.rows,
      [
        [
          "10", "92.00% ± 4.97", "82.00% ± 4.97",
          "+10.00 points, 95% CI [+5.47, +14.53]: significant with 3 and 3 seeds",
        ],
        [
          "100", "98.00% 95.52–100.00%", "98.00% 95.52–100.00%",
          "+0.00 points, 95% CI [-2.27, +2.27]: not significant with 3 and 3 seeds",
        ],
      ])
    let oneBudget = try report.labelBudgetSection([groups[1], groups[2]], dir)
    XCTAssert(oneBudget.isEmpty, "one budget draws no curve")
  }

  // MARK: - Metrics and verdicts

  func testMetricsAreMeansWithTheirIntervalsAndTheBestMeanIsHighlighted() throws {
    let groups = try [
      // Mean 0.991, sd 0.001: t(2) = 4.303, 4.303 x 0.001 / sqrt(3) = 0.00248, ± 0.25 points.
      group("baseline", tests: [0.990, 0.991, 0.992], validation: [0.98, 0.99, 1.0]),
      group("wide", tests: [0.995, 0.996, 0.997]),
      // Mean 0.99, sd 0.005: ± 1.24 points reaches past 100%, so the range is shown clamped.
      group("narrow", tests: [0.990, 0.985, 0.995]),
      // One run, and no validation accuracy recorded.
      group("lenet", tests: [0.98], validation: [nil], parameters: 61_706),
    ]
    let metrics = try XCTUnwrap(tables(report.metricsSection(groups)).first)
    XCTAssertEqual(metrics.highlightedRow, 1, "wide has the best mean")
    XCTAssertEqual(
      metrics.rows.map { Array($0.prefix(6)) },
      [
        ["baseline", "3", "99.10% (sd 0.10)", "± 0.25", "99.00%", "3,402"],
        ["wide", "3", "99.60% (sd 0.10)", "± 0.25", "99.60%", "3,402"],
        ["narrow", "3", "99.00% (sd 0.50)", "97.76–100.00%", "99.00%", "3,402"],
        ["lenet", "1", "98.00%", "–", "–", "61,706"],
      ])
  }

  func testTrainingTimeAndSpeedAreMeansOverSeedsOfEachRunsMedianSpeed() throws {
    let tiny = try experiment()
    // Median speeds 200, 100 and 200 images/s: mean 166.7; training seconds 10, 20 and 90:
    // mean 40.
    let runs = try [
      run(
        "a", of: tiny, test: 0.9, seconds: 10, validationCurve: [0.9, 0.9, 0.9],
        imagesPerSecond: [100, 200, 300]),
      run("b", of: tiny, test: 0.9, seconds: 20, validationCurve: [0.9], imagesPerSecond: [100]),
      run(
        "c", of: tiny, test: 0.9, seconds: 90, validationCurve: [0.9, 0.9],
        imagesPerSecond: [300, 100]),
    ]
    let metrics = try XCTUnwrap(
      tables(report.metricsSection([ComparisonReport.Group(name: "tiny", runs: runs)])).first)
    XCTAssertEqual(metrics.rows.first?.suffix(2), ["40.0s", "167"])
  }

  func testTheVerdictIsAWelchIntervalAgainstTheFirstGroup() throws {
    let groups = try [
      group("baseline", tests: [0.990, 0.991, 0.992]),
      // +0.50 points; variances 0.001²/3 each, se 0.000816, Welch df 4, t(4) = 2.776:
      // half-width 0.2267 points, [+0.27, +0.73], which excludes 0.
      group("wide", tests: [0.995, 0.996, 0.997]),
      // -0.10 points; se 0.002944, Welch df 2.160, t = 4.303 + 0.160 x (3.182 - 4.303) = 4.124:
      // half-width 1.214 points, [-1.31, +1.11], which includes 0.
      group("narrow", tests: [0.990, 0.985, 0.995]),
      group("lenet", tests: [0.98]),
    ]
    let differences = try XCTUnwrap(tables(report.metricsSection(groups)).last)
    XCTAssertEqual(
      differences.rows,
      [
        ["wide", "+0.50 points, 95% CI [+0.27, +0.73]: significant with 3 and 3 seeds"],
        ["narrow", "-0.10 points, 95% CI [-1.31, +1.11]: not significant with 3 and 3 seeds"],
        [
          "lenet",
          "-1.10 points; no confidence interval with 3 and 1 runs (train both with --seeds 5)",
        ],
      ])
    // One group has nothing to differ from.
    XCTAssertEqual(tables(report.metricsSection([groups[0]])).count, 1)
  }

  // MARK: - Curves

  func testCurvesAreMeansOverSeedsWithABandOfOneStandardDeviation() throws {
    let tiny = try experiment()
    let two = ComparisonReport.Group(
      name: "tiny",
      runs: try [
        run("a", of: tiny, test: 0.9, validationCurve: [0.5, 0.7, 0.9]),
        run("b", of: tiny, test: 0.9, validationCurve: [0.7, 0.9]),
      ])
    let curve = report.meanCurve(two, \.valAccuracy)
    // Epochs 1 and 2 have both runs (sd of two values 0.2 apart: 0.1 x sqrt(2)); epoch 3 one.
    let sd = 0.1 * 2.0.squareRoot()
    XCTAssertEqual(curve.name, "tiny")
    XCTAssertEqual(curve.x, [1, 2, 3])
    XCTAssertEqual(curve.y[0], 0.6, accuracy: 1e-12)
    XCTAssertEqual(curve.y[1], 0.8, accuracy: 1e-12)
    XCTAssertEqual(curve.y[2], 0.9, accuracy: 1e-12)
    let band = try XCTUnwrap(curve.band)
    for (value, expected) in zip(
      band.lower + band.upper, [0.6 - sd, 0.8 - sd, 0.9, 0.6 + sd, 0.8 + sd, 0.9])
    {
      XCTAssertEqual(value, expected, accuracy: 1e-12)
    }
    let one = ComparisonReport.Group(name: "one", runs: [two.runs[0]])
    XCTAssertNil(report.meanCurve(one, \.valAccuracy).band, "a single run has no band")
  }

  // MARK: - Configuration differences

  func testTheConfigDiffListsOnlyTheSettingsThatDifferInReadingOrder() throws {
    let groups = try [
      ("tiny", ["description=first"]), ("longer", ["description=second", "training.epochs=3"]),
      ("bigger", ["training.batch_size=100", "dataset.subset=500"]),
    ].map { name, overrides in
      ComparisonReport.Group(
        name: name, runs: [try run(name, of: try experiment(overrides), test: 0.9)])
    }
    let diff = try XCTUnwrap(tables(report.configDiff(groups)).first)
    XCTAssertEqual(diff.header, ["key", "tiny", "longer", "bigger"])
    // Descriptions differ too, but are no setting.
    XCTAssertEqual(
      diff.rows,
      [
        ["dataset.subset", "600", "600", "500"], ["training.batch_size", "50", "50", "100"],
        ["training.epochs", "2", "3", "2"],
      ])
    let same = try report.configDiff([groups[0], groups[0]])
    XCTAssert(tables(same).isEmpty)
    XCTAssert(
      same.contains {
        if case .prose(let parts) = $0 {
          return parts == [.text("The experiments share every setting.")]
        }
        return false
      })
  }

  // MARK: - Confusions

  func testTheConfusionDifferenceAndTheDigitsOneGetsRightAndTheOtherWrong() throws {
    let tiny = try experiment()
    let labels = try ExperimentData(tiny).test.labels.map(Int.init)
    // Run a is wrong on images 0 and 1, b on image 2, both (alike) on image 3; each wrong
    // answer is the next class.
    func predictions(wrong: Set<Int>) -> [String] {
      labels.enumerated().map { i, label in
        EnsembleFixtures.row(i, label: label, [wrong.contains(i) ? (label + 1) % 10 : label: 1])
      }
    }
    let a = try run("a", of: tiny, test: 0.98, predictions: predictions(wrong: [0, 1, 3]))
    let b = try run("b", of: tiny, test: 0.99, predictions: predictions(wrong: [2, 3]))
    let out = dir + "/compare"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let cells = try report.confusionSection(
      [.init(name: "a", runs: [a]), .init(name: "b", runs: [b])], out)
    let captions = cells.compactMap { cell -> String? in
      if case .figure(_, let caption, _) = cell { return caption } else { return nil }
    }
    XCTAssert(captions.contains("Test digits a classifies correctly and b does not: 1 in all."))
    XCTAssert(captions.contains("Test digits b classifies correctly and a does not: 2 in all."))
    for file in ["right_a_wrong_b.png", "right_b_wrong_a.png", "confusion_difference.png"] {
      XCTAssert(FileManager.default.fileExists(atPath: "\(out)/\(file)"), file)
    }
    // b minus a: b gets images 0 and 1 right (+1 on their diagonal cells, -1 where a put
    // them) and image 2 wrong (-1 on its diagonal, +1 on the next class); image 3 cancels.
    var expected = Array(repeating: Array(repeating: 0, count: 10), count: 10)
    for (image, sign) in [(0, 1), (1, 1), (2, -1)] {
      let label = labels[image]
      expected[label][label] += sign
      expected[label][(label + 1) % 10] -= sign
    }
    let largest = Double(expected.joined().map(abs).max() ?? 1)
    let colors = expected.map {
      $0.map { Colormap.redBlue.color(at: (Double($0) + largest) / (2 * largest)) }
    }
    let image = try RasterImage(pngPath: out + "/confusion_difference.png")
    let shown = try XCTUnwrap(
      heatmapCellColors(in: image, rows: 10, columns: 10, fills: colors.flatMap { $0 }),
      "no cells in the difference")
    let wrong = (0..<100).filter {
      !sameColor(shown[$0 / 10][$0 % 10], colors[$0 / 10][$0 % 10], tolerance: 2.0 / 255)
    }
    XCTAssert(
      wrong.isEmpty,
      "cells (true, predicted) \(wrong.prefix(5).map { ($0 / 10, $0 % 10) }) do not show "
        + "\(wrong.prefix(5).map { expected[$0 / 10][$0 % 10] })")
  }

  func testConfigurationKeysSortWithTheirNumbersAsNumbers() {
    XCTAssertEqual(
      ComparisonReport.keyOrder([
        "model[10]", "training.epochs", "model[2]", "model[1]", "model[0].conv2d.filters",
        "dataset.name",
      ]),
      [
        "dataset.name", "model[0].conv2d.filters", "model[1]", "model[2]", "model[10]",
        "training.epochs",
      ])
  }
}
