import Datasets
import Foundation
import NeuralNet

/// Writes files atomically: to a temporary name beside the target, then renamed over it, so a
/// crash never leaves a half-written file.
public enum AtomicFile {
  /// Writes `data` to `path` atomically, naming the path in any error.
  public static func write(_ data: Data, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
      throw RunError.unwritable(path: path, reason: String(cString: strerror(errno)))
    }
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw RunError.unwritable(path: path, reason: reason)
    }
  }

  /// Writes UTF-8 text atomically.
  public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

  /// Writes a value as sorted, pretty JSON atomically.
  public static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try write(try encoder.encode(value), to: path)
  }
}

/// Errors about runs on disk.
public enum RunError: Error, CustomStringConvertible, Equatable {
  case unwritable(path: String, reason: String)
  case missingRun(String)
  case corruptRecord(path: String, reason: String)
  case notResumable(String)

  public var description: String {
    switch self {
    case .unwritable(let path, let reason): return "\(path): cannot write: \(reason). Choose a writable place with --output DIR."
    case .missingRun(let name): return "no run '\(name)': give a run directory, a run id, or an experiment name with finished runs (see output/index.html)"
    case .corruptRecord(let path, let reason): return "\(path): \(reason)"
    case .notResumable(let reason): return "cannot resume: \(reason)"
    }
  }
}

/// How a run stands.
public enum RunStatus: String, Codable, Sendable {
  case running, completed, interrupted, failed
}

/// The paths of everything a run leaves in its folder.
public struct RunPaths: Sendable {
  /// output/runs/<experiment>/<run-id>
  public let directory: String

  public init(directory: String) { self.directory = directory }

  public var config: String { directory + "/config.yaml" }
  public var summary: String { directory + "/summary.json" }
  public var metricsCSV: String { directory + "/metrics.csv" }
  public var metricsJSON: String { directory + "/metrics.json" }
  public var weights: String { directory + "/weights.safetensors" }
  public var checkpoint: String { directory + "/checkpoint.safetensors" }
  public var predictions: String { directory + "/predictions.csv" }
  public var report: String { directory + "/report.html" }
  public var figures: String { directory + "/figures" }
  /// The run id: the folder's name.
  public var runID: String { (directory as NSString).lastPathComponent }
}

/// The epoch-by-epoch record of training: metrics and what callbacks did.
public struct TrainingLog: Codable, Sendable {
  public var epochs: [EpochMetrics]
  public var events: [TrainingEvent]

  /// The metrics as CSV with Keras's column names; the learning rate is written as the Float the
  /// optimizer used (0.001, not 0.0010000000474974513).
  public var csv: String {
    func format(_ v: Double?) -> String { v.map { String($0) } ?? "" }
    let rows = epochs.map { m in
      [String(m.epoch), format(m.loss), format(m.accuracy), format(m.valLoss), format(m.valAccuracy), String(Float(m.learningRate)), String(format: "%.3f", m.seconds), String(format: "%.1f", m.imagesPerSecond)].joined(separator: ",")
    }
    return (["epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second"] + rows).joined(separator: "\n") + "\n"
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

/// Everything `summary.json` says about a run.
public struct RunSummary: Codable, Sendable {
  public var runID: String
  public var experiment: String
  public var status: RunStatus
  public var failureReason: String?
  public var startedAt: String
  public var finishedAt: String?
  public var trainingSeconds: Double
  public var totalSeconds: Double
  public var epochsRun: Int
  public var bestEpoch: Int?
  public var bestValAccuracy: Double?
  public var testAccuracy: Double?
  public var testLoss: Double?
  public var parameters: Int
  public var seed: UInt64
  public var configHash: String
  public var provenance: Provenance

  enum CodingKeys: String, CodingKey {
    case runID = "run_id", experiment, status, failureReason = "failure_reason", startedAt = "started_at"
    case finishedAt = "finished_at", trainingSeconds = "training_seconds", totalSeconds = "total_seconds"
    case epochsRun = "epochs_run", bestEpoch = "best_epoch", bestValAccuracy = "best_val_accuracy"
    case testAccuracy = "test_accuracy", testLoss = "test_loss", parameters, seed, configHash = "config_hash", provenance
  }
}

extension RunSummary {
  /// The run cache's key (like DVC's): the resolved config, dataset checksums, git commit and
  /// dirty flag, binary version and seed. Equal keys mean the same computation.
  public var cacheKey: String {
    let checksums = provenance.datasetChecksums.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    let parts = [configHash, checksums, provenance.gitCommit ?? "no-git", String(provenance.gitDirty ?? true), provenance.binaryVersion, String(seed)]
    return SHA256.hex(Data(parts.joined(separator: "\n").utf8))
  }

  /// Only runs of committed code are reused: a dirty tree's commit does not say what ran.
  public var isReusable: Bool { provenance.gitCommit != nil && provenance.gitDirty == false }

  /// The index row for this run, kept in `directory`.
  func indexRow(directory: String) -> RunDatabase.Row {
    RunDatabase.Row(
      runID: runID, experiment: experiment, status: status.rawValue, valAccuracy: bestValAccuracy, testAccuracy: testAccuracy,
      testLoss: testLoss, parameters: parameters, seconds: totalSeconds, startedAt: startedAt, seed: Int64(bitPattern: seed),
      configHash: configHash, cacheKey: cacheKey, directory: directory)
  }
}

/// What makes a run reproducible and where it ran.
public struct Provenance: Codable, Sendable {
  public var gitCommit: String?
  public var gitDirty: Bool?
  public var binaryVersion: String
  public var swiftVersion: String
  public var blas: String
  public var machine: String
  public var threads: Int
  /// SHA-256 of each dataset file's content.
  public var datasetChecksums: [String: String]

  enum CodingKeys: String, CodingKey {
    case gitCommit = "git_commit", gitDirty = "git_dirty", binaryVersion = "binary_version", swiftVersion = "swift_version"
    case blas, machine, threads, datasetChecksums = "dataset_checksums"
  }
}

/// A fraction as a percentage with two decimals ("99.58%"), or `missing` when there is none.
public func percentText(_ value: Double?, missing: String = "–") -> String {
  value.map { String(format: "%.2f%%", $0 * 100) } ?? missing
}

/// Decodes a JSON file, naming it in any error.
func readJSON<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
  guard let data = FileManager.default.contents(atPath: path) else { throw RunError.corruptRecord(path: path, reason: "file missing") }
  do {
    return try JSONDecoder().decode(type, from: data)
  } catch {
    throw RunError.corruptRecord(path: path, reason: "cannot be decoded (\(error))")
  }
}
