import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import RunStorage

/// Everything `summary.json` says about a run. It is read and written here and nowhere else
/// (`read(from:)`, `write(to:)`); every command reads it through `RunRecord`.
public struct RunSummary: Codable, Sendable {
  /// The version of this file's layout that this build writes. Version 1 (no
  /// `schema_version` key) is every summary written before the key existed; it reads as is.
  public static let schemaVersion = 2
  /// The layout version the file was written in (nil: version 1).
  public var schemaVersion: Int?
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
  /// The experiment's `tags:` (nil when it has none, and in summaries written before tags).
  public var tags: [String]?
  /// Where the initial weights came from, when the run started from another run's (`init:`).
  public var transfer: TransferRecord?

  enum CodingKeys: String, CodingKey {
    case schemaVersion = "schema_version"
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
    case sweep, pruning, ensemble, tags, transfer
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
  /// The summary of a run of `experiment` starting now with `status`: nothing trained yet.
  init(
    starting experiment: Experiment, status: RunStatus, parameters: Int, provenance: Provenance,
    command: String? = nil, sweep: SweepTag? = nil
  ) {
    self.init(
      schemaVersion: Self.schemaVersion, runID: "", experiment: experiment.name, status: status,
      startedAt: Timestamp.string(Date()), trainingSeconds: 0, totalSeconds: 0, epochsRun: 0,
      parameters: parameters, seed: experiment.seed, configHash: experiment.configHash,
      provenance: provenance, command: command, groupHash: experiment.groupHash, sweep: sweep,
      tags: experiment.tags.isEmpty ? nil : experiment.tags)
  }

  /// The index row of trial `trial` of a sweep submitted to a cluster, `queued` under the run id
  /// its task will use, before any folder exists in `workspace`. Not a finished computation:
  /// nothing may reuse it.
  public static func queuedRow(
    _ experiment: Experiment, trial: TrialContext, runID: String, workspace: RunWorkspace
  ) throws -> IndexedRun {
    var summary = RunSummary(
      starting: experiment, status: .queued, parameters: try experiment.makeModel().parameterCount,
      provenance: workspace.provenance([:]), sweep: trial.tag)
    summary.runID = runID
    var row = summary.indexRow(
      directory: workspace.paths(ofExperiment: experiment.name, runID: runID).directory)
    row.cacheKey = ""
    return row
  }

  /// Takes the epochs trained so far and the best of them from `log`.
  mutating func record(_ log: TrainingLog) {
    epochsRun = log.epochs.count
    bestEpoch = log.bestEpoch?.epoch
    bestValAccuracy = log.bestEpoch?.valAccuracy
  }

  /// The summary in the run folder at `paths`. A summary written by a newer `report`, in a
  /// layout this build does not know, is refused rather than misread.
  public static func read(from paths: RunPaths) throws -> RunSummary {
    let summary = try readJSON(RunSummary.self, from: paths.summary)
    if let version = summary.schemaVersion, version > schemaVersion {
      throw RunError.corruptRecord(
        path: paths.summary,
        reason:
          "schema_version \(version) is newer than this report reads (\(schemaVersion)); "
          + "use a newer report")
    }
    return summary
  }

  /// Writes it into the run folder at `paths`, atomically, in this build's layout.
  public func write(to paths: RunPaths) throws {
    var current = self
    current.schemaVersion = Self.schemaVersion
    try AtomicFile.writeJSON(current, to: paths.summary)
  }

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
    return Checksum.sha256(Data(parts.joined(separator: "\n").utf8))
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
      kind: ensemble == nil ? .training : .ensemble, tags: tags?.joined(separator: ","))
  }
}
