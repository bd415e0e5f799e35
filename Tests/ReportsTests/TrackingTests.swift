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

  func testIndexCacheSeedsAndComparison() throws {
    let dir = try scratch()
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/tiny.yaml")
    try write(
      tinyExperimentYAML(epochs: 1).replacingOccurrences(of: "filters: 4", with: "filters: 2"),
      to: dir + "/narrow.yaml")
    let library = ExperimentLibrary(directory: dir)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: HTMLRunReporter()))
    runner.workspace.provenance = cleanProvenance
    let tiny = try library.load("tiny")
    XCTAssertNil(try RunCache(workspace: runner.workspace).plan(tiny), "nothing is cached yet")
    let started = try runner.start(tiny)
    let first = started.paths
    XCTAssertFalse(started.reused)
    // The same configuration, data and commit: reused, not trained again.
    XCTAssertEqual(try RunCache(workspace: runner.workspace).plan(tiny)?.runID, first.runID)
    let again = try runner.start(tiny)
    XCTAssertEqual(again.paths.runID, first.runID)
    XCTAssert(again.reused)
    XCTAssertNotEqual(try runner.start(tiny, force: true).paths.runID, first.runID)
    XCTAssertNil(
      try RunCache(workspace: runner.workspace).plan(
        try library.load("tiny", overrides: ["seed=11"])),
      "another seed is another computation")
    // A dirty tree is never reused.
    let dirty = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: HTMLRunReporter()))
    dirty.workspace.provenance = {
      var p = cleanProvenance($0)
      p.gitDirty = true
      return p
    }
    XCTAssertNil(try RunCache(workspace: dirty.workspace).plan(tiny))

    let second = try tiny.withSeed(index: 1)
    XCTAssertEqual(second.seed, tiny.seed + 1)
    XCTAssertNotEqual(second.configHash, tiny.configHash)
    try runner.start(second).paths
    try runner.start(try library.load("narrow")).paths

    let database = try SQLiteRunStore(outputRoot: dir + "/out")
    XCTAssertEqual(try database.runs().count, 4)
    XCTAssertEqual(try database.runs(experiment: "tiny").count, 3)
    let byAccuracy = try database.runs(sort: .testAccuracy, descending: true).compactMap(
      \.testAccuracy)
    XCTAssertEqual(byAccuracy, byAccuracy.sorted(by: >))
    // The folders are the truth: a lost index is rebuilt from them.
    try FileManager.default.removeItem(atPath: dir + "/out/runs.sqlite")
    XCTAssertEqual(try runner.workspace.catalog.reindex(), 4)
    XCTAssertEqual(try SQLiteRunStore(outputRoot: dir + "/out").runs(status: .completed).count, 4)

    let tinyRuns = try database.runs(experiment: "tiny").filter { $0.runID != first.runID }.map {
      RunPaths(directory: $0.directory)
    }
    let narrowRuns = try database.runs(experiment: "narrow").map {
      RunPaths(directory: $0.directory)
    }
    let page = try ComparisonReport(
      title: "tiny vs narrow", groups: [("tiny", tinyRuns), ("narrow", narrowRuns)]
    ).write(to: dir + "/compare")
    let html = try String(contentsOfFile: page, encoding: .utf8)
    XCTAssert(html.contains("model[0]"), "the config diff names the layer that differs")
    XCTAssert(html.contains("filters: 4") && html.contains("filters: 2"))
    XCTAssert(html.contains("no confidence interval with 2 and 1 runs"), "verdict missing")
    for file in [
      "val_accuracy.png", "val_loss.png", "accuracy_vs_parameters.png", "accuracy_vs_time.png",
      "confusion_0.png", "confusion_difference.png", "confusion_by_epoch.png",
    ] {
      XCTAssert(FileManager.default.fileExists(atPath: "\(dir)/compare/\(file)"), file)
    }
    XCTAssert(html.contains("src=\"val_accuracy.png\""), "the default page links its figures")
    // Both runs' confusion strips, one row each, aligned by epoch on one scale.
    XCTAssert(html.contains("Confusions over training"), "no confusion strips")
    let strips = try RasterImage(pngPath: dir + "/compare/confusion_by_epoch.png")
    XCTAssertGreaterThan(strips.height, 2 * 96, "two rows of panels")
    // A single file embeds every figure and links none.
    let single = try ComparisonReport(
      title: "tiny vs narrow", groups: [("tiny", tinyRuns), ("narrow", narrowRuns)],
      singleFile: true
    ).write(to: dir + "/compare-single")
    let embedded = try String(contentsOfFile: single, encoding: .utf8)
    XCTAssert(embedded.contains("src=\"data:image/png;base64,"))
    XCTAssertEqual(
      embedded.components(separatedBy: "src=\"").count,
      embedded.components(separatedBy: "src=\"data:").count, "a figure is still linked")
  }
}
