import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet

/// One run folder read back: its summary, the definition it ran, its per-epoch metrics, its test
/// evaluation and how to rebuild its model. Every command that reads a run reads it through
/// this type.
public struct RunRecord {
  /// Where the run's files are.
  public let paths: RunPaths
  /// The run's summary (`RunSummary`).
  public var summary: RunSummary
  /// `config.yaml`: the resolved definition the run trained.
  public let experiment: Experiment
  /// `metrics.json`; empty before the first epoch finishes.
  public var log: TrainingLog
  /// `heartbeat.json`: the process that trains (or trained) the run; nil in runs recorded
  /// before heartbeats.
  public var heartbeat: RunHeartbeat?

  /// A record of values in memory (a run being trained).
  public init(paths: RunPaths, summary: RunSummary, experiment: Experiment, log: TrainingLog) {
    (self.paths, self.summary, self.experiment, self.log) = (paths, summary, experiment, log)
  }

  /// Reads the run folder at `paths`. A run recorded as running whose process is gone reads as
  /// `lost` (see `RunLiveness`); the folder itself is not changed.
  public init(loading paths: RunPaths, now: Date = Date()) throws {
    self.paths = paths
    summary = try RunSummary.read(from: paths)
    experiment = try Self.experiment(of: paths)
    log = try TrainingLog.read(from: paths)
    heartbeat = try RunHeartbeat.read(from: paths)
    summary.status = try RunLiveness.status(recorded: summary.status, paths: paths, now: now)
  }

  /// Whether `report resume` can continue the run: it was interrupted or lost after saving a
  /// checkpoint.
  public var isResumable: Bool { (try? requireResumable()) != nil }

  /// Throws, saying why, unless `report resume` can continue the run.
  public func requireResumable() throws {
    switch summary.status {
    case .interrupted, .lost: break
    case .running:
      throw RunError.stillRunning(runID: paths.runID, process: heartbeat?.process)
    case .completed, .failed, .pruned, .queued:
      throw RunError.notResumable(
        "run \(paths.runID) is \(summary.status.rawValue); only interrupted and lost runs continue")
    }
    guard FileManager.default.fileExists(atPath: paths.checkpoint) else {
      throw RunError.noCheckpoint(
        runID: paths.runID, experiment: summary.experiment, command: summary.command)
    }
  }

  /// The definition a run folder recorded, without reading anything else.
  public static func experiment(of paths: RunPaths) throws -> Experiment {
    guard FileManager.default.fileExists(atPath: paths.config) else {
      throw RunError.missingRun(paths.directory)
    }
    return try Experiment(resolvedFile: paths.config, name: paths.experiment)
  }

  /// Throws unless the run completed; `use` says what needs it ("the paper's figures").
  public func requireCompleted(for use: String) throws {
    guard summary.status == .completed else {
      throw RunError.notCompleted(runID: paths.runID, status: summary.status, use: use)
    }
  }

  /// The test evaluation the run recorded in predictions.csv, nil when it recorded none.
  public func evaluation() throws -> Evaluation? {
    guard FileManager.default.fileExists(atPath: paths.predictions) else { return nil }
    let recorded = try PredictionsFile.read(paths.predictions, classCount: classNames.count)
    // An ensemble's loss is plain cross-entropy: its members' label smoothing is not its own.
    return Evaluation(
      probabilities: recorded.probabilities, labels: recorded.labels,
      classCount: recorded.classCount,
      loss: summary.ensemble == nil ? experiment.training.loss : CategoricalCrossEntropy())
  }

  /// The model the definition declares, with fresh weights.
  public func makeModel() throws -> Sequential { try experiment.makeModel() }

  /// The model with the run's final weights.
  public func trainedModel() throws -> Sequential {
    guard summary.ensemble == nil else {
      throw RunError.corruptRecord(
        path: paths.weights,
        reason: "run \(paths.runID) is an ensemble, with no weights of its own; use a member")
    }
    guard let data = FileManager.default.contents(atPath: paths.weights) else {
      throw RunError.corruptRecord(
        path: paths.weights, reason: "no final weights: the run did not finish")
    }
    let model = try makeModel()
    try RunError.naming(paths.weights) {
      try model.load(weights: try SafeTensors.decode(data).tensors)
    }
    return model
  }

  /// The names of the classes the run's model predicts.
  public var classNames: [String] { experiment.dataset.classNames }
}

extension TrainingSpec {
  /// The loss this training minimises.
  public var loss: CategoricalCrossEntropy {
    CategoricalCrossEntropy(labelSmoothing: Float(labelSmoothing))
  }
}

/// The predicted class of each row of `values` (`width` scores a row): the index of the largest
/// score, the first on ties.
public func predictedClasses(_ values: [Float], width: Int) -> [Int] {
  guard width > 0 else { return [] }
  return values.withUnsafeBufferPointer { buffer in
    guard let base = buffer.baseAddress else { return [] }
    return (0..<(buffer.count / width)).map { argmax(base + $0 * width, width) }
  }
}

/// Kaggle's Digit Recognizer submission: `ImageId,Label`, ids from 1.
public enum SubmissionFile {
  /// Writes one line per predicted class, atomically.
  public static func write(_ predictions: [Int], to path: String) throws {
    let lines =
      ["ImageId,Label"] + predictions.enumerated().map { "\($0.offset + 1),\($0.element)" }
    try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
  }
}
