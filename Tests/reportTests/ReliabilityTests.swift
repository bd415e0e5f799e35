import Foundation
import TestSupport
import XCTest

/// What a run survives: the signals that stop processes in clusters and services, and a run index
/// that goes away while it trains.
final class ReliabilityTests: XCTestCase {
  /// Starts `report run tiny.yaml` (3 epochs of a small model on 4,000 images) in `dir`, with
  /// `extra` arguments; returns the process once its first epoch is on disk.
  private func startRunAndAwaitFirstEpoch(in dir: String, _ extra: [String] = [])
    throws -> Process
  {
    try write(slowTinyExperimentYAML, to: dir + "/tiny.yaml")
    let process = Process()
    process.executableURL = reportExecutable
    process.arguments = ["run", dir + "/tiny.yaml", "--output", dir + "/out"] + extra
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, process.isRunning, !firstEpochWritten(dir) { usleep(20_000) }
    XCTAssert(firstEpochWritten(dir), "no epoch finished in 2 minutes")
    return process
  }

  /// Whether the run's first epoch is on disk: its checkpoint, and its report showing it.
  private func firstEpochWritten(_ dir: String) -> Bool {
    let runs = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")) ?? []
    return runs.contains { run in
      let folder = "\(dir)/out/runs/tiny/\(run)"
      let report = (try? String(contentsOfFile: folder + "/report.html", encoding: .utf8)) ?? ""
      return FileManager.default.fileExists(atPath: folder + "/checkpoint.safetensors")
        && report.contains("Epoch 1 of 3 finished")
    }
  }

  private func standardError(_ process: Process) -> String {
    guard let pipe = process.standardError as? Pipe else { return "" }
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  }

  func testSIGTERMAndSIGHUPStopARunAsCtrlCDoesAndResumeFinishesIt() throws {
    for (signal, status) in [(SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {
      let dir = try scratch("\(name)\(signal)")
      let process = try startRunAndAwaitFirstEpoch(in: dir)
      kill(process.processIdentifier, signal)
      let errors = standardError(process)
      process.waitUntilExit()
      XCTAssertEqual(process.terminationStatus, status, "signal \(signal): \(errors)")
      XCTAssert(errors.contains("interrupted: continue with `report resume"), errors)
      let shown = try runReport(["show", "tiny", "--output", dir + "/out"])
      XCTAssert(shown.output.contains("\"status\" : \"interrupted\""), shown.output)
      // Resumed as a Ctrl-C'd run is (CommandLineTests), to the end.
      let resumed = try runReport(["resume", "tiny", "--output", dir + "/out"])
      XCTAssert(resumed.error.contains("status completed"), resumed.error)
    }
  }

  func testSIGTERMToASweepReachesTheTrialsItRunsAsChildProcesses() throws {
    let dir = try scratch(name)
    try write(slowSweepYAML(learningRates: [0.001, 0.002]), to: dir + "/pair.yaml")
    let process = Process()
    process.executableURL = reportExecutable
    process.arguments = ["sweep", dir + "/pair.yaml", "--jobs", "2", "--output", dir + "/out"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let runs = dir + "/out/runs/pair"
    func checkpoints() -> Int {
      ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).filter {
        FileManager.default.fileExists(atPath: "\(runs)/\($0)/checkpoint.safetensors")
      }.count
    }
    let deadline = Date().addingTimeInterval(180)
    while Date() < deadline, process.isRunning, checkpoints() < 2 { usleep(50_000) }
    XCTAssertEqual(checkpoints(), 2, "both trials should have saved an epoch")
    // To the sweep's process alone, as `kill`, Slurm or a container runtime sends it.
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 143)
    for run in try FileManager.default.contentsOfDirectory(atPath: runs) where !run.hasPrefix(".") {
      let summary = try String(contentsOfFile: "\(runs)/\(run)/summary.json", encoding: .utf8)
      XCTAssert(summary.contains("\"status\" : \"interrupted\""), summary)
    }
  }

  func testALostRunsPageIsCorrectedByTheNextPageAnyRunWrites() throws {
    let dir = try scratch(name)
    let process = try startRunAndAwaitFirstEpoch(in: dir)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")
      .filter { !$0.hasPrefix(".") }
    let lostPage = "\(dir)/out/runs/tiny/\(runs[0])/report.html"
    XCTAssert(
      try String(contentsOfFile: lostPage, encoding: .utf8).contains("http-equiv=\"refresh\""))
    // Another run, of another experiment, in the same output folder: no list, show or reindex.
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/other.yaml")
    let other = try runReport(["run", dir + "/other.yaml", "--output", dir + "/out"])
    XCTAssertEqual(other.status, 0, other.error)
    let page = try String(contentsOfFile: lostPage, encoding: .utf8)
    XCTAssertFalse(page.contains("http-equiv=\"refresh\""), "the lost run's page still reloads")
    XCTAssert(page.contains("report resume"), "the lost run's page names no resume command")
  }

  func testAnExperimentFileNamedWithSpacesAndAccentsRunsUnderItsFolderName() throws {
    let dir = try scratch(name)
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/mein Lauf ü.yaml")
    let run = try runReport(["run", dir + "/mein Lauf ü.yaml", "--output", dir + "/out"])
    XCTAssertEqual(run.status, 0, run.error)
    XCTAssert(run.error.contains("mein Lauf ü.yaml runs as 'mein-Lauf-ü'"), run.error)
    XCTAssert(run.output.contains("/out/runs/mein-Lauf-ü/"), run.output)
  }

  func testARunWhoseStoreGoesAwayFinishesAndReindexBringsItsRowBack() throws {
    let dir = try scratch(name)
    // A server of this test's own, to stop mid-run.
    let (server, port) = ("/tmp/report-outage-\(getpid())", 55439)
    let store = try TestServices.privatePostgreSQL(directory: server, port: port)
    defer {
      try? TestServices.stopPrivatePostgreSQL(directory: server, port: port)
      try? FileManager.default.removeItem(atPath: server)
    }
    let process = try startRunAndAwaitFirstEpoch(in: dir, ["--store", store, "--store-retry", "3"])
    try TestServices.stopPrivatePostgreSQL(directory: server, port: port)
    let errors = standardError(process)
    process.waitUntilExit()
    // It trained to the end, wrote everything, and says once how to bring the index back.
    XCTAssertEqual(process.terminationStatus, 75, errors)
    XCTAssertEqual(
      errors.components(separatedBy: "the run index cannot be reached").count, 2, errors)
    XCTAssert(errors.contains("report reindex --store '\(store)'"), errors)
    XCTAssert(errors.contains("test accuracy"), errors)
    let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")
      .filter { !$0.hasPrefix(".") }
    let folder = dir + "/out/runs/tiny/" + runs[0]
    let summary = try String(contentsOfFile: folder + "/summary.json", encoding: .utf8)
    XCTAssert(summary.contains("\"status\" : \"completed\""), summary)
    XCTAssert(summary.contains("\"epochs_run\" : 3"), summary)
    for file in ["report.html", "weights.safetensors", "predictions.csv", "model.onnx"] {
      XCTAssert(FileManager.default.fileExists(atPath: folder + "/" + file), file)
    }
    // Back up, the index does not know the run finished until the command the warning named.
    _ = try TestServices.privatePostgreSQL(directory: server, port: port)
    let stale = try runReport(["list", "--json", "--store", store, "--output", dir + "/out"])
    XCTAssertFalse(stale.output.contains("\"status\" : \"completed\""), stale.output)
    let reindexed = try runReport(["reindex", "--store", store, "--output", dir + "/out"])
    XCTAssertEqual(reindexed.status, 0, reindexed.error)
    let listed = try runReport(["list", "--json", "--store", store, "--output", dir + "/out"])
    XCTAssert(listed.output.contains("\"run_id\" : \"\(runs[0])\""), listed.output)
    XCTAssert(listed.output.contains("\"status\" : \"completed\""), listed.output)
  }
}
