import Foundation
import TestSupport
import XCTest

/// `report run NAME --executor slurm` on the one-node test cluster, recording into PostgreSQL.
final class SlurmCommandLineTests: XCTestCase {
  /// A two-trial sweep of a tiny model, its data in `dataDirectory`.
  private func sweepFile(in dir: String, dataDirectory: String = repositoryRoot + "/data/mnist")
    throws -> String
  {
    let yaml = """
      dataset: {name: mnist, directory: \(dataDirectory), subset: 200, test_subset: 50}
      model: [flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      sweep:
        method: grid
        parameters:
          training.optimizer.learning_rate: [0.001, 0.01]
        metric: val_accuracy
      """
    try write(yaml, to: dir + "/grid.yaml")
    return dir + "/grid.yaml"
  }

  private func rows(_ store: String) throws -> [[String: Any]] {
    let result = try runReport(["list", "--json", "--store", store])
    XCTAssertEqual(result.status, 0, result.error)
    return try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
  }

  /// Waits (at most ten minutes) until `path` exists.
  private func waitFor(_ path: String) {
    let deadline = Date().addingTimeInterval(600)
    while !FileManager.default.fileExists(atPath: path), Date() < deadline { usleep(500_000) }
  }

  func testTheShippedSweepDemoRunsThroughSlurmIntoPostgreSQL() throws {
    _ = try TestServices.slurm()
    let store = try TestServices.postgreSQLSchema(#function)
    let out = try scratch() + "/out"
    let submitted = try runReport([
      "sweep", "sweep_demo", "--executor", "slurm", "--store", store, "--output", out,
      "--time-limit", "20", "--array-throttle", "2", "--cpus-per-trial", "1",
    ])
    XCTAssertEqual(submitted.status, 0, submitted.error)
    XCTAssert(submitted.error.contains("4 of 4 trials submitted as Slurm array"), submitted.error)
    let script = try String(
      contentsOfFile: out + "/sweeps/sweep_demo/slurm/trials.sbatch", encoding: .utf8)
    XCTAssert(script.contains("#SBATCH --array=0,1,2,3%2"), script)
    XCTAssert(script.contains("\"--trial\" \"${SLURM_ARRAY_TASK_ID}\""), script)
    XCTAssert(script.contains("\"--store\" \"\(store)\""), script)
    // Every trial is in the store from submission on: queued until its task records it.
    let early = try rows(store)
    XCTAssertEqual(early.compactMap { $0["trial"] as? Int }.sorted(), [0, 1, 2, 3])
    XCTAssert(
      Set(early.compactMap { $0["status"] as? String }).isSubset(of: [
        "queued", "running", "completed", "pruned",
      ]), "\(early)")
    waitFor(out + "/sweeps/sweep_demo/index.html")
    let done = try rows(store)
    XCTAssertEqual(done.count, 4, "\(done)")
    let statuses = done.compactMap { $0["status"] as? String }
    XCTAssert(Set(statuses).isSubset(of: ["completed", "pruned"]), "\(statuses)")
    XCTAssert(statuses.contains("completed"), "\(statuses)")
    XCTAssertEqual(Set(done.compactMap { $0["sweep"] as? String }), ["sweep_demo"])
    for row in done {
      let directory = try XCTUnwrap(row["directory"] as? String)
      XCTAssert(FileManager.default.fileExists(atPath: directory + "/report.html"), directory)
    }
  }

  /// Runs a Slurm client command; returns its standard output.
  private func slurm(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments)")
    return printed
  }

  /// The trial's summary once `done` says it is what the test waits for (at most five minutes).
  private func awaitSummary(_ folder: String, _ done: (String) -> Bool) -> String {
    let deadline = Date().addingTimeInterval(300)
    while Date() < deadline {
      for run in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
        let summary =
          (try? String(contentsOfFile: "\(folder)/\(run)/summary.json", encoding: .utf8))
        if let summary, done(summary) { return summary }
      }
      usleep(250_000)
    }
    return ""
  }

  /// `scontrol show job` for a job once it has left the running and completing states (at most
  /// one minute), so that its exit code is final.
  private func awaitJobEnd(_ job: String) throws -> String {
    let deadline = Date().addingTimeInterval(60)
    var shown = ""
    while Date() < deadline {
      shown = try slurm("scontrol", ["show", "job", job])
      let state = shown.firstMatch(of: /JobState=(\w+)/)?.1 ?? ""
      if !["RUNNING", "COMPLETING", "CONFIGURING", "PENDING", "SUSPENDED"].contains(state) {
        return shown
      }
      usleep(250_000)
    }
    return shown
  }

  func testATrialSlurmStopsCheckpointsAndARequeueFinishesIt() throws {
    _ = try TestServices.slurm()
    let dir = try scratch()
    let out = dir + "/out"
    try write(slowSweepYAML(learningRates: [0.002]), to: dir + "/slow.yaml")
    let submitted = try runReport([
      "sweep", dir + "/slow.yaml", "--executor", "slurm", "--output", out, "--time-limit", "20",
    ])
    XCTAssertEqual(submitted.status, 0, submitted.error)
    let script = try String(
      contentsOfFile: out + "/sweeps/slow/slurm/trials.sbatch", encoding: .utf8)
    XCTAssert(script.contains("#SBATCH --signal=B:TERM@120\n#SBATCH --requeue\n"), script)
    let job = try XCTUnwrap(
      submitted.error.firstMatch(of: /submitted as Slurm array (\d+)/)?.1, submitted.error)
    let runs = out + "/runs/slow"
    _ = awaitSummary(runs) { $0.contains("\"epochs_run\" : 1") }
    // What Slurm sends at the time limit (the script asks for it 120 s before), sent now.
    _ = try slurm("scancel", ["--batch", "--signal=TERM", String(job)])
    let stopped = awaitSummary(runs) { $0.contains("\"status\" : \"interrupted\"") }
    XCTAssert(stopped.contains("\"status\" : \"interrupted\""), "the trial was not interrupted")
    XCTAssertFalse(stopped.contains("\"epochs_run\" : 4"), "the trial finished before the signal")
    // The summary is written before the process exits, so wait for Slurm to see the end.
    let ended = try awaitJobEnd("\(job)_0")
    XCTAssert(ended.contains("ExitCode=143:0"), "a trial stopped by SIGTERM exits 143: \(ended)")
    _ = try slurm("scontrol", ["requeue", "\(job)_0"])
    let finished = awaitSummary(runs) { $0.contains("\"status\" : \"completed\"") }
    XCTAssert(finished.contains("\"epochs_run\" : 4"), "the requeued trial did not finish")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: runs).count, 1)
  }

  func testTrialsThatNeverStartAreFailedByThePageJob() throws {
    _ = try TestServices.slurm()
    let store = try TestServices.postgreSQLSchema(#function)
    let dir = try scratch()
    let out = dir + "/out"
    // Data the nodes cannot read: each task stops before it records its run.
    let submitted = try runReport(
      [
        "sweep", try sweepFile(in: dir, dataDirectory: dir + "/no-data"), "--executor", "slurm",
        "--store", store, "--output", out,
      ], in: dir)
    XCTAssertEqual(submitted.status, 0, submitted.error)
    waitFor(out + "/sweeps/grid/index.html")
    let done = try rows(store)
    XCTAssertEqual(done.compactMap { $0["status"] as? String }, ["failed", "failed"], "\(done)")
    let log = try String(contentsOfFile: out + "/sweeps/grid/slurm/page.log", encoding: .utf8)
    XCTAssert(log.contains("never started: failed"), log)
  }

  func testBadSubmissionsSayWhyAndLeaveNothingBehind() throws {
    _ = try TestServices.slurm()
    let store = try TestServices.postgreSQLSchema(#function)
    let dir = try scratch()
    let out = dir + "/out"
    let sweep = try sweepFile(in: dir)
    let base = ["sweep", sweep, "--executor", "slurm", "--output", out]
    let cases: [(arguments: [String], environment: [String: String], message: String)] = [
      (
        base + ["--store", store], ["PATH": "/nonexistent"],
        "sbatch is not on the PATH (/nonexistent)"
      ),
      (
        base + ["--store", "postgresql://ann@127.0.0.1:1/runs"], [:],
        "cannot reach the run store postgresql://ann@127.0.0.1:1/runs (host 127.0.0.1, port 1)"
      ),
      (
        base + ["--store", store, "--partition", "no_such_partition"], [:],
        "Slurm refused `sbatch --parsable --hold \(out)/sweeps/grid/slurm/trials.sbatch`: "
          + "sbatch: error: invalid partition specified: no_such_partition"
      ),
      (
        base + ["--store", store, "--time-limit", "ten minutes"], [:],
        "time limit 'ten minutes': expected minutes"
      ),
    ]
    for (arguments, environment, message) in cases {
      let result = try runReport(arguments, in: dir, environment: environment)
      XCTAssertNotEqual(result.status, 0, message)
      XCTAssert(result.error.contains(message), result.error)
      XCTAssertFalse(
        FileManager.default.fileExists(atPath: out + "/sweeps"), "a folder was left by: \(message)")
      XCTAssertEqual(try rows(store).count, 0, "rows were recorded by: \(message)")
    }
    let notASweep = try runReport(
      ["sweep", "quick", "--executor", "slurm", "--output", out], in: repositoryRoot)
    XCTAssertNotEqual(notASweep.status, 0)
    XCTAssert(notASweep.error.contains("quick declares no sweep"), notASweep.error)
    // `report run` trains single runs; given a sweep it names the command that runs it.
    let aSweep = try runReport(["run", sweep, "--output", out], in: dir)
    XCTAssertNotEqual(aSweep.status, 0)
    XCTAssert(aSweep.error.contains("run it with `report sweep \(sweep)`"), aSweep.error)
    XCTAssertFalse(aSweep.error.contains("Usage:"), "a fact, not a misused flag: \(aSweep.error)")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/runs"))
  }
}
