import Foundation
import XCTest

@testable import Experiments

final class TrackingTests: XCTestCase {
  private func cleanProvenance(_ checksums: [String: String]) -> Provenance {
    Provenance(gitCommit: "0123456789abcdef", gitDirty: false, binaryVersion: Provenance.binaryVersion, swiftVersion: "test", blas: "test", machine: "test", threads: 2, datasetChecksums: checksums)
  }

  func testStatisticsByHand() {
    let s = SeedStatistics([0.99, 0.991, 0.992])
    XCTAssertEqual(s.mean, 0.991, accuracy: 1e-12)
    XCTAssertEqual(s.standardDeviation, 0.001, accuracy: 1e-12)
    XCTAssertEqual(s.halfWidth95!, 4.303 * 0.001 / 3.0.squareRoot(), accuracy: 1e-9)
    XCTAssertNil(SeedStatistics([0.5]).halfWidth95)
    XCTAssertEqual(studentT975(10), 2.228)
    XCTAssertEqual(studentT975(1000), 1.96, accuracy: 1e-9)
    let clear = Difference([0.990, 0.991, 0.989, 0.990, 0.990], [0.995, 0.996, 0.994, 0.995, 0.995])
    XCTAssert(clear.verdict.hasPrefix("+0.50 points, 95% CI [+0.") && clear.verdict.hasSuffix("significant with 5 and 5 seeds") && !clear.verdict.contains("not significant"), clear.verdict)
    let noisy = Difference([0.990, 0.995, 0.985], [0.991, 0.986, 0.996])
    XCTAssert(noisy.verdict.contains("not significant with 3 and 3 seeds"), noisy.verdict)
    XCTAssert(Difference([0.99], [0.98]).verdict.contains("no confidence interval"))
  }

  func testIndexCacheSeedsAndComparison() throws {
    let dir = try scratch()
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/tiny.yaml")
    try write(tinyExperimentYAML(epochs: 1).replacingOccurrences(of: "filters: 4", with: "filters: 2"), to: dir + "/narrow.yaml")
    let library = ExperimentLibrary(directory: dir)
    let runner = ExperimentRunner(outputRoot: dir + "/out")
    runner.provenance = cleanProvenance
    let tiny = try library.load("tiny")
    XCTAssertNil(try runner.plan(tiny), "nothing is cached yet")
    let first = try runner.run(tiny)
    XCTAssertFalse(runner.reusedCachedRun)
    // The same configuration, data and commit: reused, not trained again.
    XCTAssertEqual(try runner.plan(tiny)?.runID, first.runID)
    XCTAssertEqual(try runner.run(tiny).runID, first.runID)
    XCTAssert(runner.reusedCachedRun)
    XCTAssertNotEqual(try runner.run(tiny, force: true).runID, first.runID)
    XCTAssertNil(try runner.plan(try library.load("tiny", overrides: ["seed=11"])), "another seed is another computation")
    // A dirty tree is never reused.
    let dirty = ExperimentRunner(outputRoot: dir + "/out")
    dirty.provenance = { var p = self.cleanProvenance($0); p.gitDirty = true; return p }
    XCTAssertNil(try dirty.plan(tiny))

    let second = try tiny.withSeed(index: 1)
    XCTAssertEqual(second.seed, tiny.seed + 1)
    XCTAssertNotEqual(second.configHash, tiny.configHash)
    try runner.run(second)
    try runner.run(try library.load("narrow"))

    let database = try RunDatabase(outputRoot: dir + "/out")
    XCTAssertEqual(try database.rows().count, 4)
    XCTAssertEqual(try database.rows(experiment: "tiny").count, 3)
    let byAccuracy = try database.rows(sort: "test_accuracy", descending: true).compactMap(\.testAccuracy)
    XCTAssertEqual(byAccuracy, byAccuracy.sorted(by: >))
    XCTAssertThrowsError(try database.rows(sort: "size; DROP TABLE runs")) { XCTAssert("\($0)".contains("unknown column"), "\($0)") }
    // The folders are the truth: a lost index is rebuilt from them.
    try FileManager.default.removeItem(atPath: dir + "/out/runs.sqlite")
    XCTAssertEqual(try runner.reindex(), 4)
    XCTAssertEqual(try RunDatabase(outputRoot: dir + "/out").rows(status: "completed").count, 4)

    let tinyRuns = try database.rows(experiment: "tiny").filter { $0.runID != first.runID }.map { RunPaths(directory: $0.directory) }
    let narrowRuns = try database.rows(experiment: "narrow").map { RunPaths(directory: $0.directory) }
    let page = try ComparisonReport(title: "tiny vs narrow", groups: [("tiny", tinyRuns), ("narrow", narrowRuns)]).write(to: dir + "/compare")
    let html = try String(contentsOfFile: page, encoding: .utf8)
    XCTAssert(html.contains("model[0]"), "the config diff names the layer that differs")
    XCTAssert(html.contains("filters: 4") && html.contains("filters: 2"))
    XCTAssert(html.contains("no confidence interval with 2 and 1 runs"), "verdict missing")
    for file in ["val_accuracy.png", "val_loss.png", "accuracy_vs_parameters.png", "accuracy_vs_time.png", "confusion_0.png", "confusion_difference.png"] {
      XCTAssert(FileManager.default.fileExists(atPath: "\(dir)/compare/\(file)"), file)
    }
  }

  func testTwoProcessesRecordingAtOnceAreBothIndexed() throws {
    let dir = try scratch()
    let rows = (0..<2).map { i in
      RunDatabase.Row(runID: "run\(i)", experiment: "x", status: "completed", valAccuracy: 0.9, testAccuracy: 0.9, testLoss: 0.1, parameters: 1, seconds: 1, startedAt: "t\(i)", seed: Int64(i), configHash: "h", cacheKey: "k\(i)", directory: "d\(i)")
    }
    // Two connections writing concurrently, as two `report run` processes do.
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      for j in 0..<50 {
        var row = rows[i]
        row.runID = "run\(i)-\(j)"
        try? RunDatabase(outputRoot: dir).record(row)
      }
    }
    XCTAssertEqual(try RunDatabase(outputRoot: dir).rows().count, 100)
  }
}
