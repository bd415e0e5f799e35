import AtomicFiles
import ExperimentDefinitions
import Foundation
import Logging
import Reports
import RunStorage
import Runs
import Slurm

/// What a Slurm submission did.
public struct SlurmSubmission: Sendable {
  /// The array job's id (nil when every trial was finished and nothing was submitted).
  public let arrayJob: String?
  /// The job that writes the sweep page after the array.
  public let pageJob: String?
  /// The trials submitted.
  public let trials: [Int]
  /// The array's batch script.
  public let script: String
}

/// A sweep on Slurm: `submit` writes the array script into the sweep folder, submits it held,
/// submits the page job after it, records every submitted trial as `queued`, then releases the
/// array; each task runs `report sweep NAME --trial K` into the shared output and store, which
/// `store` names for them; `finishArray` runs after the array.
extension SweepRunner {
  /// Seconds before a trial's time limit that Slurm asks it to stop: time for the batch in
  /// progress and the checkpoint, with room for Slurm's own minute of imprecision.
  static let stopSignalSeconds = 120

  /// The run id trial tasks of the array submitted at `stamp` use: `<stamp>-slurm<job>-<trial>`.
  static func taskRunID(stamp: String, job: String, trial: String) -> String {
    "\(stamp)-slurm\(job)-\(trial)"
  }

  /// The command line every array task runs: trial `$SLURM_ARRAY_TASK_ID` of this sweep.
  func arrayTaskCommand(stamp: String, slurm: SlurmOptions, store: RunStoreLocation) throws
    -> [String]
  {
    try [options.binary()]
      + arguments(trial: "${SLURM_ARRAY_TASK_ID}", threads: slurm.cpusPerTrial, store: store)
      + [
        "--run-id",
        Self.taskRunID(stamp: stamp, job: "${SLURM_ARRAY_JOB_ID}", trial: "${SLURM_ARRAY_TASK_ID}"),
      ]
  }

  private func arguments(trial: String?, threads: Int, store: RunStoreLocation) -> [String] {
    TrialProcesses.arguments(
      name: sweep.base.name, options: options, trial: trial, threads: threads)
      + ["--store", store.description]
  }

  /// Submits the pending trials as an array asking `slurm` of the cluster, recording into
  /// `store`, and the page after it, through `client` (default: Slurm's commands on `PATH`); on
  /// any failure cancels what was submitted, marks the rows it queued failed and removes the
  /// scripts and the folders it made, so nothing is left half-done.
  public func submit(
    to slurm: SlurmOptions, store: RunStoreLocation, client: SlurmClient? = nil
  ) throws -> SlurmSubmission {
    let name = sweep.base.name
    let client =
      try client ?? SlurmClient(searchPath: ProcessInfo.processInfo.environment["PATH"] ?? "")
    let pending = try pendingTrials()
    let directory = page.directory
    let arrayPath = "\(directory)/slurm/trials.sbatch"
    guard !pending.isEmpty else {
      logger.info("sweep \(name): every trial is finished; nothing to submit")
      try page.write()
      return SlurmSubmission(arrayJob: nil, pageJob: nil, trials: [], script: arrayPath)
    }
    let index = try store.open()
    let stamp = RunID.stamp()
    let working = FileManager.default.currentDirectoryPath
    var array = BatchScript(
      jobName: "report-\(name)", arrayIndices: pending, throttle: slurm.arrayThrottle,
      partition: slurm.partition, timeLimit: slurm.timeLimit,
      cpusPerTask: slurm.cpusPerTrial, logPath: "\(directory)/slurm/trial-%a.log",
      command: try arrayTaskCommand(stamp: stamp, slurm: slurm, store: store))
    array.workingDirectory = working
    // At a time limit a trial checkpoints and stops as interrupted; requeued, it continues.
    array.stopSignalSeconds = Self.stopSignalSeconds
    array.requeue = true
    try array.validate()
    let pagePath = "\(directory)/slurm/page.sbatch"
    let created = Directory.missingAncestors(of: directory + "/slurm")
    var submitted: [String] = []
    var queued: [IndexedRun] = []
    do {
      try Directory.create(directory + "/slurm")
      try AtomicFile.write(array.text, to: arrayPath)
      let job = try client.submit(arrayPath, hold: true)
      submitted.append(job)
      var pageScript = BatchScript(
        jobName: "report-\(name)-page", partition: slurm.partition, cpusPerTask: 1,
        logPath: "\(directory)/slurm/page.log",
        command: [try options.binary()] + arguments(trial: nil, threads: 1, store: store)
          + ["--finish-array", job])
      pageScript.workingDirectory = working
      try AtomicFile.write(pageScript.text, to: pagePath)
      let pageJob = try client.submit(pagePath, dependency: "afterany:\(job)")
      submitted.append(pageJob)
      let configHashes = try SweepRuns.configHashes(of: sweep)
      for trial in pending {
        let row = try queuedRow(
          trial, configHashes: configHashes,
          runID: Self.taskRunID(stamp: stamp, job: job, trial: String(trial)))
        try index.record(row)
        queued.append(row)
      }
      try client.release(job)
      let count = sweep.trials.count
      logger.info(
        "sweep \(name): \(pending.count) of \(count) trials submitted as Slurm array \(job) (script \(arrayPath)), the sweep page as job \(pageJob) after it; follow with `report sweep \(name) --status` or `squeue -j \(job)`"
      )
      return SlurmSubmission(arrayJob: job, pageJob: pageJob, trials: pending, script: arrayPath)
    } catch {
      for job in submitted.reversed() { try? client.cancel(job) }
      // Rows already queued will never run: they say so.
      for var row in queued {
        row.status = .failed
        try? index.record(row)
      }
      try? FileManager.default.removeItem(atPath: arrayPath)
      try? FileManager.default.removeItem(atPath: pagePath)
      for folder in created { try? FileManager.default.removeItem(atPath: folder) }
      throw error
    }
  }

  /// The index row of trial `trial`, `queued` under the run id its task will use, before any
  /// folder exists. Not a finished computation: nothing may reuse it.
  private func queuedRow(_ trial: Int, configHashes: [String], runID: String) throws -> IndexedRun {
    let experiment = try sweep.experiment(trial: trial)
    let context = try TrialContext(sweep: sweep, index: trial, configHashes: configHashes)
    return try RunSummary.queuedRow(
      experiment, trial: context, runID: runID, workspace: trainer.workspace)
  }

  /// After array `array`: its trials still `queued` in `store` never started (the task failed
  /// before recording), so they are recorded as failed; then the sweep page is written. Returns
  /// the page's path.
  public func finishArray(_ array: String, store: RunStoreLocation) throws -> String {
    let name = sweep.base.name
    let index = try store.open()
    let marker = "-slurm\(array)-"
    for var row in try index.runs(experiment: name, status: .queued)
    where row.sweep == name && row.runID.contains(marker) {
      row.status = .failed
      try index.record(row)
      logger.warning(
        "trial \(row.trial.map(String.init) ?? "?") (run \(row.runID)) never started: failed")
    }
    return try page.write()
  }
}
