import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import RunStorage

/// Writes what a run's readers see: its report after every change of the run, and the page
/// listing every run. The runner calls it; the reports module implements it.
public protocol RunReporter {
  /// Writes the run's figures and report from `run`, its test `evaluation` (nil when it has
  /// none), its `data` and its `model`.
  func writeReport(
    for run: RunRecord, evaluation: Evaluation?, data: ExperimentData, model: Sequential) throws
  /// Writes the figures and report of `run`, the ensemble `ensemble`.
  func writeEnsembleReport(for run: RunRecord, ensemble: Ensemble) throws
  /// Rewrites the page listing every run under `outputRoot`.
  func writeIndex(outputRoot: String) throws
}

/// Runs experiments into `<output>/runs/<experiment>/<run-id>/` and resumes interrupted runs.
public final class ExperimentRunner {
  /// The output root (default `output`).
  public let outputRoot: String
  /// Extra callbacks, such as a progress display.
  public var callbacks: [TrainingCallback] = []
  /// Polled after every batch; true stops the run as interrupted.
  public var isCancelled: () -> Bool = { false }
  /// Writes each run's report and the index page.
  public var reporter: RunReporter
  /// Opens the run index under the output root.
  public var openStore: (_ outputRoot: String) throws -> RunStore = {
    try SQLiteRunStore(outputRoot: $0)
  }
  /// Where a run's provenance comes from (tests give a fixed one); git is asked about the code
  /// once per runner.
  public var provenance: (_ datasetChecksums: [String: String]) -> Provenance =
    Provenance.recorder()
  /// The provenance of a run of `experiment` here, with the engine and ISA it computes with.
  private func provenance(of experiment: Experiment, datasetChecksums: [String: String])
    -> Provenance
  {
    var facts = provenance(datasetChecksums)
    facts.engine = ComputeEngine.oneDNN(experiment.training.precision).description
    facts.isa = ComputeEngine.isa
    return facts
  }

  /// Throws, before anything is written, when this CPU cannot run the experiment's precision.
  private static func checkPrecision(_ experiment: Experiment) throws {
    let precision = experiment.training.precision
    guard precision.isSupported else {
      throw NeuralNetError.unsupportedPrecision(precision, isa: ComputeEngine.isa)
    }
  }

  /// Whether the last `run` reused a cached run instead of training.
  public private(set) var reusedCachedRun = false
  /// The command that starts a run of an experiment again, kept in its summary for when it is
  /// lost before its first checkpoint (the command line sets it).
  public var startCommand: ((Experiment) -> String)?
  /// Worker threads chosen on the command line (`--threads`). They win over `training.threads`
  /// and, when a run resumes, over the count it started with.
  public var threads: Int?

  /// Sets the engine's worker threads for `experiment`: the command line's, else the
  /// experiment's `training.threads`, else the count a resumed run started with (so that it
  /// computes what an unbroken run would, bit for bit), else all cores (not whatever the last
  /// run in this process chose).
  private func useThreads(for experiment: Experiment, startedWith recorded: Int? = nil) {
    Parallel.workers = threads ?? experiment.training.threads ?? recorded ?? Parallel.allCores
  }

  /// A runner writing under `outputRoot`, reporting through `reporter`.
  public init(outputRoot: String = "output", reporter: RunReporter) {
    self.outputRoot = outputRoot
    self.reporter = reporter
  }

  /// Trains `experiment` in a new run folder and writes its report, or, unless `force`, returns
  /// the finished run that already computed exactly this (same cache key, committed code). A
  /// sweep `trial` is tagged with its sweep, may be pruned by the sweep's rule, and reuses a
  /// pruned run of itself as finished.
  @discardableResult
  public func run(
    _ experiment: Experiment, force: Bool = false, trial: TrialContext? = nil,
    runID: String? = nil
  ) throws -> RunPaths {
    let started = Date()
    reusedCachedRun = false
    useThreads(for: experiment)
    try Self.checkPrecision(experiment)
    let data = try ExperimentData(experiment)
    let model = try experiment.makeModel()
    // Opened before anything is written: an unreachable index leaves no half-made run folder.
    let store = try openStore(outputRoot)
    var summary = RunSummary(
      runID: "", experiment: experiment.name, status: .running,
      startedAt: Timestamp.string(started),
      trainingSeconds: 0,
      totalSeconds: 0, epochsRun: 0, parameters: model.parameterCount, seed: experiment.seed,
      configHash: experiment.configHash,
      provenance: provenance(of: experiment, datasetChecksums: data.checksums),
      command: startCommand?(experiment))
    summary.groupHash = experiment.groupHash
    summary.sweep = trial?.tag
    if !force,
      let cached = try cachedRun(
        for: summary, statuses: trial == nil ? [.completed] : [.completed, .pruned])
    {
      reusedCachedRun = true
      return cached
    }
    let (paths, named) = try createRunDirectory(experiment, summary: summary, runID: runID)
    summary = named
    let lock = try RunLock(paths, process: .current)
    defer { withExtendedLifetime(lock) {} }
    try store.record(summary.indexRow(directory: paths.directory))
    let optimizer = experiment.training.optimizer.make(ema: experiment.training.ema)
    let state = TrainingState(model: model, optimizer: optimizer)
    try train(
      experiment, data: data, state: state, summary: summary, paths: paths, started: started,
      bestWeights: nil, trial: trial)
    return paths
  }

  /// Continues an interrupted or lost run from its last checkpoint (its last finished epoch); a
  /// sweep `trial` goes on under its sweep's early-termination rule.
  @discardableResult
  public func resume(_ paths: RunPaths, trial: TrialContext? = nil) throws -> RunPaths {
    let started = Date()
    // Taken before the folder is read and held until this function returns: a second `resume`
    // racing this one is refused here, and the record is what the folder says while no other
    // process may write it. (`locate` found the folder, so it exists.)
    let lock = try RunLock(paths, process: (try? RunHeartbeat.read(from: paths))??.process)
    defer { withExtendedLifetime(lock) {} }
    var record = try RunRecord(loading: paths)
    switch record.summary.status {
    case .interrupted, .lost: break
    case .running:
      throw RunError.stillRunning(runID: paths.runID, process: record.heartbeat?.process)
    case .completed, .failed, .pruned, .queued:
      throw RunError.notResumable(
        "run \(paths.runID) is \(record.summary.status.rawValue); only interrupted and lost runs "
          + "continue")
    }
    guard FileManager.default.fileExists(atPath: paths.checkpoint) else {
      throw RunError.noCheckpoint(
        runID: paths.runID, experiment: record.summary.experiment, command: record.summary.command)
    }
    // Claim the run at once, before the data loads: a second `resume` now finds it running.
    record.summary.status = .running
    try RunHeartbeat(
      epochsFinished: record.log.epochs.count, epochs: record.experiment.training.epochs
    ).write(to: paths)
    try AtomicFile.writeJSON(record.summary, to: paths.summary)
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
    try AtomicFile.writeJSON(log, to: paths.metricsJSON)
    try AtomicFile.write(log.csv, to: paths.metricsCSV)
    let state = TrainingState(
      model: model, optimizer: optimizer, history: log.epochs, events: log.events)
    // A run that early stopping ended before its kill does not train on.
    state.stopTraining = log.events.contains {
      if case .earlyStopped = $0 { return true }
      return false
    }
    try openStore(outputRoot).record(record.summary.indexRow(directory: paths.directory))
    try train(
      experiment, data: data, state: state, summary: record.summary, paths: paths,
      started: started.addingTimeInterval(-record.summary.totalSeconds),
      bestWeights: restored.bestWeights, trial: trial)
    return paths
  }

  // MARK: - Steps

  private func train(
    _ experiment: Experiment, data: ExperimentData, state: TrainingState, summary: RunSummary,
    paths: RunPaths,
    started: Date, bestWeights: [String: SafeTensors.Tensor]?, trial: TrialContext? = nil
  ) throws {
    var summary = summary
    let store = try openStore(outputRoot)
    let spec = experiment.training
    var trainingCallbacks: [TrainingCallback] = []
    var stopping: EarlyStopping?
    if let e = spec.earlyStopping {
      let callback = EarlyStopping(
        monitor: e.monitor, mode: e.mode, patience: e.patience, minDelta: e.minDelta,
        restoreBestWeights: e.restoreBestWeights)
      callback.resume(bestWeights: bestWeights)
      stopping = callback
      trainingCallbacks.append(callback)
    }
    if let p = spec.reduceLROnPlateau {
      trainingCallbacks.append(
        ReduceLROnPlateau(
          monitor: p.monitor, mode: p.mode, factor: p.factor, patience: p.patience,
          minDelta: p.minDelta, minLearningRate: p.minLearningRate))
    }
    if let rate = spec.exponentialDecay {
      trainingCallbacks.append(
        ExponentialDecay(initialLearningRate: spec.optimizer.learningRate, decayRate: rate))
    }
    if let schedule = spec.schedule {
      trainingCallbacks.append(
        schedule.makeCallback(peakLearningRate: spec.optimizer.learningRate, epochs: spec.epochs))
    }
    let trainStart = Date()
    let previousTraining = summary.trainingSeconds
    // After every epoch the run's summary, report, index row and index page show it so far.
    let recorder = RunRecorder(
      paths: paths, earlyStopping: stopping, epochs: spec.epochs
    ) { [reporter, outputRoot] log in
      summary.epochsRun = log.epochs.count
      summary.bestEpoch = log.bestEpoch?.epoch
      summary.bestValAccuracy = log.bestEpoch?.valAccuracy
      summary.trainingSeconds = previousTraining + Date().timeIntervalSince(trainStart)
      summary.totalSeconds = Date().timeIntervalSince(started)
      try reporter.writeReport(
        for: RunRecord(paths: paths, summary: summary, experiment: experiment, log: log),
        evaluation: nil, data: data, model: state.model)
      try AtomicFile.writeJSON(summary, to: paths.summary)
      try store.record(summary.indexRow(directory: paths.directory))
      try reporter.writeIndex(outputRoot: outputRoot)
    }
    // After the recorder, so that other trials see this epoch whatever the pruner decides.
    let pruner = trial.flatMap { context in
      context.earlyTermination.map {
        TrialPruner(
          context: context, rule: $0, outputRoot: outputRoot, experiment: experiment.name)
      }
    }
    let trainer = Trainer(
      model: state.model, optimizer: state.optimizer,
      loss: CategoricalCrossEntropy(labelSmoothing: Float(spec.labelSmoothing)),
      batchSize: spec.batchSize, augmentation: spec.augmentation,
      callbacks: trainingCallbacks + [recorder] + (pruner.map { [$0] } ?? []) + callbacks,
      seed: experiment.seed)
    trainer.isCancelled = isCancelled
    try trainer.fit(
      try ExperimentData.examples(data.train),
      validation: try ExperimentData.examples(data.validation), epochs: spec.epochs, resuming: state
    )
    if let error = recorder.writeError { throw error }
    summary.trainingSeconds = previousTraining + Date().timeIntervalSince(trainStart)
    switch state.outcome {
    case .completed, .earlyStopped: summary.status = .completed
    case .interrupted: summary.status = .interrupted
    case .failed(let reason): (summary.status, summary.failureReason) = (.failed, reason)
    }
    if summary.status == .completed, let verdict = pruner?.verdict {
      (summary.status, summary.pruning) = (.pruned, verdict)
    }
    let log = TrainingLog(epochs: state.history, events: state.events)
    summary.epochsRun = log.epochs.count
    summary.bestEpoch = log.bestEpoch?.epoch
    summary.bestValAccuracy = log.bestEpoch?.valAccuracy
    var evaluation: Evaluation?
    if summary.status != .failed {
      let test = try ExperimentData.examples(data.test)
      let result = Evaluation(
        model: state.model, examples: test, loss: trainer.loss, batchSize: spec.batchSize)
      summary.testAccuracy = result.accuracy
      summary.testLoss = result.loss
      try PredictionsFile.write(
        result, labels: data.test.labels, classCount: state.model.classCount, to: paths.predictions)
      try AtomicFile.write(
        try SafeTensors.encode(
          state.model.weights(), metadata: ["experiment": experiment.name, "run": paths.runID]),
        to: paths.weights)
      evaluation = result
    }
    summary.finishedAt = Timestamp.string(Date())
    summary.totalSeconds = Date().timeIntervalSince(started)
    let record = RunRecord(paths: paths, summary: summary, experiment: experiment, log: log)
    try reporter.writeReport(for: record, evaluation: evaluation, data: data, model: state.model)
    try AtomicFile.writeJSON(summary, to: paths.summary)
    try store.record(summary.indexRow(directory: paths.directory))
    try reporter.writeIndex(outputRoot: outputRoot)
  }

  /// The finished run with the same cache key, if the code is committed and its folder is intact;
  /// `statuses` are the ones that count as finished.
  public func cachedRun(for summary: RunSummary, statuses: [RunStatus] = [.completed]) throws
    -> RunPaths?
  {
    guard summary.isReusable else { return nil }
    let store = try openStore(outputRoot)
    return try statuses.flatMap { try store.runs(status: $0, cacheKey: summary.cacheKey) }
      .map { RunPaths(directory: $0.directory) }
      .first {
        FileManager.default.fileExists(atPath: $0.weights)
          && FileManager.default.fileExists(atPath: $0.report)
      }
  }

  /// What `run` would do for `experiment`: the cached run it would reuse, or nil to train; a
  /// sweep trial (`isTrial`) also reuses a pruned run.
  public func plan(_ experiment: Experiment, isTrial: Bool = false) throws -> RunPaths? {
    let checksums: [String: String]
    switch experiment.dataset.source {
    case .idx(let kind, _): checksums = kind.fileChecksums()
    case .kaggleCSV: checksums = try ExperimentData(experiment).checksums
    }
    let summary = RunSummary(
      runID: "", experiment: experiment.name, status: .running, startedAt: "", trainingSeconds: 0,
      totalSeconds: 0, epochsRun: 0,
      parameters: 0, seed: experiment.seed, configHash: experiment.configHash,
      provenance: provenance(of: experiment, datasetChecksums: checksums))
    return try cachedRun(for: summary, statuses: isTrial ? [.completed, .pruned] : [.completed])
  }

  /// Index rows matching every given filter, sorted, with the status of each run recorded as
  /// running derived now: `lost` when its process is gone (the index, like the folder, keeps
  /// `running`).
  public func indexedRuns(
    experiment: String? = nil, status: RunStatus? = nil, sort: RunColumn = .startedAt,
    descending: Bool = true, now: Date = Date()
  ) throws -> [IndexedRun] {
    let stored = try openStore(outputRoot).runs(
      experiment: experiment, status: status == .lost ? .running : status, cacheKey: nil,
      sort: sort, descending: descending)
    var rows = try stored.map { row -> IndexedRun in
      var row = row
      row.status = try RunLiveness.status(
        recorded: row.status, paths: RunPaths(directory: row.directory), now: now)
      return row
    }
    .filter { status == nil || $0.status == status }
    if sort == .status {
      rows = rows.enumerated().sorted {
        $0.element.status.rawValue == $1.element.status.rawValue
          ? $0.offset < $1.offset
          : ($0.element.status.rawValue < $1.element.status.rawValue) != descending
      }.map(\.element)
    }
    return rows
  }

  /// Rebuilds the SQLite index and index.html from the run folders, the source of truth, and
  /// removes the temporary files and folders killed processes left; returns the number of runs.
  /// Queued trials (submitted to Slurm, no folder yet) keep their rows: no folder can restore
  /// them.
  @discardableResult
  public func reindex() throws -> Int {
    let runs = outputRoot + "/runs"
    if FileManager.default.fileExists(atPath: runs) {
      for experiment in try FileManager.default.contentsOfDirectory(atPath: runs) {
        try AtomicFile.removeAbandonedTemporaries(in: "\(runs)/\(experiment)")
      }
    }
    let folders = RunFolders.all(outputRoot: outputRoot)
    for folder in folders {
      for directory in [folder, RunPaths(directory: folder).figures]
      where FileManager.default.fileExists(atPath: directory) {
        try AtomicFile.removeAbandonedTemporaries(in: directory)
      }
    }
    let rows = try folders.map { directory -> IndexedRun in
      let paths = RunPaths(directory: directory)
      var summary = try readJSON(RunSummary.self, from: paths.summary)
      if summary.groupHash == nil {
        summary.groupHash = try? RunRecord.experiment(of: paths).groupHash
      }
      return summary.indexRow(directory: directory)
    }
    let store = try openStore(outputRoot)
    let found = Set(rows.map(\.runID))
    // An index too damaged to read is rebuilt from the folders alone.
    let queued = ((try? store.runs(status: .queued)) ?? []).filter { !found.contains($0.runID) }
    try store.replaceAll(with: rows + queued)
    try reporter.writeIndex(outputRoot: outputRoot)
    return rows.count
  }

  /// The UTC time as run ids begin: `yyyyMMdd-HHmmss`.
  public static func runIDStamp(_ date: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
  }

  /// A new run id: the UTC time and four random hex digits.
  static func newRunID() -> String {
    let random = String(UInt16.random(in: 0...UInt16.max), radix: 16)
    return runIDStamp() + "-" + String(repeating: "0", count: 4 - random.count) + random
  }

  /// Where run `runID` of `experiment` lives.
  public func paths(of experiment: Experiment, runID: String) -> RunPaths {
    RunPaths(directory: "\(outputRoot)/runs/\(experiment.name)/\(runID)")
  }

  /// The folder of run `runID` (default: a new id) holding its definition, heartbeat and
  /// summary, which appears whole: it is filled under a hidden temporary name and renamed into
  /// place, so a kill never leaves a run folder without a summary.
  private func createRunDirectory(
    _ experiment: Experiment, summary: RunSummary, runID: String?
  ) throws -> (RunPaths, RunSummary) {
    let paths = paths(of: experiment, runID: runID ?? Self.newRunID())
    var summary = summary
    summary.runID = paths.runID
    try Directory.create((paths.directory as NSString).deletingLastPathComponent)
    try AtomicFile.replace(paths.directory) { temporary in
      let staged = RunPaths(directory: temporary)
      try Directory.create(staged.figures)
      try AtomicFile.write(experiment.resolved.yaml() + "\n", to: staged.config)
      try RunHeartbeat(epochsFinished: 0, epochs: experiment.training.epochs).write(to: staged)
      try AtomicFile.writeJSON(summary, to: staged.summary)
    }
    return (paths, summary)
  }

  /// The index row of trial `trial` of a sweep submitted to a cluster, as `queued` under the
  /// run id its task will use (`run(..., runID:)`), before any folder exists.
  public func queuedRow(_ experiment: Experiment, trial: TrialContext, runID: String) throws
    -> IndexedRun
  {
    var summary = RunSummary(
      runID: runID, experiment: experiment.name, status: .queued,
      startedAt: Timestamp.string(Date()), trainingSeconds: 0, totalSeconds: 0, epochsRun: 0,
      parameters: try experiment.makeModel().parameterCount, seed: experiment.seed,
      configHash: experiment.configHash, provenance: provenance([:]))
    summary.groupHash = experiment.groupHash
    summary.sweep = trial.tag
    var row = summary.indexRow(directory: paths(of: experiment, runID: runID).directory)
    // Not a finished computation: nothing may reuse it.
    row.cacheKey = ""
    return row
  }

  /// Finds a run by folder path, run id, or experiment name (its newest run).
  public func locate(_ reference: String) throws -> RunPaths {
    if FileManager.default.fileExists(atPath: reference + "/summary.json") {
      return RunPaths(directory: reference)
    }
    let runs = RunFolders.all(outputRoot: outputRoot)
    if let match = runs.first(where: { ($0 as NSString).lastPathComponent == reference }) {
      return RunPaths(directory: match)
    }
    let ofExperiment = runs.map(RunPaths.init(directory:)).filter { $0.experiment == reference }
    if let newest = ofExperiment.max(by: { $0.runID < $1.runID }) { return newest }
    throw RunError.missingRun(reference)
  }
}
