import Foundation
import NeuralNet
import RunStorage
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Runs

/// Telling a run that trains from one whose process is gone, without training anything.
final class LostRunTests: XCTestCase {
  func testStatLineIsCountedAfterTheCommandName() {
    // The command name may hold spaces and parentheses; the start time is field 22.
    let line = "1234 (a) b (c)) S " + (1...18).map(String.init).joined(separator: " ") + " 4242 7 8"
    XCTAssertEqual(ProcessIdentity.procStat(line: line)?.state, "S")
    XCTAssertEqual(ProcessIdentity.procStat(line: line)?.startTicks, 4242)
    XCTAssertNil(ProcessIdentity.procStat(line: "1234 (cut short) S 1 2"))
    XCTAssertNil(ProcessIdentity.procStat(line: "no parentheses"))
  }

  func testThisProcessRunsAndAnEndedOrReusedPidDoesNot() throws {
    let me = ProcessIdentity.current
    XCTAssert(me.isOnThisMachine)
    XCTAssert(me.isRunning)
    XCTAssertNotNil(me.startTicks)
    var reused = me
    reused.startTicks = (me.startTicks ?? 0) + 1
    XCTAssertFalse(reused.isRunning, "the same pid with another start time is another process")
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/true")
    try child.run()
    child.waitUntilExit()
    var ended = me
    (ended.pid, ended.startTicks) = (child.processIdentifier, nil)
    XCTAssertFalse(ended.isRunning, "an ended process runs")
    var elsewhere = me
    elsewhere.host = "another-machine"
    XCTAssertFalse(elsewhere.isOnThisMachine)
  }

  /// A run folder recorded as `status`, as a runner leaves it.
  private func runFolder(_ dir: String, status: RunStatus) throws -> RunPaths {
    let paths = RunPaths(directory: dir + "/out/runs/tiny/20260101-000000-0001")
    try FileManager.default.createDirectory(
      atPath: paths.figures, withIntermediateDirectories: true)
    try write(tinyExperimentYAML(), to: dir + "/tiny.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("tiny")
    try write(experiment.resolved.yaml() + "\n", to: paths.config)
    let summary = RunSummary(
      runID: paths.runID, experiment: "tiny", status: status, startedAt: "2026-01-01T00:00:00Z",
      trainingSeconds: 0, totalSeconds: 0, epochsRun: 0, parameters: 1, seed: 3,
      configHash: experiment.configHash,
      provenance: Provenance(
        gitCommit: nil, gitDirty: nil, binaryVersion: "test", swiftVersion: "test", blas: "test",
        machine: "test", threads: 1, datasetChecksums: [:]))
    let encoder = JSONEncoder()
    try encoder.encode(summary).write(to: URL(fileURLWithPath: paths.summary))
    return paths
  }

  func testLostIsDerivedFromTheProcessHereAndFromTheHeartbeatsAgeElsewhere() throws {
    let dir = try scratch()
    let paths = try runFolder(dir, status: .running)
    let now = Date()
    func status(_ process: ProcessIdentity, beat: Date = now) throws -> RunStatus {
      try RunHeartbeat(
        process: process, updatedAt: Timestamp.string(beat), epochsFinished: 1, epochs: 2
      )
      .write(to: paths)
      return try RunLiveness.status(recorded: .running, paths: paths, now: now)
    }
    let me = ProcessIdentity.current
    XCTAssertEqual(try status(me), .running)
    XCTAssertEqual(
      try status(me, beat: now.addingTimeInterval(-3600)), .running,
      "on this machine the process decides, not the heartbeat's age")
    var reused = me
    reused.startTicks = (me.startTicks ?? 0) + 1
    XCTAssertEqual(try status(reused), .lost)
    var elsewhere = me
    elsewhere.host = "another-machine"
    XCTAssertEqual(try status(elsewhere, beat: now.addingTimeInterval(-60)), .running)
    XCTAssertEqual(
      try status(elsewhere, beat: now.addingTimeInterval(-RunLiveness.staleAfter - 1)), .lost)
    // The derived status is what a record reads; the folder still says running.
    XCTAssertEqual(try RunRecord(loading: paths, now: now).summary.status, .lost)
    XCTAssertEqual(try readJSON(RunSummary.self, from: paths.summary).status, .running)
    XCTAssertEqual(try RunLiveness.status(recorded: .completed, paths: paths, now: now), .completed)
    // A heartbeat that cannot be read is an error naming it.
    try write("{\"process\": 3}", to: paths.heartbeat)
    XCTAssertThrowsError(try RunLiveness.status(recorded: .running, paths: paths, now: now)) {
      XCTAssert("\($0)".contains("heartbeat.json"), "\($0)")
    }
    // Runs recorded before heartbeats: summary.json was their last sign of life.
    try FileManager.default.removeItem(atPath: paths.heartbeat)
    XCTAssertEqual(try RunLiveness.status(recorded: .running, paths: paths, now: now), .running)
    XCTAssertEqual(
      try RunLiveness.status(
        recorded: .running, paths: paths, now: now.addingTimeInterval(RunLiveness.staleAfter + 60)),
      .lost)
  }

  func testResumeRefusesARunStillTrainingAndALostRunWithoutCheckpointNamesItsCommand() throws {
    let dir = try scratch()
    let paths = try runFolder(dir, status: .running)
    try RunHeartbeat(epochsFinished: 0, epochs: 2).write(to: paths)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: NoReporter()))
    XCTAssertThrowsError(try runner.resume(paths)) {
      XCTAssertEqual(
        $0 as? RunError, .stillRunning(runID: paths.runID, process: .current), "\($0)")
    }
    var summary = try readJSON(RunSummary.self, from: paths.summary)
    summary.command = "report run tiny --set seed=3"
    try JSONEncoder().encode(summary).write(to: URL(fileURLWithPath: paths.summary))
    var gone = ProcessIdentity.current
    gone.startTicks = (gone.startTicks ?? 0) + 1
    try RunHeartbeat(
      process: gone, updatedAt: Timestamp.string(Date()), epochsFinished: 0, epochs: 2
    ).write(to: paths)
    XCTAssertThrowsError(try runner.resume(paths)) {
      XCTAssertEqual(
        $0 as? RunError,
        .noCheckpoint(
          runID: paths.runID, experiment: "tiny", command: "report run tiny --set seed=3"),
        "\($0)")
    }
    XCTAssertEqual(try runner.workspace.catalog.runs().count, 0, "nothing indexed yet")
  }

  func testResumeOfALostRunIsRefusedWhileAnotherResumeHoldsItsLock() throws {
    let dir = try scratch()
    let paths = try runFolder(dir, status: .running)
    var gone = ProcessIdentity.current
    gone.startTicks = (gone.startTicks ?? 0) + 1
    try RunHeartbeat(
      process: gone, updatedAt: Timestamp.string(Date()), epochsFinished: 0, epochs: 2
    ).write(to: paths)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: NoReporter()))
    // The folder says lost, but a racing resume took the lock first (its own open file).
    var holder: RunLock? = try RunLock(paths, process: nil)
    XCTAssertThrowsError(try runner.resume(paths)) {
      XCTAssertEqual($0 as? RunError, .stillRunning(runID: paths.runID, process: gone), "\($0)")
    }
    XCTAssertNotNil(holder)
    // Released (as when that process ends, however it ends), the lost run goes on to its checks.
    holder = nil
    XCTAssertThrowsError(try runner.resume(paths)) {
      guard case .noCheckpoint? = $0 as? RunError else { return XCTFail("\($0)") }
    }
  }
}

/// A reporter that writes nothing, for runners that never reach a report.
struct NoReporter: RunReporter {
  func writeReport(
    for run: RunRecord, evaluation: Evaluation?, data: ExperimentData, model: Sequential
  ) throws {}
  func writeEnsembleReport(for run: RunRecord, ensemble: Ensemble) throws {}
  func writeIndex(of catalog: RunCatalog) throws {}
}
