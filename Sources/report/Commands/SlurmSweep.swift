import ArgumentParser
import AtomicFiles
import ExperimentDefinitions
import Foundation
import Reports
import RunStorage
import Runs
import Slurm

/// Where a sweep's trials run.
enum Executor: String, ExpressibleByArgument, CaseIterable {
  /// This machine, `--jobs` at a time.
  case local
  /// A Slurm job array, one task per trial, and a job writing the sweep page after it.
  case slurm
}

/// `report run`'s options for running a sweep on a cluster.
struct ExecutorOptions: ParsableArguments {
  @Option(
    help: "Where sweep trials run: local (here, --jobs at a time) or slurm (an sbatch job array).")
  var executor = Executor.local

  @Option(help: "Slurm: the partition (default: the cluster's default).")
  var partition: String?

  @Option(help: "Slurm: each trial's time limit, e.g. 30 or 2:00:00 (default: the partition's).")
  var timeLimit: String?

  @Option(help: "Slurm: CPUs for each trial, which is also its training threads (default: 1).")
  var cpusPerTrial = 1

  @Option(help: "Slurm: at most this many trials running at once (default: no limit).")
  var arrayThrottle: Int?

  @Option(
    help: ArgumentHelp(
      "The run id of this trial's run (set by the Slurm array).", visibility: .hidden))
  var runID: String?

  @Option(
    help: ArgumentHelp(
      "After Slurm array JOB: record its trials that never started as failed, write the page.",
      valueName: "job", visibility: .hidden))
  var finishArray: String?

  func validate() throws {
    if let runID,
      runID.isEmpty || !runID.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
    {
      throw ValidationError("--run-id '\(runID)': letters, digits, '-', '_' and '.' only")
    }
    if !(1...256).contains(cpusPerTrial) {
      throw ValidationError("--cpus-per-trial must be between 1 and 256")
    }
    if let arrayThrottle, arrayThrottle < 1 {
      throw ValidationError("--array-throttle must be 1 or more")
    }
  }
}

/// A sweep on Slurm: `submit` writes the array script into the sweep folder, submits it held,
/// submits the page job after it, records every submitted trial as `queued`, then releases the
/// array; each task runs `report run NAME --trial K` into the shared `--output` and the store.
struct SlurmSweep {
  let sweep: Sweep
  let request: Report.Run

  private var name: String { sweep.base.name }
  private func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

  /// This binary, which the cluster's nodes run from the same (shared) path.
  private static func executable() throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
  }

  /// The run id trial tasks of the array submitted at `stamp` use: `<stamp>-slurm<job>-<trial>`.
  private static func taskRunID(stamp: String) -> String {
    "\(stamp)-slurm${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}"
  }

  /// The run id `taskRunID` gives trial `index` of array `job`.
  private static func runID(stamp: String, job: String, trial index: Int) -> String {
    "\(stamp)-slurm\(job)-\(index)"
  }

  /// The command line every array task runs: trial `$SLURM_ARRAY_TASK_ID` of this sweep.
  func arrayTaskCommand(store: RunStoreLocation, stamp: String) throws -> [String] {
    let trials = TrialProcesses(
      request: request, threads: request.executor.cpusPerTrial, store: store.description)
    return [try Self.executable()] + trials.arguments(trial: "${SLURM_ARRAY_TASK_ID}")
      + ["--run-id", Self.taskRunID(stamp: stamp)]
  }

  /// Submits the pending trials as an array and the page after it; on any failure cancels what
  /// was submitted and removes the scripts, so nothing is left half-done.
  func submit() throws {
    let options = request.executor
    let slurm = try SlurmClient(searchPath: ProcessInfo.processInfo.environment["PATH"] ?? "")
    let location = try request.options.storeLocation()
    let store = try location.open()
    let runner = request.options.runner()
    let pending = try SweepCommand(sweep: sweep, request: request).pendingTrials(runner: runner)
    let page = SweepReport(
      sweep: sweep, outputRoot: request.options.output, singleFile: request.options.singleFile,
      format: request.options.format)
    let directory = page.directory
    guard !pending.isEmpty else {
      say("sweep \(name): every trial is finished; nothing to submit")
      print(try page.write())
      return
    }
    let stamp = ExperimentRunner.runIDStamp()
    let working = FileManager.default.currentDirectoryPath
    var array = BatchScript(
      jobName: "report-\(name)", arrayIndices: pending, throttle: options.arrayThrottle,
      partition: options.partition, timeLimit: options.timeLimit,
      cpusPerTask: options.cpusPerTrial, logPath: "\(directory)/slurm/trial-%a.log",
      command: try arrayTaskCommand(store: location, stamp: stamp))
    array.workingDirectory = working
    try array.validate()
    let arrayPath = "\(directory)/slurm/trials.sbatch"
    let pagePath = "\(directory)/slurm/page.sbatch"
    // The folders this submission creates, innermost first, removed again if it fails.
    var created: [String] = []
    var folder = directory + "/slurm"
    while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
      created.append(folder)
      folder = (folder as NSString).deletingLastPathComponent
    }
    var submitted: [String] = []
    var queued: [IndexedRun] = []
    do {
      try Directory.create(directory + "/slurm")
      try AtomicFile.write(array.text, to: arrayPath)
      let job = try slurm.submit(arrayPath, hold: true)
      submitted.append(job)
      var pageScript = BatchScript(
        jobName: "report-\(name)-page", partition: options.partition, cpusPerTask: 1,
        logPath: "\(directory)/slurm/page.log",
        command: [try Self.executable()]
          + TrialProcesses(request: request, threads: 1, store: location.description)
          .arguments(trial: nil) + ["--finish-array", job])
      pageScript.workingDirectory = working
      try AtomicFile.write(pageScript.text, to: pagePath)
      let pageJob = try slurm.submit(pagePath, dependency: "afterany:\(job)")
      submitted.append(pageJob)
      let configHashes = try SweepRuns.configHashes(of: sweep)
      for index in pending {
        let row = try runner.queuedRow(
          try sweep.experiment(trial: index),
          trial: try TrialContext(sweep: sweep, index: index, configHashes: configHashes),
          runID: Self.runID(stamp: stamp, job: job, trial: index))
        try store.record(row)
        queued.append(row)
      }
      try slurm.release(job)
      say(
        "sweep \(name): \(pending.count) of \(sweep.trials.count) trials submitted as Slurm array "
          + "\(job) (script \(arrayPath)), the sweep page as job \(pageJob) after it; follow with "
          + "`report list --experiment \(name)` or `squeue -j \(job)`")
      print(job)
    } catch {
      for job in submitted.reversed() { try? slurm.cancel(job) }
      // Rows already queued will never run: they say so.
      for var row in queued {
        row.status = .failed
        try? store.record(row)
      }
      try? FileManager.default.removeItem(atPath: arrayPath)
      try? FileManager.default.removeItem(atPath: pagePath)
      for folder in created { try? FileManager.default.removeItem(atPath: folder) }
      throw error
    }
  }

  /// After array `array`: its trials still `queued` never started (the task failed before
  /// recording), so they are recorded as failed; then the sweep page is written.
  func finish(array: String) throws {
    let store = try request.options.storeLocation().open()
    let marker = "-slurm\(array)-"
    for var row in try store.runs(experiment: name, status: .queued)
    where row.sweep == name && row.runID.contains(marker) {
      row.status = .failed
      try store.record(row)
      say("trial \(row.trial.map(String.init) ?? "?") (run \(row.runID)) never started: failed")
    }
    print(
      try SweepReport(
        sweep: sweep, outputRoot: request.options.output, singleFile: request.options.singleFile,
        format: request.options.format
      ).write())
  }
}
