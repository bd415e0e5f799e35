import ArgumentParser
import ExperimentDefinitions
import Foundation
import Reports
import Runs

/// `report run NAME` when NAME sweeps: one trial (`--trial K`), the plan, or every trial, `--jobs`
/// at a time, followed by the sweep page.
struct SweepCommand {
  let sweep: Sweep
  let request: Report.Run

  func run() throws {
    if let array = request.executor.finishArray {
      try SlurmSweep(sweep: sweep, request: request).finish(array: array)
    } else if request.executor.executor == .slurm, request.trial == nil, !request.plan {
      try SlurmSweep(sweep: sweep, request: request).submit()
    } else if request.plan {
      try plan()
    } else if let index = request.trial {
      try runTrial(index)
    } else {
      try runAll()
    }
  }

  private var name: String { sweep.base.name }

  private func describe(_ index: Int) throws -> String {
    let trial = sweep.trials[index]
    let seed = try sweep.experiment(trial: index).seed
    return "trial \(index) of \(sweep.trials.count) (\(trial.overrides.joined(separator: " ")), "
      + "seed \(seed))"
  }

  private func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

  /// One line per trial: whether it would train or reuse a finished run.
  private func plan() throws {
    let runner = request.options.runner()
    let indices = request.trial.map { [$0] } ?? Array(sweep.trials.indices)
    for index in indices {
      let experiment = try sweep.experiment(trial: index)
      let cached = request.force ? nil : try runner.plan(experiment, isTrial: true)
      print(
        (cached.map { "cached  run \($0.runID)  " } ?? "train   ") + (try describe(index)))
    }
  }

  /// Trains trial `index` in this process and prints its report's path. An interrupted run of
  /// the trial, or a lost one (its process killed, its node gone), continues from its last
  /// finished epoch instead of starting over.
  private func runTrial(_ index: Int) throws {
    let runner = request.options.trainingRunner(threads: request.threads)
    let experiment = try sweep.experiment(trial: index)
    let context = try TrialContext(sweep: sweep, index: index)
    let stopped = SweepRuns.latest(
      outputRoot: request.options.output, experiment: name,
      configHashes: [experiment.configHash]
    )[experiment.configHash]
    // A Slurm task (--run-id) continues only its own run (a requeued task): its queued row is
    // the one its run must replace.
    if !request.force, let stopped, (try? RunRecord(loading: stopped.paths))?.isResumable == true,
      request.executor.runID.map({ $0 == stopped.paths.runID }) ?? true
    {
      say(
        "continuing \(name) " + (try describe(index))
          + " from run \(stopped.paths.runID), epoch \(stopped.log.epochs.count)")
      try finish(try runner.resume(stopped.paths, trial: context), pages: request.options.pages)
      return
    }
    say("training \(name) " + (try describe(index)))
    let paths = try runner.run(
      experiment, force: request.force, trial: context, runID: request.executor.runID)
    if runner.reusedCachedRun {
      say("reusing finished run \(paths.runID) (--force trains again)")
    }
    try finish(paths, pages: request.options.pages)
  }

  /// The trials not finished yet (all of them with `--force`).
  func pendingTrials(runner: ExperimentRunner) throws -> [Int] {
    try sweep.trials.indices.filter { index in
      if request.force { return true }
      return try runner.plan(try sweep.experiment(trial: index), isTrial: true) == nil
    }
  }

  /// Every trial not finished yet, `--jobs` at a time, then the sweep page.
  private func runAll() throws {
    let runner = request.options.runner()
    let pending = try pendingTrials(runner: runner)
    say(
      "sweep \(name): \(sweep.trials.count) trials, \(sweep.trials.count - pending.count) "
        + "finished already, \(pending.count) to train, \(request.jobs) at a time")
    let failed: [Int]
    if request.jobs == 1 {
      failed = try runInProcess(pending)
    } else {
      failed = try TrialProcesses(request: request, threads: threadsPerTrial).run(pending)
    }
    let page = try SweepReport(
      sweep: sweep, outputRoot: request.options.output, singleFile: request.options.singleFile,
      format: request.options.format
    ).write()
    print(page)
    guard failed.isEmpty else {
      say("trials \(failed.map(String.init).joined(separator: ", ")) did not finish")
      throw ExitCode.failure
    }
  }

  /// The cores divided among the trials running at once, unless `--threads` says.
  private var threadsPerTrial: Int {
    request.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / request.jobs)
  }

  private func runInProcess(_ indices: [Int]) throws -> [Int] {
    var failed: [Int] = []
    for index in indices {
      do {
        try runTrial(index)
      } catch let exit as ExitCode where exit == ExitCode(130) {
        throw exit
      } catch {
        say("trial \(index): \(error)")
        failed.append(index)
      }
    }
    return failed
  }
}

/// Sweep trials as child processes of this binary (`report run NAME --trial K`), at most `jobs`
/// at once, their output prefixed with the trial.
struct TrialProcesses {
  let request: Report.Run
  let threads: Int

  /// The run index the trials record into, as `--store` gives it (nil: the same default).
  var store: String?

  init(request: Report.Run, threads: Int, store: String? = nil) {
    (self.request, self.threads) = (request, threads)
    self.store = store ?? request.options.store
  }

  /// The arguments that run trial `trial` (a number, or a shell reference to one) exactly as
  /// this process would; without a trial, the sweep as a whole.
  func arguments(trial: String?) -> [String] {
    var arguments = ["run", request.name] + (trial.map { ["--trial", $0] } ?? [])
    arguments += ["--threads", String(threads)]
    arguments += request.overrides.flatMap { ["--set", $0] }
    if let seeds = request.seeds { arguments += ["--seeds", String(seeds)] }
    if request.force { arguments.append("--force") }
    if request.yes { arguments.append("--yes") }
    arguments += ["--output", request.options.output, "--experiments", request.options.experiments]
    if let store { arguments += ["--store", store] }
    arguments += request.options.pageArguments
    return arguments
  }

  /// Runs `indices`; returns those whose process failed. Ctrl-C reaches the children too (same
  /// process group): each stops as interrupted, and the sweep stops starting new ones.
  func run(_ indices: [Int]) throws -> [Int] {
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    Interruption.install()
    var queue = indices[...]
    var running: [Int: Process] = [:]
    var failed: [Int] = []
    let exited = ExitedTrials()
    while !queue.isEmpty || !running.isEmpty {
      while running.count < request.jobs, let index = queue.first, !Interruption.isRequested {
        queue.removeFirst()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(trial: String(index))
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        errors.fileHandleForReading.readabilityHandler = { handle in
          exited.write(prefixed(handle.availableData, trial: index))
        }
        process.terminationHandler = { _ in exited.insert(index) }
        try process.run()
        running[index] = process
      }
      if running.isEmpty { break }
      let done = exited.wait()
      for (index, process) in running where done.contains(index) {
        process.waitUntilExit()
        if let pipe = process.standardError as? Pipe {
          pipe.fileHandleForReading.readabilityHandler = nil
          exited.write(
            prefixed(pipe.fileHandleForReading.readDataToEndOfFile(), trial: index))
        }
        if process.terminationStatus != 0 { failed.append(index) }
        running[index] = nil
      }
    }
    if Interruption.isRequested { throw ExitCode(130) }
    return failed + queue
  }
}

/// A child's output with every line prefixed by its trial.
private func prefixed(_ data: Data, trial index: Int) -> String {
  String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    .map { "[trial \(index)] \($0)\n" }.joined()
}

/// The trials whose processes have exited, filled in from Foundation's handler threads, and the
/// one lock their prefixed output is written under.
private final class ExitedTrials: @unchecked Sendable {
  private let lock = NSLock()
  private let signal = DispatchSemaphore(value: 0)
  private var indices: Set<Int> = []

  func insert(_ index: Int) {
    lock.lock()
    indices.insert(index)
    lock.unlock()
    signal.signal()
  }

  /// Blocks until a process exits; returns every trial that has exited so far.
  func wait() -> Set<Int> {
    signal.wait()
    lock.lock()
    defer { lock.unlock() }
    return indices
  }

  func write(_ text: String) {
    lock.lock()
    FileHandle.standardError.write(Data(text.utf8))
    lock.unlock()
  }
}
