import Foundation
import Plots
import RunStorage
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Reports
@testable import Runs

final class TrackingTests: XCTestCase {
  func testStatisticsByHand() {
    let s = SeedStatistics([0.99, 0.991, 0.992])
    XCTAssertEqual(s.mean, 0.991, accuracy: 1e-12)
    XCTAssertEqual(s.standardDeviation, 0.001, accuracy: 1e-12)
    XCTAssertEqual(s.halfWidth95!, 4.303 * 0.001 / 3.0.squareRoot(), accuracy: 1e-9)
    XCTAssertNil(SeedStatistics([0.5]).halfWidth95)
    // Two seeds: t(1) = 12.7 would print "± 106.92" points; the page says why there is none.
    XCTAssertNil(SeedStatistics([0.95, 0.999]).halfWidth95)
    XCTAssertEqual(SeedStatistics([0.95, 0.999]).percentIntervalText, "too wide below 3 seeds")
    // An interval reaching past 100% is clamped and shown as a range.
    XCTAssertEqual(SeedStatistics([0.99, 0.999, 1.0]).percentIntervalText, "98.27–100.00%")
    XCTAssertEqual(SeedStatistics([0.991, 0.992, 0.993]).percentIntervalText, "± 0.25")
    XCTAssertEqual(studentT975(10), 2.228)
    XCTAssertEqual(studentT975(1000), 1.96, accuracy: 1e-9)
    let clear = Difference(
      [0.990, 0.991, 0.989, 0.990, 0.990], [0.995, 0.996, 0.994, 0.995, 0.995])
    XCTAssert(
      clear.verdict.hasPrefix("+0.50 points, 95% CI [+0.")
        && clear.verdict.hasSuffix("significant with 5 and 5 seeds")
        && !clear.verdict.contains("not significant"), clear.verdict)
    let noisy = Difference([0.990, 0.995, 0.985], [0.991, 0.986, 0.996])
    XCTAssert(noisy.verdict.contains("not significant with 3 and 3 seeds"), noisy.verdict)
    XCTAssert(Difference([0.99], [0.98]).verdict.contains("no confidence interval"))
  }
}

/// The run cache, the index and a comparison, on one sequence of tiny runs played once for the
/// class: `tiny` trained, reused, forced and trained at a second seed, and `narrow` (2 filters
/// instead of 4) once.
final class CacheIndexAndComparisonTests: XCTestCase {
  /// What the sequence left and what the cache answered along the way.
  private struct Scenario {
    let outputRoot: String
    let tiny: Experiment
    let first: RunPaths
    /// `plan` before anything ran, after the first run, and for another seed.
    let planBeforeAnyRun: RunPaths?
    let planAfterTheFirstRun: RunPaths?
    let planForAnotherSeed: RunPaths?
    /// `plan` on a dirty tree after the first run.
    let planWhenDirty: RunPaths?
    let reusedOnTheFirstRun: Bool
    /// Running the same experiment again: the run it gave and whether it was reused.
    let ranAgain: RunPaths
    let reusedWhenRunAgain: Bool
    let forced: RunPaths
    let secondSeed: Experiment
  }

  private static let scenario = Result { try play() }

  /// Trains the sequence into a scratch output folder.
  private static func play() throws -> Scenario {
    let dir = try scratch("CacheIndexAndComparisonTests")
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/tiny.yaml")
    try write(
      tinyExperimentYAML(epochs: 1).replacingOccurrences(of: "filters: 4", with: "filters: 2"),
      to: dir + "/narrow.yaml")
    let library = ExperimentLibrary(directory: dir)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    runner.workspace.provenance = cleanProvenance
    let tiny = try library.load("tiny")
    let planBeforeAnyRun = try RunCache(workspace: runner.workspace).plan(tiny)
    let started = try runner.start(tiny)
    let first = started.paths
    let reusedOnTheFirstRun = started.reused
    let planAfterTheFirstRun = try RunCache(workspace: runner.workspace).plan(tiny)
    let again = try runner.start(tiny)
    let ranAgain = again.paths
    let reusedWhenRunAgain = again.reused
    let forced = try runner.start(tiny, force: true).paths
    let planForAnotherSeed = try RunCache(workspace: runner.workspace).plan(
      try library.load("tiny", overrides: ["seed=11"]))
    let dirty = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    dirty.workspace.provenance = {
      var p = cleanProvenance($0)
      p.gitDirty = true
      return p
    }
    let planWhenDirty = try RunCache(workspace: dirty.workspace).plan(tiny)
    let secondSeed = try tiny.withSeed(index: 1)
    try runner.start(secondSeed).paths
    try runner.start(try library.load("narrow")).paths
    return Scenario(
      outputRoot: dir + "/out", tiny: tiny, first: first, planBeforeAnyRun: planBeforeAnyRun,
      planAfterTheFirstRun: planAfterTheFirstRun, planForAnotherSeed: planForAnotherSeed,
      planWhenDirty: planWhenDirty, reusedOnTheFirstRun: reusedOnTheFirstRun,
      ranAgain: ranAgain, reusedWhenRunAgain: reusedWhenRunAgain, forced: forced,
      secondSeed: secondSeed)
  }

  func testNothingIsCachedBeforeTheFirstRun() throws {
    let scenario = try Self.scenario.get()
    XCTAssertNil(scenario.planBeforeAnyRun, "nothing is cached yet")
    XCTAssertFalse(scenario.reusedOnTheFirstRun)
  }

  func testTheSameConfigurationDataAndCommitIsReusedNotTrainedAgain() throws {
    let scenario = try Self.scenario.get()
    XCTAssertEqual(scenario.planAfterTheFirstRun?.runID, scenario.first.runID)
    XCTAssertEqual(scenario.ranAgain.runID, scenario.first.runID)
    XCTAssert(scenario.reusedWhenRunAgain)
  }

  func testForceTrainsAgain() throws {
    let scenario = try Self.scenario.get()
    XCTAssertNotEqual(scenario.forced.runID, scenario.first.runID)
  }

  func testAnotherSeedIsAnotherComputation() throws {
    let scenario = try Self.scenario.get()
    XCTAssertNil(scenario.planForAnotherSeed, "another seed is another computation")
    XCTAssertEqual(scenario.secondSeed.seed, scenario.tiny.seed + 1)
    XCTAssertNotEqual(scenario.secondSeed.configHash, scenario.tiny.configHash)
  }

  func testADirtyTreeIsNeverReused() throws {
    XCTAssertNil(try Self.scenario.get().planWhenDirty)
  }

  func testTheIndexListsEveryRunByExperimentAndSortsByAccuracy() throws {
    let database = try SQLiteRunStore(outputRoot: try Self.scenario.get().outputRoot)
    XCTAssertEqual(try database.runs().count, 4)
    XCTAssertEqual(try database.runs(experiment: "tiny").count, 3)
    let byAccuracy = try database.runs(sort: .testAccuracy, descending: true).compactMap(
      \.testAccuracy)
    XCTAssertEqual(byAccuracy, byAccuracy.sorted(by: >))
  }

  func testALostIndexIsRebuiltFromTheRunFolders() throws {
    // On a copy: the other tests read the index as the runs left it.
    let copy = try scratch(name) + "/out"
    try FileManager.default.copyItem(atPath: try Self.scenario.get().outputRoot, toPath: copy)
    try FileManager.default.removeItem(atPath: copy + "/runs.sqlite")
    let runner = RunTrainer(workspace: RunWorkspace(outputRoot: copy, reporter: RunPageReporter()))
    XCTAssertEqual(try runner.workspace.catalog.reindex(), 4)
    XCTAssertEqual(try SQLiteRunStore(outputRoot: copy).runs(status: .completed).count, 4)
  }

  /// The comparison of `tiny`'s two other runs with `narrow`'s, written into a scratch folder
  /// of the calling test; returns the page's path.
  private func comparison(singleFile: Bool = false) throws -> String {
    let scenario = try Self.scenario.get()
    let database = try SQLiteRunStore(outputRoot: scenario.outputRoot)
    let tinyRuns = try database.runs(experiment: "tiny").filter {
      $0.runID != scenario.first.runID
    }.map { RunPaths(directory: $0.directory) }
    let narrowRuns = try database.runs(experiment: "narrow").map {
      RunPaths(directory: $0.directory)
    }
    return try ComparisonReport(
      title: "tiny vs narrow", groups: [("tiny", tinyRuns), ("narrow", narrowRuns)],
      singleFile: singleFile
    ).write(to: try scratch(name) + "/compare")
  }

  func testTheComparisonShowsTheConfigDiffTheVerdictAndLinksItsFigures() throws {
    let page = try comparison()
    let html = try String(contentsOfFile: page, encoding: .utf8)
    XCTAssert(html.contains("model[0]"), "the config diff names the layer that differs")
    XCTAssert(html.contains("filters: 4") && html.contains("filters: 2"))
    XCTAssert(html.contains("no confidence interval with 2 and 1 runs"), "verdict missing")
    let directory = (page as NSString).deletingLastPathComponent
    for file in [
      "val_accuracy.png", "val_loss.png", "accuracy_vs_parameters.png", "accuracy_vs_time.png",
      "confusion_0.png", "confusion_difference.png", "confusion_by_epoch.png",
    ] {
      XCTAssert(FileManager.default.fileExists(atPath: "\(directory)/\(file)"), file)
    }
    XCTAssert(html.contains("src=\"val_accuracy.png\""), "the default page links its figures")
  }

  func testTheComparisonShowsBothRunsConfusionsOverTraining() throws {
    let page = try comparison()
    let html = try String(contentsOfFile: page, encoding: .utf8)
    // Both runs' confusion strips, one row each, aligned by epoch on one scale.
    XCTAssert(html.contains("Confusions over training"), "no confusion strips")
    let strips = try RasterImage(
      pngPath: (page as NSString).deletingLastPathComponent + "/confusion_by_epoch.png")
    XCTAssertGreaterThan(strips.height, 2 * 96, "two rows of panels")
  }

  func testASingleFileComparisonEmbedsEveryFigureAndLinksNone() throws {
    let embedded = try String(contentsOfFile: try comparison(singleFile: true), encoding: .utf8)
    XCTAssert(embedded.contains("src=\"data:image/png;base64,"))
    XCTAssertEqual(
      embedded.components(separatedBy: "src=\"").count,
      embedded.components(separatedBy: "src=\"data:").count, "a figure is still linked")
  }
}
