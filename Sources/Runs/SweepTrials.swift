import ExperimentDefinitions
import Foundation
import NeuralNet

/// What a run needs to know when it is trial `k` of a sweep: the tag its summary carries, and
/// how to find the other trials' runs for early termination.
public struct TrialContext: Sendable {
  /// Recorded in the run's summary and the index.
  public var tag: SweepTag
  /// The metric trials are compared by.
  public var metric: Metric
  /// The sweep's early-termination rule, if any.
  public var earlyTermination: EarlyTermination?
  /// The config hash of every trial of the sweep, by trial index.
  public var configHashes: [String]

  /// The context of trial `index` of `sweep` (whose every trial is resolved once, here).
  public init(sweep: Sweep, index: Int) throws {
    try self.init(sweep: sweep, index: index, configHashes: SweepRuns.configHashes(of: sweep))
  }

  /// The context of trial `index` of `sweep`, whose trials' config hashes are `configHashes`
  /// (`SweepRuns.configHashes`, resolved once for a loop over trials).
  public init(sweep: Sweep, index: Int, configHashes: [String]) throws {
    let experiment = try sweep.experiment(trial: index)
    tag = SweepTag(
      name: experiment.name, trial: index, parameters: sweep.trials[index].values)
    metric = sweep.metric
    earlyTermination = sweep.earlyTermination
    self.configHashes = configHashes
  }
}

/// One trial's run as its folder records it so far: what the sweep page and pruning read.
public struct TrialProgress: Sendable {
  public var paths: RunPaths
  public var summary: RunSummary
  public var log: TrainingLog

  /// The best value of `metric` over the first `epoch` epochs (all when nil), if any.
  public func best(_ metric: Metric, upTo epoch: Int? = nil) -> Double? {
    let values = log.epochs.prefix(epoch ?? log.epochs.count).compactMap {
      $0.value(of: metric)
    }.filter { !$0.isNaN }
    return metric.isMaximized ? values.max() : values.min()
  }
}

/// Finding a sweep's trials among the run folders.
public enum SweepRuns {
  /// The config hash of each trial of `sweep`, by index.
  public static func configHashes(of sweep: Sweep) throws -> [String] {
    try sweep.trials.indices.map { try sweep.experiment(trial: $0).configHash }
  }

  /// For each trial config hash, the newest run of experiment `name` under `outputRoot` that
  /// trained it and did not fail, preferring finished runs (completed or pruned). Folders whose
  /// files cannot be read are skipped: another process may be writing them.
  public static func latest(outputRoot: String, experiment name: String, configHashes: [String])
    -> [String: TrialProgress]
  {
    let wanted = Set(configHashes)
    var found: [String: TrialProgress] = [:]
    for folder in RunFolders.of(experiment: name, outputRoot: outputRoot) {
      let paths = RunPaths(directory: folder)
      guard let summary = try? RunSummary.read(from: paths),
        wanted.contains(summary.configHash), summary.status != .failed
      else { continue }
      let log = (try? TrainingLog.read(from: paths)) ?? TrainingLog(epochs: [], events: [])
      let progress = TrialProgress(paths: paths, summary: summary, log: log)
      if let previous = found[summary.configHash], previous.isFinished, !progress.isFinished {
        continue
      }
      found[summary.configHash] = progress
    }
    return found
  }
}

extension TrialProgress {
  /// Completed or pruned: a sweep does not train it again.
  public var isFinished: Bool { summary.status == .completed || summary.status == .pruned }
}

/// Applies a sweep's early-termination rule after every epoch, reading the other trials' metrics
/// from their run folders (so trials running in other processes count).
final class TrialPruner: TrainingCallback {
  let context: TrialContext
  let rule: EarlyTermination
  let outputRoot: String, experiment: String
  /// Set when the rule stopped the run.
  private(set) var verdict: Pruning?

  init(context: TrialContext, rule: EarlyTermination, outputRoot: String, experiment: String) {
    (self.context, self.rule, self.outputRoot, self.experiment) = (
      context, rule, outputRoot, experiment
    )
  }

  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    let epoch = metrics.epoch
    guard epoch >= rule.minEpochs, rule.rule != .asha || rule.isRung(epoch) else { return }
    let values = state.history.prefix(epoch).compactMap { $0.value(of: context.metric) }
      .filter { !$0.isNaN }
    guard let own = context.metric.isMaximized ? values.max() : values.min() else { return }
    let ownHash = context.configHashes[context.tag.trial]
    let others = SweepRuns.latest(
      outputRoot: outputRoot, experiment: experiment,
      configHashes: context.configHashes.filter { $0 != ownHash }
    ).values.filter { $0.log.epochs.count >= epoch }
      .compactMap { $0.best(context.metric, upTo: epoch) }
    if let reason = rule.decision(
      epoch: epoch, own: own, others: others, maximize: context.metric.isMaximized)
    {
      verdict = Pruning(epoch: epoch, reason: reason)
      state.stopTraining = true
    }
  }
}
