import ExperimentDefinitions
import Foundation
import Reports
import RunStorage
import Slurm
import TestSupport
import XCTest

@testable import Runs
@testable import Sweeps

/// The sweep library without the binary: planning, running trials in this process, the status
/// table, and a Slurm submission that fails before it leaves anything behind.
final class SweepRunnerTests: XCTestCase {
  /// A runner of a two-trial sweep of `dir/tiny.yaml` over the learning rate, into `dir/out`,
  /// whose runs the cache may reuse (committed-code provenance).
  private func tinySweep(in dir: String) throws -> SweepRunner {
    try write(
      tinyExperimentYAML(
        epochs: 1,
        extra: """
          sweep:
            parameters:
              training.optimizer.learning_rate: [0.003, 0.002]
          """), to: dir + "/tiny.yaml")
    let sweep = try XCTUnwrap(try ExperimentLibrary(directory: dir).sweep("tiny"))
    let trainer = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    trainer.workspace.provenance = {
      Provenance(
        gitCommit: "0123456789abcdef", gitDirty: false, binaryVersion: Provenance.binaryVersion,
        swiftVersion: "test", blas: "test", machine: "test", threads: 1, datasetChecksums: $0)
    }
    return SweepRunner(sweep: sweep, trainer: trainer, options: SweepOptions())
  }

  func testRunAllTrainsEveryPendingTrialThenReusesThem() throws {
    let runner = try tinySweep(in: try scratch())
    XCTAssertEqual(try runner.pendingTrials(), [0, 1])
    XCTAssertEqual(
      try runner.describe(1), "trial 1 of 2 (training.optimizer.learning_rate=0.002, seed 3)")
    let outcome = try runner.runAll()
    XCTAssertEqual(outcome.failed, [])
    XCTAssert(FileManager.default.fileExists(atPath: outcome.page), outcome.page)
    XCTAssertEqual(try runner.pendingTrials(), [], "finished trials are not pending")
    let plan = try runner.plan()
    XCTAssertEqual(plan.map(\.index), [0, 1])
    XCTAssert(plan.allSatisfy { $0.cached != nil }, "\(plan)")
    let again = try runner.runTrial(0)
    XCTAssertEqual(again.source, .reused)
    XCTAssertEqual(again.paths.runID, plan[0].cached?.runID)
  }

  func testForceMakesEveryTrialPendingAgain() throws {
    var runner = try tinySweep(in: try scratch())
    _ = try runner.runAll()
    runner.options.force = true
    XCTAssertEqual(try runner.pendingTrials(), [0, 1])
  }

  func testStatusTableShowsEachTrialsRunAndState() throws {
    let runner = try tinySweep(in: try scratch())
    let before = runner.statusTable()
    XCTAssertEqual(before.count, 3, before.joined(separator: "\n"))
    XCTAssert(before[0].hasPrefix("trial"), before[0])
    XCTAssert(before[1].contains("not started"), before[1])
    let trained = try runner.runTrial(1)
    XCTAssertEqual(trained.source, .trained)
    let after = runner.statusTable()
    XCTAssert(after[1].contains("not started"), after[1])
    XCTAssert(after[2].contains(trained.paths.runID) && after[2].contains("completed"), after[2])
  }

  func testATrialOutOfRangeIsAnErrorNamingTheSweep() throws {
    let runner = try tinySweep(in: try scratch())
    XCTAssertThrowsError(try runner.runTrial(5)) {
      XCTAssertEqual("\($0)", "sweep tiny has 2 trials (0...1); there is no trial 5")
    }
  }

  /// Slurm's commands as shell scripts in `dir/bin` that log their arguments to `dir/calls`:
  /// the first `sbatch` is accepted as job 41, the second is refused.
  private func slurmRefusingTheSecondJob(in dir: String) throws -> SlurmClient {
    let bin = dir + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    let scripts = [
      "sbatch": """
      echo "sbatch $*" >> \(dir)/calls
      if [ -e \(dir)/submitted ]; then echo "sbatch: error: invalid partition" >&2; exit 1; fi
      touch \(dir)/submitted; echo 41
      """,
      "scontrol": "echo \"scontrol $*\" >> \(dir)/calls",
      "scancel": "echo \"scancel $*\" >> \(dir)/calls",
    ]
    for (name, body) in scripts {
      try write("#!/bin/sh\n" + body + "\n", to: "\(bin)/\(name)")
      chmod("\(bin)/\(name)", 0o755)
    }
    return try SlurmClient(searchPath: bin)
  }

  func testAFailedSubmissionCancelsWhatItSubmittedAndLeavesNothingBehind() throws {
    let dir = try scratch()
    let runner = try tinySweep(in: dir)
    XCTAssertThrowsError(
      try runner.submit(
        to: SlurmOptions(), store: .embedded(outputRoot: dir + "/out"),
        client: try slurmRefusingTheSecondJob(in: dir))
    ) {
      XCTAssert("\($0)".contains("invalid partition"), "\($0)")
    }
    let calls = try String(contentsOfFile: dir + "/calls", encoding: .utf8)
      .split(separator: "\n")
    XCTAssertEqual(calls.count, 3, "\(calls)")
    XCTAssert(calls[0].hasPrefix("sbatch --parsable --hold "), "\(calls)")
    XCTAssert(calls[1].hasPrefix("sbatch --parsable --dependency=afterany:41 "), "\(calls)")
    XCTAssertEqual(calls[2], "scancel 41", "the held array was not cancelled")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/sweeps"))
    XCTAssertEqual(
      try SQLiteRunStore(outputRoot: dir + "/out").runs().count, 0, "a row was left behind")
  }
}
