import AtomicFiles
import Datasets
import Foundation
import NeuralNet
import RunStorage

/// Errors about runs on disk.
public enum RunError: Error, CustomStringConvertible, Equatable {
  /// No run folder, run id or experiment with runs by this name.
  case missingRun(String)
  /// A run file that is missing or cannot be read.
  case corruptRecord(path: String, reason: String)
  /// The run cannot continue, for the reason given.
  case notResumable(String)
  /// The run did not complete, and `use` needs a completed one.
  case notCompleted(runID: String, status: RunStatus, use: String)
  /// The run has no checkpoint to continue from: it stopped before its first epoch was saved.
  /// `command` started it (nil for runs recorded before commands were).
  case noCheckpoint(runID: String, experiment: String, command: String?)
  /// The run's process still trains it, so nothing else may write its folder; `process` is nil
  /// for runs recorded before heartbeats.
  case stillRunning(runID: String, process: ProcessIdentity?)
  /// An ensemble needs at least two members; `count` were given.
  case tooFewMembers(count: Int)
  /// Run `runID` cannot be a member of an ensemble, for `reason`.
  case unfitMember(runID: String, reason: String)
  /// Run `runID`'s test predictions (at `path`, line included) differ from the first
  /// member's test set, as `reason` says.
  case differentTestSet(runID: String, path: String, reason: String)
  /// An ensemble name that cannot name a folder under output/runs, or that ordinary runs use.
  case badEnsembleName(name: String, reason: String)

  public var description: String {
    switch self {
    case .missingRun(let name): return "no run '\(name)'"
    case .corruptRecord(let path, let reason): return "\(path): \(reason)"
    case .notResumable(let reason): return "cannot resume: \(reason)"
    case .notCompleted(let runID, let status, let use):
      return "run \(runID) is \(status.rawValue); \(use) need a completed run"
    case .noCheckpoint(let runID, _, _):
      return
        "cannot resume: run \(runID) has no checkpoint; it stopped before its first epoch was saved"
    case .stillRunning(let runID, let process):
      return "cannot resume: run \(runID) is still running"
        + (process.map { " (process \($0.pid) on \($0.host))" } ?? "")
    case .tooFewMembers(let count):
      return "an ensemble needs at least two members; \(count) given"
    case .unfitMember(let runID, let reason):
      return "run \(runID) cannot be an ensemble member: \(reason)"
    case .differentTestSet(let runID, let path, let reason):
      return "\(path): run \(runID) was tested on another test set: \(reason)"
    case .badEnsembleName(let name, let reason): return "ensemble name '\(name)': \(reason)"
    }
  }
}

extension RunError {
  /// Runs `read`, which decodes the run file at `path`, turning the engine's errors about its
  /// content (which know no file) into `corruptRecord` errors naming it.
  static func naming<T>(_ path: String, _ read: () throws -> T) throws -> T {
    do {
      return try read()
    } catch let error as NeuralNetError {
      throw RunError.corruptRecord(path: path, reason: error.description)
    }
  }
}

/// The paths of everything a run leaves in its folder.
public struct RunPaths: Sendable {
  /// output/runs/<experiment>/<run-id>
  public let directory: String

  public init(directory: String) { self.directory = directory }

  /// The experiment the run belongs to: the name of the folder above the run's.
  public var experiment: String {
    ((directory as NSString).deletingLastPathComponent as NSString).lastPathComponent
  }

  public var config: String { directory + "/config.yaml" }
  public var summary: String { directory + "/summary.json" }
  public var metricsCSV: String { directory + "/metrics.csv" }
  public var metricsJSON: String { directory + "/metrics.json" }
  public var weights: String { directory + "/weights.safetensors" }
  public var checkpoint: String { directory + "/checkpoint.safetensors" }
  public var heartbeat: String { directory + "/heartbeat.json" }
  /// The lock the training process holds (`RunLock`).
  public var lock: String { directory + "/.lock" }
  public var predictions: String { directory + "/predictions.csv" }
  public var report: String { directory + "/report.html" }
  public var figures: String { directory + "/figures" }
  /// The run id: the folder's name.
  public var runID: String { (directory as NSString).lastPathComponent }
  /// The output root the run is under: the folder holding `runs/`.
  public var outputRoot: String {
    let runs = ((directory as NSString).deletingLastPathComponent as NSString)
      .deletingLastPathComponent
    return (runs as NSString).deletingLastPathComponent
  }
}

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
  /// The command that started the run, to start it again (nil in runs recorded before it was
  /// kept, and in runs not started from the command line).
  public var command: String?
  /// The configuration's hash without its seed (`Experiment.groupHash`); nil in runs recorded
  /// before it existed (the index computes it from config.yaml).
  public var groupHash: String?
  /// The sweep this run is a trial of, when it is one.
  public var sweep: SweepTag?
  /// Where and why the sweep's early-termination rule stopped this run (status `pruned`).
  public var pruning: Pruning?
  /// The members when this run is an ensemble (nil for a trained run, and in summaries written
  /// before ensembles existed).
  public var ensemble: EnsembleTag?

  enum CodingKeys: String, CodingKey {
    case runID = "run_id"
    case experiment, status
    case failureReason = "failure_reason"
    case startedAt = "started_at"
    case finishedAt = "finished_at"
    case trainingSeconds = "training_seconds"
    case totalSeconds = "total_seconds"
    case epochsRun = "epochs_run"
    case bestEpoch = "best_epoch"
    case bestValAccuracy = "best_val_accuracy"
    case testAccuracy = "test_accuracy"
    case testLoss = "test_loss"
    case parameters, seed
    case configHash = "config_hash"
    case provenance, command
    case groupHash = "group_hash"
    case sweep, pruning, ensemble
  }
}

/// What a sweep trial's summary says about its sweep.
public struct SweepTag: Codable, Sendable, Equatable {
  /// The swept experiment's name.
  public var name: String
  /// The trial's 0-based index in the sweep's trial list.
  public var trial: Int
  /// The swept keys and the values this trial set, as `--set` writes them.
  public var parameters: [String: String]

  /// A tag for trial `trial` of sweep `name` with `parameters`.
  public init(name: String, trial: Int, parameters: [String: String]) {
    (self.name, self.trial, self.parameters) = (name, trial, parameters)
  }
}

/// Why an early-termination rule stopped a trial.
public struct Pruning: Codable, Sendable, Equatable {
  /// The last epoch the trial trained (1-based).
  public var epoch: Int
  /// The rule's verdict, with the numbers it compared.
  public var reason: String
}

extension RunSummary {
  /// The run cache's key (like DVC's): the resolved config, dataset checksums, the code's git
  /// hashes and dirty flag (the commit's, in runs recorded before those), binary version, seed
  /// and engine. Equal keys mean the same computation.
  public var cacheKey: String {
    let checksums = provenance.datasetChecksums.sorted { $0.key < $1.key }.map {
      "\($0.key)=\($0.value)"
    }.joined(separator: ";")
    let code = provenance.codeVersion
    let parts = [
      configHash, checksums, code.id ?? "no-git", String(code.dirty ?? true),
      provenance.binaryVersion, String(seed), provenance.engine ?? "reference fp32",
    ]
    return SHA256.hex(Data(parts.joined(separator: "\n").utf8))
  }

  /// Only runs of committed code are reused: a dirty tree's commit does not say what ran.
  public var isReusable: Bool { provenance.isCommittedCode }

  /// The index row for this run, kept in `directory`.
  func indexRow(directory: String) -> IndexedRun {
    let swept = sweep.flatMap { tag -> String? in
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      return (try? encoder.encode(tag.parameters)).map { String(decoding: $0, as: UTF8.self) }
    }
    return IndexedRun(
      runID: runID, experiment: experiment, status: status, valAccuracy: bestValAccuracy,
      testAccuracy: testAccuracy,
      testLoss: testLoss, parameters: parameters, seconds: totalSeconds, startedAt: startedAt,
      seed: Int64(bitPattern: seed),
      configHash: configHash, cacheKey: cacheKey, directory: directory, groupHash: groupHash,
      sweep: sweep?.name, trial: sweep?.trial, sweepParameters: swept,
      kind: ensemble == nil ? .training : .ensemble)
  }
}

/// What makes a run reproducible and where it ran.
public struct Provenance: Codable, Sendable {
  /// The working tree's commit (nil outside a git checkout).
  public var gitCommit: String?
  /// Whether tracked files differed from that commit.
  public var gitDirty: Bool?
  /// Git's hashes of the committed `Sources` tree and `Package.swift`, the code that builds
  /// `report` (nil outside this repository, and in runs recorded before it). The run cache keys
  /// on them rather than on the commit, so a commit that changes only documentation or
  /// experiment files keeps finished runs reusable, as DVC keys a stage on its dependencies.
  public var codeTree: String?
  /// Whether that code, untracked files included, differed from the commit.
  public var codeDirty: Bool?
  public var binaryVersion: String
  public var swiftVersion: String
  public var blas: String
  public var machine: String
  public var threads: Int
  /// SHA-256 of each dataset file's content.
  public var datasetChecksums: [String: String]
  /// What computed the layers, e.g. "oneDNN bf16" (nil in runs recorded before oneDNN).
  public var engine: String?
  /// The instruction set oneDNN dispatched to, e.g. "avx512_core_bf16".
  public var isa: String?

  enum CodingKeys: String, CodingKey {
    case gitCommit = "git_commit"
    case gitDirty = "git_dirty"
    case codeTree = "code_tree"
    case codeDirty = "code_dirty"
    case binaryVersion = "binary_version"
    case swiftVersion = "swift_version"
    case blas, machine, threads, engine, isa
    case datasetChecksums = "dataset_checksums"
  }
}

/// Decodes a JSON file, naming it in any error.
public func readJSON<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw RunError.corruptRecord(path: path, reason: "file missing")
  }
  do {
    return try JSONDecoder().decode(type, from: data)
  } catch {
    throw RunError.corruptRecord(path: path, reason: "cannot be decoded (\(error))")
  }
}

/// The run folders under an output root.
public enum RunFolders {
  /// Every run folder (`<root>/runs/<experiment>/<run-id>`) holding a summary.json, sorted;
  /// hidden names (a folder still being filled) are not runs.
  public static func all(outputRoot: String) -> [String] {
    let fm = FileManager.default
    let root = outputRoot + "/runs"
    return ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted().flatMap { experiment in
      ((try? fm.contentsOfDirectory(atPath: "\(root)/\(experiment)")) ?? []).sorted()
        .filter { !$0.hasPrefix(".") }
        .map { "\(root)/\(experiment)/\($0)" }
        .filter { fm.fileExists(atPath: $0 + "/summary.json") }
    }
  }
}
