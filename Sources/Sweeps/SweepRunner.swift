import ExperimentDefinitions
import Foundation
import Logging
import Reports
import Runs

/// What became of one trial run in this process.
public struct TrialOutcome: Sendable {
  /// The trial's run folder.
  public let paths: RunPaths
  /// How it was obtained: trained from the start, continued from a checkpoint, or reused.
  public let source: Source

  /// How a trial's run was obtained.
  public enum Source: Sendable {
    case trained, continued, reused
  }
}

/// What a whole sweep run did: its page, and the trials that did not finish.
public struct SweepOutcome: Sendable {
  /// The sweep page (the notebook's path when only it is written).
  public let page: String
  /// Trials whose run failed or never started, by index.
  public let failed: [Int]
}

/// Runs a sweep's trials on this machine: one in this process (`runTrial`), or every trial not
/// finished yet, `jobs` at a time as child processes, followed by the sweep page (`runAll`).
public struct SweepRunner {
  /// The sweep.
  public let sweep: Sweep
  /// Trains the trials run in this process, in its workspace.
  public let trainer: RunTrainer
  /// How it runs.
  public var options: SweepOptions
  let logger = Logger(label: "report.sweeps")

  /// A runner of `sweep`'s trials through `trainer`.
  public init(sweep: Sweep, trainer: RunTrainer, options: SweepOptions) {
    (self.sweep, self.trainer, self.options) = (sweep, trainer, options)
  }

  private var name: String { sweep.base.name }
  private var workspace: RunWorkspace { trainer.workspace }

  /// "trial 2 of 6 (training.epochs=2, seed 43)".
  public func describe(_ index: Int) throws -> String {
    let trial = sweep.trials[index]
    let seed = try sweep.experiment(trial: index).seed
    return "trial \(index) of \(sweep.trials.count) (\(trial.overrides.joined(separator: " ")), "
      + "seed \(seed))"
  }

  /// For each trial (or only `trial`), the finished run it would reuse, or nil to train.
  public func plan(trial: Int? = nil) throws -> [(index: Int, cached: RunPaths?)] {
    let cache = RunCache(workspace: workspace)
    return try (trial.map { [$0] } ?? Array(sweep.trials.indices)).map { index in
      let experiment = try sweep.experiment(trial: index)
      return (index, options.force ? nil : try cache.plan(experiment, isTrial: true))
    }
  }

  /// The trials not finished yet (all of them with `force`).
  public func pendingTrials() throws -> [Int] {
    try plan().filter { $0.cached == nil }.map(\.index)
  }

  /// Trains trial `index` in this process. An interrupted run of the trial, or a lost one (its
  /// process killed, its node gone), continues from its last finished epoch instead of starting
  /// over; with `runID` (a Slurm task) only the run of that id continues (a requeued task), and
  /// a new one gets that id.
  public func runTrial(_ index: Int, runID: String? = nil) throws -> TrialOutcome {
    let experiment = try sweep.experiment(trial: index)
    let context = try TrialContext(sweep: sweep, index: index)
    let stopped = SweepRuns.latest(
      outputRoot: workspace.outputRoot, experiment: name, configHashes: [experiment.configHash]
    )[experiment.configHash]
    if !options.force, let stopped, (try? RunRecord(loading: stopped.paths))?.isResumable == true,
      runID.map({ $0 == stopped.paths.runID }) ?? true
    {
      let trial = try describe(index)
      logger.info(
        "continuing \(name) \(trial) from run \(stopped.paths.runID), epoch \(stopped.log.epochs.count)"
      )
      return TrialOutcome(
        paths: try trainer.resume(stopped.paths, trial: context), source: .continued)
    }
    let trial = try describe(index)
    logger.info("training \(name) \(trial)")
    let started = try trainer.start(experiment, force: options.force, trial: context, runID: runID)
    if started.reused {
      logger.info("reusing finished run \(started.paths.runID) (--force trains again)")
    }
    return TrialOutcome(paths: started.paths, source: started.reused ? .reused : .trained)
  }

  /// Every trial not finished yet, `jobs` at a time, then the sweep page. A trial that fails
  /// does not stop the others; `isCancelled` (Ctrl-C) stops starting new ones, and the signal
  /// `passOn` names, when it names one, goes to the trials running in child processes.
  public func runAll(
    isCancelled: @escaping () -> Bool = { false }, passOn: @escaping () -> Int32? = { nil }
  ) throws -> SweepOutcome {
    let pending = try pendingTrials()
    let finished = sweep.trials.count - pending.count
    logger.info(
      "sweep \(name): \(sweep.trials.count) trials, \(finished) finished already, \(pending.count) to train, \(options.jobs) at a time"
    )
    var failed: [Int] = []
    if options.jobs == 1 {
      for index in pending where !isCancelled() {
        do {
          let outcome = try runTrial(index)
          let status = try RunRecord(loading: outcome.paths).summary.status
          if ![.completed, .pruned].contains(status) { failed.append(index) }
        } catch {
          logger.error("trial \(index): \(error)")
          failed.append(index)
        }
      }
    } else {
      failed = try TrialProcesses(
        name: name, options: options, isCancelled: isCancelled, passOn: passOn
      ).run(pending)
    }
    return SweepOutcome(page: try writePage(), failed: failed)
  }

  /// The sweep page, drawn from the trials' runs.
  var page: SweepReport {
    SweepReport(
      sweep: sweep, outputRoot: workspace.outputRoot, singleFile: options.pages.singleFile,
      format: options.pages.format)
  }

  /// Writes the sweep page; returns its path.
  @discardableResult
  public func writePage() throws -> String { try page.write() }
}
