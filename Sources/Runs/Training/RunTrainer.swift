import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import RunStorage

/// What starting a run did: trained it in a new folder, or found the finished run that already
/// computed exactly this.
public struct StartedRun: Sendable {
  /// The run's folder.
  public let paths: RunPaths
  /// Whether the run cache gave a finished run instead of training.
  public let reused: Bool
}

/// Trains experiments into run folders, `<output>/runs/<experiment>/<run-id>/`, and continues
/// interrupted or lost runs from their last checkpoint.
public final class RunTrainer {
  /// Where runs go and how they are indexed and reported.
  public let workspace: RunWorkspace
  /// Extra callbacks, such as a progress display.
  public var callbacks: [TrainingCallback] = []
  /// Polled after every batch; true stops the run as interrupted.
  public var isCancelled: () -> Bool = { false }
  /// The command that starts a run of an experiment again, kept in its summary for when it is
  /// lost before its first checkpoint (the command line sets it).
  public var startCommand: ((Experiment) -> String)?
  /// Worker threads chosen on the command line (`--threads`). They win over `training.threads`
  /// and, when a run resumes, over the count it started with.
  public var threads: Int?

  /// The most seconds one write to the run index is retried before training goes on without it
  /// (`IndexUpdates`).
  public var storePatience: TimeInterval = 60
  /// Called once per run, with the error, when the run index cannot be reached while it trains.
  public var storeUnreachable: ((Error) -> Void)?
  private var indexUpdates: IndexUpdates?
  /// Why the last run's final row did not reach the index, when it did not: the run finished and
  /// its folder has everything, but the index lacks its last state until `report reindex`.
  public var missedIndexUpdate: Error? { indexUpdates?.lastFailure }

  /// A trainer writing into `workspace`.
  public init(workspace: RunWorkspace) { self.workspace = workspace }

  /// Trains `experiment` in a new run folder (named `runID`, default a new id) and writes its
  /// report, or, unless `force`, returns the finished run that already computed exactly this.
  /// A sweep `trial` is tagged with its sweep, may be pruned by the sweep's rule, and reuses a
  /// pruned run of itself as finished.
  @discardableResult
  public func start(
    _ experiment: Experiment, force: Bool = false, trial: TrialContext? = nil,
    runID: String? = nil
  ) throws -> StartedRun {
    let started = Date()
    useThreads(for: experiment)
    try Self.checkPrecision(experiment)
    let data = try ExperimentData(experiment)
    let model = try experiment.makeModel()
    // Opened before anything is written: an unreachable index leaves no half-made run folder.
    let store = try workspace.openStore()
    let source = try experiment.initialization.map { try TransferSource($0, workspace: workspace) }
    let transfer = try experiment.initialization.map {
      try source!.load(into: model, as: $0, unfreezeAt: experiment.training.unfreezeAt)
    }
    var summary = RunSummary(
      starting: experiment, status: .running, parameters: model.parameterCount,
      provenance: workspace.provenance(
        of: experiment,
        datasetChecksums: data.checksums.merging(source?.provenanceEntry ?? [:]) {
          $1
        }),
      command: startCommand?(experiment), sweep: trial?.tag)
    summary.transfer = transfer
    if !force,
      let cached = try RunCache(workspace: workspace).run(
        for: summary, statuses: trial == nil ? [.completed] : [.completed, .pruned])
    {
      return StartedRun(paths: cached, reused: true)
    }
    let paths = workspace.paths(ofExperiment: experiment.name, runID: runID ?? RunID.new())
    summary.runID = paths.runID
    try createFolder(paths, of: experiment, summary: summary)
    let lock = try RunLock(paths, process: .current)
    defer { withExtendedLifetime(lock) {} }
    try store.record(summary.indexRow(directory: paths.directory))
    let optimizer = experiment.training.optimizer.make(ema: experiment.training.ema)
    try session(
      experiment, data: data, state: TrainingState(model: model, optimizer: optimizer),
      summary: summary, paths: paths, store: store, started: started, trial: trial
    ).train(bestWeights: nil)
    return StartedRun(paths: paths, reused: false)
  }

  /// Continues an interrupted or lost run from its last checkpoint (its last finished epoch); a
  /// sweep `trial` goes on under its sweep's early-termination rule.
  @discardableResult
  public func resume(_ paths: RunPaths, trial: TrialContext? = nil) throws -> RunPaths {
    let started = Date()
    // Taken before the folder is read and held until this function returns: a second `resume`
    // racing this one is refused here, and the record is what the folder says while no other
    // process may write it. (The catalog found the folder, so it exists.)
    let lock = try RunLock(paths, process: (try? RunHeartbeat.read(from: paths))??.process)
    defer { withExtendedLifetime(lock) {} }
    var record = try RunRecord(loading: paths)
    try record.requireResumable()
    // Claim the run at once, before the data loads: a second `resume` now finds it running.
    record.summary.status = .running
    try RunHeartbeat(
      epochsFinished: record.log.epochs.count, epochs: record.experiment.training.epochs
    ).write(to: paths)
    try record.summary.write(to: paths)
    let experiment = record.experiment
    try Self.checkPrecision(experiment)
    useThreads(for: experiment, startedWith: record.summary.provenance.threads)
    let data = try ExperimentData(experiment)
    let model = try record.makeModel()
    let optimizer = experiment.training.optimizer.make(ema: experiment.training.ema)
    let restored = try Checkpoint.load(
      paths, of: record.summary, model: model, optimizer: optimizer)
    // The checkpoint's own log is the truth: a kill between writing metrics and the checkpoint
    // leaves metrics.json one epoch ahead of the weights.
    let log = restored.log ?? record.log
    for directory in [paths.directory, paths.figures]
    where FileManager.default.fileExists(atPath: directory) {
      try AtomicFile.removeAbandonedTemporaries(in: directory)
    }
    try log.write(to: paths)
    let state = TrainingState(
      model: model, optimizer: optimizer, history: log.epochs, events: log.events)
    // A run that early stopping ended before its kill does not train on.
    state.stopTraining = log.events.contains {
      if case .earlyStopped = $0 { return true }
      return false
    }
    let store = try workspace.openStore()
    try store.record(record.summary.indexRow(directory: paths.directory))
    try session(
      experiment, data: data, state: state, summary: record.summary, paths: paths, store: store,
      started: started.addingTimeInterval(-record.summary.totalSeconds), trial: trial
    ).train(bestWeights: restored.bestWeights)
    return paths
  }

  // MARK: - Steps

  private func session(
    _ experiment: Experiment, data: ExperimentData, state: TrainingState, summary: RunSummary,
    paths: RunPaths, store: RunStore, started: Date, trial: TrialContext?
  ) -> TrainingSession {
    let index = IndexUpdates(
      workspace: workspace, store: store, patience: storePatience,
      outage: { [weak self] in self?.storeUnreachable?($0) })
    indexUpdates = index
    return TrainingSession(
      workspace: workspace, experiment: experiment, data: data, state: state, paths: paths,
      summary: summary, started: started, trial: trial, callbacks: callbacks,
      isCancelled: isCancelled, index: index)
  }

  /// Sets the engine's worker threads for `experiment`: the command line's, else the
  /// experiment's `training.threads`, else the count a resumed run started with (so that it
  /// computes what an unbroken run would, bit for bit), else all cores (not whatever the last
  /// run in this process chose).
  private func useThreads(for experiment: Experiment, startedWith recorded: Int? = nil) {
    Parallel.workers = threads ?? experiment.training.threads ?? recorded ?? Parallel.allCores
  }

  /// Throws, before anything is written, when this CPU cannot run the experiment's precision.
  private static func checkPrecision(_ experiment: Experiment) throws {
    let precision = experiment.training.precision
    guard precision.isSupported else {
      throw NeuralNetError.unsupportedPrecision(precision, isa: ComputeEngine.isa)
    }
  }

  /// Creates the run folder at `paths` holding its definition, heartbeat and summary, which
  /// appears whole: it is filled under a hidden temporary name and renamed into place, so a kill
  /// never leaves a run folder without a summary.
  private func createFolder(_ paths: RunPaths, of experiment: Experiment, summary: RunSummary)
    throws
  {
    try Directory.create((paths.directory as NSString).deletingLastPathComponent)
    try AtomicFile.replace(paths.directory) { temporary in
      let staged = RunPaths(directory: temporary)
      try Directory.create(staged.figures)
      try AtomicFile.write(experiment.resolved.yaml() + "\n", to: staged.config)
      try RunHeartbeat(epochsFinished: 0, epochs: experiment.training.epochs).write(to: staged)
      try summary.write(to: staged)
    }
  }
}
