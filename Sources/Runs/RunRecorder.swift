import AtomicFiles
import Foundation
import NeuralNet

/// Writes a run's metrics and a resumable checkpoint after every epoch, atomically.
final class RunRecorder: TrainingCallback {
  let paths: RunPaths
  let earlyStopping: EarlyStopping?
  /// The first failure to write, reported when training returns.
  private(set) var writeError: Error?

  init(paths: RunPaths, earlyStopping: EarlyStopping?) {
    self.paths = paths
    self.earlyStopping = earlyStopping
  }

  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    do {
      let log = TrainingLog(epochs: state.history, events: state.events)
      try Checkpoint.save(
        state: state, bestWeights: earlyStopping?.bestEpochWeights, to: paths.checkpoint)
      try AtomicFile.writeJSON(log, to: paths.metricsJSON)
      try AtomicFile.write(log.csv, to: paths.metricsCSV)
    } catch {
      writeError = writeError ?? error
      state.stopTraining = true
    }
  }
}

/// A resumable snapshot: model weights, optimizer slots, early stopping's best weights and the
/// learning rate, in one safetensors file.
enum Checkpoint {
  static func save(
    state: TrainingState, bestWeights: [String: SafeTensors.Tensor]?, to path: String
  ) throws {
    var tensors: [String: SafeTensors.Tensor] = [:]
    for (name, tensor) in state.model.weights() { tensors["model/\(name)"] = tensor }
    for (name, values) in state.optimizer.exportState() {
      tensors["optimizer/\(name)"] = ([values.count], values)
    }
    for (name, tensor) in bestWeights ?? [:] { tensors["best/\(name)"] = tensor }
    let metadata = [
      "learning_rate": String(state.optimizer.learningRate),
      "epoch": String(state.history.last?.epoch ?? 0),
    ]
    try AtomicFile.write(try SafeTensors.encode(tensors, metadata: metadata), to: path)
  }

  /// Restores model and optimizer; returns early stopping's best weights, if saved.
  static func load(from path: String, model: Sequential, optimizer: Optimizer) throws -> [String:
    SafeTensors.Tensor]?
  {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw RunError.notResumable(
        "\(path) is missing: the run ended before its first epoch finished")
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
    let best = group("best/")
    return best.isEmpty ? nil : best
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
