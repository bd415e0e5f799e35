import Foundation
import NeuralNet
import RunStorage
import TestSupport
import XCTest

@testable import Runs

/// Finding a sweep's trials among the run folders, without training: which run stands for a
/// trial, and its best metric up to an epoch.
final class SweepRunsTests: XCTestCase {
  private func record(
    _ runID: String, hash: String, status: RunStatus, valAccuracies: [Double], in root: String
  ) throws {
    let directory = "\(root)/runs/s/\(runID)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let summary = RunSummary(
      runID: runID, experiment: "s", status: status, startedAt: runID, trainingSeconds: 0,
      totalSeconds: 0, epochsRun: valAccuracies.count, parameters: 1, seed: 1, configHash: hash,
      provenance: Provenance(
        binaryVersion: "test", swiftVersion: "test", blas: "test", machine: "test", threads: 1,
        datasetChecksums: [:]))
    try JSONEncoder().encode(summary).write(to: URL(fileURLWithPath: directory + "/summary.json"))
    let log = TrainingLog(
      epochs: valAccuracies.enumerated().map {
        EpochMetrics(
          epoch: $0.offset + 1, loss: 1, accuracy: 0.5, valLoss: 1 - $0.element,
          valAccuracy: $0.element,
          learningRate: 0.001, seconds: 1, imagesPerSecond: 1)
      }, events: [])
    try JSONEncoder().encode(log).write(to: URL(fileURLWithPath: directory + "/metrics.json"))
  }

  func testAFinishedRunStandsForItsTrialBeforeANewerUnfinishedOneAndFailedRunsNever() throws {
    let root = try scratch()
    try record("1-a", hash: "A", status: .completed, valAccuracies: [0.5, 0.9, 0.7], in: root)
    try record("2-a", hash: "A", status: .interrupted, valAccuracies: [0.2], in: root)
    try record("1-b", hash: "B", status: .failed, valAccuracies: [0.9], in: root)
    try record("2-b", hash: "B", status: .interrupted, valAccuracies: [0.4, 0.6], in: root)
    try record("1-c", hash: "C", status: .pruned, valAccuracies: [0.1], in: root)
    try record("1-d", hash: "D", status: .completed, valAccuracies: [0.3], in: root)
    let found = SweepRuns.latest(outputRoot: root, experiment: "s", configHashes: ["A", "B", "C"])
    XCTAssertEqual(found["A"]?.paths.runID, "1-a")
    XCTAssertEqual(found["B"]?.paths.runID, "2-b", "an interrupted run to continue, not the failed")
    XCTAssertEqual(found["C"]?.summary.status, .pruned)
    XCTAssertEqual(found["C"]?.isFinished, true)
    XCTAssertEqual(found["B"]?.isFinished, false)
    XCTAssertNil(found["D"], "not a trial of this sweep")
    // Best so far: over the first two epochs 0.9, over one 0.5; the smallest loss likewise.
    let a = try XCTUnwrap(found["A"])
    XCTAssertEqual(a.best(.valAccuracy), 0.9)
    XCTAssertEqual(a.best(.valAccuracy, upTo: 1), 0.5)
    XCTAssertEqual(try XCTUnwrap(a.best(.valLoss, upTo: 1)), 0.5, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(a.best(.valLoss)), 0.1, accuracy: 1e-12)
  }
}
