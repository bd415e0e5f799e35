import Foundation
import NeuralNet
import RunStorage
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Reports
@testable import Runs

/// Sweep trials as runs: tags in summary and index, median pruning from the other trials'
/// recorded metrics, finished (and pruned) trials reused, the sweep page; and comparisons that
/// never average different configurations.
final class SweepTrackingTests: XCTestCase {
  /// A sweep of `dir/tiny.yaml` over `learningRates` (a YAML list) with an optional early
  /// termination `rule`, and a runner into `dir/out` whose runs the cache may reuse.
  private func tinySweep(
    in dir: String, epochs: Int, learningRates: String, rule: String = ""
  ) throws -> (Sweep, RunTrainer) {
    try write(
      tinyExperimentYAML(
        epochs: epochs,
        extra: """
          sweep:
            parameters:
              training.optimizer.learning_rate: \(learningRates)
            \(rule)
          """), to: dir + "/tiny.yaml")
    let sweep = try XCTUnwrap(try ExperimentLibrary(directory: dir).sweep("tiny"))
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    runner.workspace.provenance = cleanProvenance
    return (sweep, runner)
  }

  /// `report reindex` rebuilds the index from the run folders; a trial queued on Slurm has a row
  /// and no folder yet, and keeps its row.
  func testReindexKeepsQueuedTrialsThatHaveNoFolderYet() throws {
    let dir = try scratch()
    let (sweep, runner) = try tinySweep(in: dir, epochs: 1, learningRates: "[0.003, 0.002]")
    let finished = try runner.start(
      try sweep.experiment(trial: 0), trial: try TrialContext(sweep: sweep, index: 0)
    ).paths
    let queued = try RunSummary.queuedRow(
      try sweep.experiment(trial: 1), trial: try TrialContext(sweep: sweep, index: 1),
      runID: "20260101-000000-q001", workspace: runner.workspace)
    try SQLiteRunStore(outputRoot: dir + "/out").record(queued)

    XCTAssertEqual(try runner.workspace.catalog.reindex(), 1, "one run folder")
    let rows = try SQLiteRunStore(outputRoot: dir + "/out").runs()
    XCTAssertEqual(Set(rows.map(\.runID)), [finished.runID, queued.runID])
    XCTAssertEqual(rows.first { $0.runID == queued.runID }?.status, .queued)
  }

  /// The sweep page's axes show short categorical values as they are and long ones (a whole
  /// augmentation setting) as #1, #2... in the order the sweep declares them, with a key.
  func testCategoricalValuesAreNamedInDeclaredOrder() throws {
    let dir = try scratch()
    try write(
      tinyExperimentYAML(
        extra: """
          sweep:
            parameters:
              training.augmentation:
                - {rotation: 25, zoom: 0.1}
                - {rotation: 0}
              model.0.conv2d.activation: [relu, linear]
          """), to: dir + "/tiny.yaml")
    let sweep = try XCTUnwrap(try ExperimentLibrary(directory: dir).sweep("tiny"))
    let augmentation = SweepReport.Categories(sweep.parameters[0], seen: ["{rotation: 0}"])
    XCTAssertEqual(augmentation.values, ["{rotation: 25, zoom: 0.1}", "{rotation: 0}"])
    XCTAssertEqual(augmentation.names, ["#1", "#2"])
    XCTAssertEqual(augmentation.name("{rotation: 0}"), "#2")
    XCTAssertEqual(augmentation.key, "#1 = {rotation: 25, zoom: 0.1}; #2 = {rotation: 0}")
    XCTAssertEqual(sweep.trials[1].values["training.augmentation"], "{rotation: 25, zoom: 0.1}")
    let activation = SweepReport.Categories(sweep.parameters[1], seen: ["linear"])
    XCTAssertEqual(activation.names, ["relu", "linear"])
    XCTAssertNil(activation.key)
  }

  func testTrialsAreTaggedPrunedByTheMedianReusedAndShownOnTheSweepPage() throws {
    let dir = try scratch()
    // Two trials learn; the third, at a learning rate of 1e-7, is interrupted after epoch 1,
    // continues, and cannot beat the others' median at epoch 2 (the first the rule judges).
    let (sweep, runner) = try tinySweep(
      in: dir, epochs: 3, learningRates: "[0.003, 0.002, 0.0000001]",
      rule: "early_termination: {method: median, min_epochs: 2, min_trials: 2}")
    var paths = try (0..<2).map {
      try runner.start(
        try sweep.experiment(trial: $0), trial: try TrialContext(sweep: sweep, index: $0)
      ).paths
    }
    let stopper = StopAfterFirstEpoch()
    runner.callbacks = [stopper]
    runner.isCancelled = { stopper.stop }
    let context = try TrialContext(sweep: sweep, index: 2)
    let interrupted = try runner.start(try sweep.experiment(trial: 2), trial: context).paths
    XCTAssertEqual(try RunRecord(loading: interrupted).summary.status, .interrupted)
    runner.callbacks = []
    runner.isCancelled = { false }
    paths.append(try runner.resume(interrupted, trial: context))
    XCTAssertEqual(paths[2].runID, interrupted.runID)
    let summaries = try paths.map { try RunRecord(loading: $0).summary }
    XCTAssertEqual(summaries.map(\.status), [.completed, .completed, .pruned])
    XCTAssertEqual(summaries[2].pruning?.epoch, 2)
    XCTAssertEqual(summaries[2].epochsRun, 2)
    XCTAssert(
      summaries[2].pruning?.reason.hasPrefix("median stopping at epoch 2: best so far") == true)
    XCTAssertEqual(summaries[2].sweep?.trial, 2)
    XCTAssertEqual(
      summaries[1].sweep,
      SweepTag(name: "tiny", trial: 1, parameters: ["training.optimizer.learning_rate": "0.002"]))
    XCTAssertEqual(summaries[1].groupHash, try sweep.experiment(trial: 1).groupHash)
    // The index carries the tag and the group.
    let rows = try SQLiteRunStore(outputRoot: dir + "/out").runs(sort: .runID, descending: false)
    XCTAssertEqual(rows.map(\.trial), [0, 1, 2])
    XCTAssertEqual(rows.map(\.sweep), ["tiny", "tiny", "tiny"])
    XCTAssertEqual(rows[2].status, .pruned)
    XCTAssertEqual(rows[2].sweepParameters, #"{"training.optimizer.learning_rate":"0.0000001"}"#)
    XCTAssertEqual(rows.map(\.groupHash), summaries.map(\.groupHash))
    // Finished trials, the pruned one included, are not trained again.
    for index in sweep.trials.indices {
      XCTAssertEqual(
        try RunCache(workspace: runner.workspace).plan(
          try sweep.experiment(trial: index), isTrial: true)?.runID,
        paths[index].runID)
    }
    let again = try runner.start(
      try sweep.experiment(trial: 2), trial: try TrialContext(sweep: sweep, index: 2))
    XCTAssert(again.reused, "the pruned trial trained again")
    XCTAssertEqual(again.paths.runID, paths[2].runID)
    XCTAssertNil(
      try RunCache(workspace: runner.workspace).plan(try sweep.experiment(trial: 2)),
      "outside its sweep a pruned run is not a finished run of its configuration")
    // The page: ranked configurations, the pruned trial and where it stopped, every figure,
    // and a working link to each trial's report.
    let report = SweepReport(sweep: sweep, outputRoot: dir + "/out")
    let page = try report.write()
    XCTAssertEqual(page, dir + "/out/sweeps/tiny/index.html")
    let html = try String(contentsOfFile: page, encoding: .utf8)
    XCTAssert(html.contains("Pruned trials"))
    XCTAssert(html.contains("median stopping at epoch 2"))
    for file in ["parallel_coordinates.png", "metric_vs_parameter_0.png"] {
      XCTAssert(html.contains("src=\"\(file)\""), file)
      XCTAssert(FileManager.default.fileExists(atPath: "\(dir)/out/sweeps/tiny/\(file)"), file)
    }
    for run in paths {
      let href = "../../runs/tiny/\(run.runID)/report.html"
      XCTAssert(html.contains("href=\"\(href)\""), href)
      XCTAssert(FileManager.default.fileExists(atPath: "\(dir)/out/sweeps/tiny/\(href)"))
    }
    let groups = report.rank(try report.collect())
    XCTAssertEqual(groups.last?.label, "training.optimizer.learning_rate=0.0000001")
    XCTAssertGreaterThan(groups[0].statistics.mean, groups[2].statistics.mean)
    // A single file embeds its figures.
    var single = report
    single.singleFile = true
    let embedded = try String(contentsOfFile: try single.write(), encoding: .utf8)
    XCTAssert(embedded.contains("src=\"data:image/png;base64,"))
    XCTAssertFalse(embedded.contains("src=\"parallel_coordinates.png\""))
  }

  func testComparisonSplitsRunsOfOneNameByConfigurationWithoutTheSeed() throws {
    let dir = try scratch()
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/tiny.yaml")
    let library = ExperimentLibrary(directory: dir)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    let one = try library.load("tiny")
    let runs = try [
      runner.start(one).paths,
      runner.start(try library.load("tiny", overrides: ["training.epochs=2"])).paths,
    ]
    let records = try runs.map { try RunRecord(loading: $0) }
    XCTAssertEqual(records[0].summary.groupHash, try one.withSeed(index: 1).groupHash)
    XCTAssertNotEqual(records[0].summary.groupHash, records[1].summary.groupHash)
    // Two seeds of one configuration and one of another (the same record twice stands for a
    // second seed: only the configuration decides the group).
    let split = ConfigurationGroups.split(name: "tiny", runs: [records[0], records[1], records[0]])
    XCTAssertEqual(split.map(\.name), ["tiny (training.epochs=1)", "tiny (training.epochs=2)"])
    XCTAssertEqual(split.map(\.runs.count), [2, 1])
    let html = try String(
      contentsOfFile: try ComparisonReport(title: "tiny", groups: [("tiny", runs)]).write(
        to: dir + "/compare"), encoding: .utf8)
    XCTAssert(
      html.contains("tiny (training.epochs=1)") && html.contains("tiny (training.epochs=2)"))
    XCTAssertFalse(html.contains("The experiments share every setting"))
    // Runs recorded before group_hash existed get it from their config.yaml on reindex.
    var old = records[1].summary
    old.groupHash = nil
    try JSONEncoder().encode(old).write(to: URL(fileURLWithPath: runs[1].summary))
    XCTAssertEqual(try runner.workspace.catalog.reindex(), 2)
    let row = try SQLiteRunStore(outputRoot: dir + "/out").runs().first {
      $0.runID == runs[1].runID
    }
    XCTAssertEqual(row?.groupHash, records[1].summary.groupHash)
  }
}

/// Asks the run to stop once its first epoch is recorded (as Ctrl-C would).
private final class StopAfterFirstEpoch: TrainingCallback {
  var stop = false
  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) { stop = true }
}
