import AtomicFiles
import Foundation
import NeuralNet

/// Writes what a run leaves while it trains, each file atomically: after every epoch its metrics
/// and a resumable checkpoint, then whatever `epochWritten` adds (the report); a heartbeat at the
/// start, after every epoch and every `RunHeartbeat.interval` seconds inside one.
final class RunRecorder: TrainingCallback {
  let paths: RunPaths
  let earlyStopping: EarlyStopping?
  /// The most epochs the run trains, for the heartbeat.
  let epochs: Int
  /// Called after each epoch's metrics and checkpoint are on disk.
  let epochWritten: (TrainingLog) throws -> Void
  /// The first failure to write, reported when training returns.
  private(set) var writeError: Error?
  private var lastHeartbeat = Date.distantPast

  init(
    paths: RunPaths, earlyStopping: EarlyStopping?, epochs: Int,
    epochWritten: @escaping (TrainingLog) throws -> Void
  ) {
    (self.paths, self.earlyStopping, self.epochs) = (paths, earlyStopping, epochs)
    self.epochWritten = epochWritten
  }

  /// Runs `write`; on failure keeps the first error and stops training.
  private func recording(_ state: TrainingState, _ write: () throws -> Void) {
    do {
      try write()
    } catch {
      writeError = writeError ?? error
      state.stopTraining = true
    }
  }

  private func beat(_ state: TrainingState) throws {
    lastHeartbeat = Date()
    try RunHeartbeat(epochsFinished: state.history.count, epochs: epochs, now: lastHeartbeat)
      .write(to: paths)
  }

  func trainingWillBegin(state: TrainingState) { recording(state) { try beat(state) } }

  func batchDidEnd(_ progress: BatchProgress, state: TrainingState) {
    guard Date().timeIntervalSince(lastHeartbeat) >= RunHeartbeat.interval else { return }
    recording(state) { try beat(state) }
  }

  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    recording(state) {
      let log = TrainingLog(epochs: state.history, events: state.events)
      // Metrics first: a checkpoint on disk then always has its epochs in metrics.json, and the
      // checkpoint carries its own log, which `resume` trusts.
      try log.write(to: paths)
      try Checkpoint.save(
        state: state, bestWeights: earlyStopping?.bestEpochWeights, log: log, to: paths.checkpoint)
      try beat(state)
      try epochWritten(log)
    }
  }
}

/// A resumable snapshot: model weights, optimizer slots, early stopping's best weights, the
/// learning rate and the training log up to it, in one safetensors file. The log makes the file
/// self-consistent: whatever else a kill left half-updated, weights and epochs agree.
enum Checkpoint {
  static func save(
    state: TrainingState, bestWeights: [String: SafeTensors.Tensor]?, log: TrainingLog,
    to path: String
  ) throws {
    var tensors: [String: SafeTensors.Tensor] = [:]
    for (name, tensor) in state.model.weights() { tensors["model/\(name)"] = tensor }
    for (name, values) in state.optimizer.exportState() {
      tensors["optimizer/\(name)"] = ([values.count], values)
    }
    for (name, tensor) in bestWeights ?? [:] { tensors["best/\(name)"] = tensor }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let metadata = [
      "learning_rate": String(state.optimizer.learningRate),
      "epoch": String(state.history.last?.epoch ?? 0),
      "log": String(decoding: try encoder.encode(log), as: UTF8.self),
    ]
    try AtomicFile.write(try SafeTensors.encode(tensors, metadata: metadata), to: path)
  }

  /// What a checkpoint restores besides the model and optimizer.
  struct Restored {
    /// Early stopping's best weights, if saved.
    var bestWeights: [String: SafeTensors.Tensor]?
    /// The log up to the checkpoint; nil in checkpoints written before it was kept.
    var log: TrainingLog?
  }

  /// Restores model and optimizer from the checkpoint of the run at `paths`, which `summary`
  /// describes.
  static func load(
    _ paths: RunPaths, of summary: RunSummary, model: Sequential, optimizer: Optimizer
  ) throws -> Restored {
    let path = paths.checkpoint
    guard let data = FileManager.default.contents(atPath: path) else {
      throw RunError.noCheckpoint(
        runID: paths.runID, experiment: summary.experiment, command: summary.command)
    }
    let (tensors, metadata) = try RunError.naming(path) { try SafeTensors.decode(data) }
    func group(_ prefix: String) -> [String: SafeTensors.Tensor] {
      Dictionary(
        uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map {
          (String($0.key.dropFirst(prefix.count)), $0.value)
        })
    }
    try RunError.naming(path) {
      try model.load(weights: group("model/"))
      try optimizer.importState(group("optimizer/").mapValues(\.values))
    }
    guard let rate = metadata["learning_rate"].flatMap(Float.init) else {
      throw RunError.corruptRecord(
        path: path, reason: "no learning_rate in the checkpoint metadata")
    }
    optimizer.learningRate = rate
    var log: TrainingLog?
    if let text = metadata["log"] {
      do {
        log = try JSONDecoder().decode(TrainingLog.self, from: Data(text.utf8))
      } catch {
        throw RunError.corruptRecord(
          path: path, reason: "the checkpoint's log cannot be decoded (\(error))")
      }
    }
    let best = group("best/")
    return Restored(bestWeights: best.isEmpty ? nil : best, log: log)
  }
}

/// Test predictions as CSV: index, label, predicted, then one probability per class.
enum PredictionsFile {
  static func write(_ evaluation: Evaluation, labels: [Int32], classCount: Int, to path: String)
    throws
  {
    var lines = [
      "index,label,predicted," + (0..<classCount).map { "p_\($0)" }.joined(separator: ",")
    ]
    lines.reserveCapacity(labels.count + 1)
    for i in labels.indices {
      let probabilities = evaluation.probabilities[(i * classCount)..<((i + 1) * classCount)].map {
        "\($0)"
      }.joined(separator: ",")
      lines.append("\(i),\(labels[i]),\(evaluation.predictions[i]),\(probabilities)")
    }
    try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
  }

  /// Reads the file back for a model of `classCount` classes: the header must have one
  /// probability column per class and every label must be one of them.
  static func read(_ path: String, classCount: Int) throws -> (
    probabilities: [Float], labels: [Int32], classCount: Int
  ) {
    guard
      let text = FileManager.default.contents(atPath: path).map({
        String(decoding: $0, as: UTF8.self)
      })
    else {
      throw RunError.corruptRecord(path: path, reason: "file missing")
    }
    let header = text.prefix { $0 != "\n" }.split(separator: ",")
    guard header.count == 3 + classCount, header.prefix(3) == ["index", "label", "predicted"]
    else {
      throw RunError.corruptRecord(
        path: "\(path):1",
        reason: "expected the header index,label,predicted,p_0,...,p_\(classCount - 1)")
    }
    var probabilities: [Float] = []
    var labels: [Int32] = []
    for (n, line) in text.split(separator: "\n").enumerated().dropFirst() {
      let fields = line.split(separator: ",")
      guard fields.count == 3 + classCount else {
        throw RunError.corruptRecord(
          path: "\(path):\(n + 1)", reason: "expected \(3 + classCount) fields")
      }
      guard let label = Int32(fields[1]), label >= 0, label < classCount else {
        throw RunError.corruptRecord(
          path: "\(path):\(n + 1)",
          reason: "label '\(fields[1])' is not a class of 0...\(classCount - 1)")
      }
      labels.append(label)
      for field in fields.dropFirst(3) {
        guard let p = Float(field) else {
          throw RunError.corruptRecord(
            path: "\(path):\(n + 1)", reason: "'\(field)' is not a probability")
        }
        probabilities.append(p)
      }
    }
    return (probabilities, labels, classCount)
  }
}
