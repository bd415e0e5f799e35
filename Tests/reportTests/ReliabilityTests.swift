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
    let yaml = """
      dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 4000, test_subset: 100}
      model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 3, batch_size: 50}
      """
    try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
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

  private func firstEpochWritten(_ dir: String) -> Bool {
    let runs = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")) ?? []
    return runs.contains {
      FileManager.default.fileExists(atPath: "\(dir)/out/runs/tiny/\($0)/checkpoint.safetensors")
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
      let resumed = try runReport(["resume", "tiny", "--output", dir + "/out"])
      XCTAssertEqual(resumed.status, 0, resumed.error)
      let after = try runReport(["show", "tiny", "--output", dir + "/out"])
      XCTAssert(
        after.output.contains("\"status\" : \"completed\"")
          && after.output.contains("\"epochs_run\" : 3"), after.output)
    }
  }

  func testALostRunsPageIsCorrectedByTheNextPageAnyRunWrites() throws {
    let dir = try scratch(name)
    let process = try startRunAndAwaitFirstEpoch(in: dir)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")
    let lostPage = "\(dir)/out/runs/tiny/\(runs[0])/report.html"
    XCTAssert(
      try String(contentsOfFile: lostPage, encoding: .utf8).contains("http-equiv=\"refresh\""))
    // Another run, of another experiment, in the same output folder: no list, show or reindex.
    try write(
      "dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 200, test_subset: 50}\n"
        + "model: [flatten, {dense: {units: 10, activation: softmax}}]\ntraining: {epochs: 1}\n",
      to: dir + "/other.yaml")
    let other = try runReport(["run", dir + "/other.yaml", "--output", dir + "/out"])
    XCTAssertEqual(other.status, 0, other.error)
    let page = try String(contentsOfFile: lostPage, encoding: .utf8)
    XCTAssertFalse(page.contains("http-equiv=\"refresh\""), "the lost run's page still reloads")
    XCTAssert(page.contains("report resume"), "the lost run's page names no resume command")
  }

  func testAnExperimentFileNamedWithSpacesAndAccentsRunsUnderItsFolderName() throws {
    let dir = try scratch(name)
    try write(
      "dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 200, test_subset: 50}\n"
        + "model: [flatten, {dense: {units: 10, activation: softmax}}]\ntraining: {epochs: 1}\n",
      to: dir + "/mein Lauf ü.yaml")
    let run = try runReport(["run", dir + "/mein Lauf ü.yaml", "--output", dir + "/out"])
    XCTAssertEqual(run.status, 0, run.error)
    XCTAssert(run.error.contains("mein Lauf ü.yaml runs as 'mein-Lauf-ü'"), run.error)
    XCTAssert(run.output.contains("/out/runs/mein-Lauf-ü/"), run.output)
  }

  /// A PostgreSQL server of this test's own (its own folder and port), to stop mid-run.
  private struct PrivatePostgreSQL {
    let environment: [String: String]

    /// Its folder is short: a Unix socket's path may not exceed 107 bytes.
    let directory = "/tmp/report-outage-\(getpid())"

    init() {
      environment = ["REPORT_SERVICES_DIR": directory, "REPORT_POSTGRES_PORT": "55439"]
    }

    /// Starts it (again); returns its URI.
    func start() throws -> String {
      let printed = try services("start")
      let line = try XCTUnwrap(
        printed.split(separator: "\n").first { $0.hasPrefix("export REPORT_TEST_POSTGRES=") })
      return String(line.dropFirst("export REPORT_TEST_POSTGRES=".count))
    }

    func stop() throws { _ = try services("stop") }

    private func services(_ action: String) throws -> String {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/bash")
      process.arguments = [repositoryRoot + "/scripts/services.sh", action, "postgres"]
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
      let output = FileManager.default.temporaryDirectory.appendingPathComponent(
        "report-private-postgres-\(getpid()).out")
      FileManager.default.createFile(atPath: output.path, contents: nil)
      process.standardOutput = try FileHandle(forWritingTo: output)
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      XCTAssertEqual(process.terminationStatus, 0, "services.sh \(action) postgres failed")
      return try String(contentsOf: output, encoding: .utf8)
    }
  }

  func testARunWhoseStoreGoesAwayFinishesAndReindexBringsItsRowBack() throws {
    let dir = try scratch(name)
    let postgres = PrivatePostgreSQL()
    let store = try postgres.start()
    defer {
      try? postgres.stop()
      try? FileManager.default.removeItem(atPath: postgres.directory)
    }
    let process = try startRunAndAwaitFirstEpoch(in: dir, ["--store", store, "--store-retry", "3"])
    try postgres.stop()
    let errors = standardError(process)
    process.waitUntilExit()
    // It trained to the end, wrote everything, and says once how to bring the index back.
    XCTAssertEqual(process.terminationStatus, 75, errors)
    XCTAssertEqual(
      errors.components(separatedBy: "the run index cannot be reached").count, 2, errors)
    XCTAssert(errors.contains("report reindex --store '\(store)'"), errors)
    XCTAssert(errors.contains("test accuracy"), errors)
    let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")
    let folder = dir + "/out/runs/tiny/" + runs[0]
    let summary = try String(contentsOfFile: folder + "/summary.json", encoding: .utf8)
    XCTAssert(summary.contains("\"status\" : \"completed\""), summary)
    XCTAssert(summary.contains("\"epochs_run\" : 3"), summary)
    for file in ["report.html", "weights.safetensors", "predictions.csv", "model.onnx"] {
      XCTAssert(FileManager.default.fileExists(atPath: folder + "/" + file), file)
    }
    // Back up, the index still shows the run as the outage left it, until reindex.
    _ = try postgres.start()
    let stale = try runReport(["list", "--json", "--store", store, "--output", dir + "/out"])
    XCTAssert(stale.output.contains("\"status\" : \"lost\""), stale.output)
    let reindexed = try runReport(["reindex", "--store", store, "--output", dir + "/out"])
    XCTAssertEqual(reindexed.status, 0, reindexed.error)
    let listed = try runReport(["list", "--json", "--store", store, "--output", dir + "/out"])
    XCTAssert(listed.output.contains("\"status\" : \"completed\""), listed.output)
    XCTAssert(listed.output.contains("\"epochs_run\" : 3"), listed.output)
  }
}
