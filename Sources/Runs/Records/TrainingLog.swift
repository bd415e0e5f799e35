import AtomicFiles
import Foundation
import NeuralNet

/// The epoch-by-epoch record of training: metrics and what callbacks did.
public struct TrainingLog: Codable, Sendable {
  public var epochs: [EpochMetrics]
  public var events: [TrainingEvent]

  /// A log of `epochs` and what callbacks did after them.
  public init(epochs: [EpochMetrics], events: [TrainingEvent]) {
    (self.epochs, self.events) = (epochs, events)
  }

  /// The metrics as CSV with Keras's column names; the learning rate is written as the Float the
  /// optimizer used (0.001, not 0.0010000000474974513).
  public var csv: String {
    func format(_ v: Double?) -> String { v.map { String($0) } ?? "" }
    let rows = epochs.map { m in
      [
        String(m.epoch), format(m.loss), format(m.accuracy), format(m.valLoss),
        format(m.valAccuracy), String(Float(m.learningRate)), String(format: "%.3f", m.seconds),
        String(format: "%.1f", m.imagesPerSecond),
      ].joined(separator: ",")
    }
    return
      (["epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second"] + rows)
      .joined(separator: "\n") + "\n"
  }

  /// The run's `metrics.json`; empty before its first epoch finished.
  public static func read(from paths: RunPaths) throws -> TrainingLog {
    guard FileManager.default.fileExists(atPath: paths.metricsJSON) else {
      return TrainingLog(epochs: [], events: [])
    }
    return try readJSON(TrainingLog.self, from: paths.metricsJSON)
  }

  /// Writes `metrics.json` and `metrics.csv` into the run folder at `paths`, each atomically.
  func write(to paths: RunPaths) throws {
    try AtomicFile.writeJSON(self, to: paths.metricsJSON)
    try AtomicFile.write(csv, to: paths.metricsCSV)
  }

  /// The epoch with the best validation accuracy (the first on ties), if any.
  public var bestEpoch: EpochMetrics? {
    var best: EpochMetrics?
    for m in epochs {
      if let value = m.valAccuracy, value > (best?.valAccuracy ?? -1) { best = m }
    }
    return best
  }
}
