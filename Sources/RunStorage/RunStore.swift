/// How a run stands.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
  case running, completed, interrupted, failed
  /// Recorded as running, but its process is gone (killed, crashed, its machine rebooted).
  /// Never stored: readers derive it from the run's heartbeat (`RunLiveness` in Runs).
  case lost
  /// A sweep trial stopped early by the sweep's early-termination rule; finished, not rerun.
  case pruned
  /// A sweep trial submitted to a cluster (Slurm) that has not started yet: a row in the index,
  /// no run folder yet.
  case queued
}

/// What made a run. The index's `kind` column holds `storedName`: no value for a trained run,
/// as in rows recorded before ensembles existed.
public enum RunKind: CaseIterable, Sendable {
  /// A network trained by `report run`.
  case training
  /// An average of other runs' predictions (`report ensemble`).
  case ensemble

  /// The `kind` column's value.
  public var storedName: String? {
    switch self {
    case .training: return nil
    case .ensemble: return "ensemble"
    }
  }
}

extension RunKind: Codable {
  /// Reads `storedName` (null for a trained run); any other text is an error.
  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    let name = container.decodeNil() ? nil : try container.decode(String.self)
    guard let kind = Self.allCases.first(where: { $0.storedName == name }) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "unknown run kind '\(name ?? "")'")
    }
    self = kind
  }

  /// Writes `storedName` (null for a trained run).
  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(storedName)
  }
}

// `IndexedRun`'s synthesized `Codable` calls these for its `kind`: a trained run's row leaves the
// key out, as rows and `report list --json` did before `RunKind`, and a row without it (or with
// null) is a trained run.
extension KeyedEncodingContainer where Key == RunColumn {
  mutating func encode(_ kind: RunKind, forKey key: Key) throws {
    try encodeIfPresent(kind.storedName, forKey: key)
  }
}

extension KeyedDecodingContainer where Key == RunColumn {
  func decode(_: RunKind.Type, forKey key: Key) throws -> RunKind {
    try decodeIfPresent(RunKind.self, forKey: key) ?? .training
  }
}

/// One indexed run: what `list` shows and what the run cache looks up. Its fields are the
/// index's columns (`RunColumn`).
public struct IndexedRun: Codable, Sendable {
  public var runID: String, experiment: String, status: RunStatus
  public var valAccuracy: Double?, testAccuracy: Double?, testLoss: Double?
  public var parameters: Int, seconds: Double, startedAt: String, seed: Int64
  public var configHash: String, cacheKey: String, directory: String
  /// The configuration without its seed: runs that differ only by seed share it (nil in rows
  /// recorded before it existed).
  public var groupHash: String?
  /// The sweep this run is a trial of (its experiment's name), and which trial (0-based).
  public var sweep: String?, trial: Int?
  /// The trial's swept values as compact JSON (`{"training.epochs":"2"}`).
  public var sweepParameters: String?
  /// What made the run.
  public var kind: RunKind
  /// The experiment's tags, comma-separated (nil without any).
  public var tags: String?

  typealias CodingKeys = RunColumn

  /// A row with every column given.
  public init(
    runID: String, experiment: String, status: RunStatus, valAccuracy: Double?,
    testAccuracy: Double?, testLoss: Double?, parameters: Int, seconds: Double,
    startedAt: String, seed: Int64, configHash: String, cacheKey: String, directory: String,
    groupHash: String? = nil, sweep: String? = nil, trial: Int? = nil,
    sweepParameters: String? = nil, kind: RunKind = .training, tags: String? = nil
  ) {
    (self.runID, self.experiment, self.status) = (runID, experiment, status)
    (self.valAccuracy, self.testAccuracy, self.testLoss) = (valAccuracy, testAccuracy, testLoss)
    (self.parameters, self.seconds, self.startedAt, self.seed) = (
      parameters, seconds, startedAt, seed
    )
    (self.configHash, self.cacheKey, self.directory) = (configHash, cacheKey, directory)
    (self.groupHash, self.sweep, self.trial, self.sweepParameters) = (
      groupHash, sweep, trial, sweepParameters
    )
    self.kind = kind
    self.tags = tags
  }

  /// The tags one by one.
  public var tagList: [String] {
    tags.map { $0.split(separator: ",").map(String.init) } ?? []
  }
}

/// The run index: one row per run folder. The folders stay the source of truth; `replaceAll`
/// rebuilds the index from them. Several processes may record at once. `SQLiteRunStore` (one
/// file) and `PostgreSQLRunStore` (a server a team shares) implement it; `RunStoreLocation`
/// opens either from a URI.
public protocol RunStore {
  /// Inserts or replaces one run.
  func record(_ run: IndexedRun) throws
  /// Replaces every row with `runs` in one transaction.
  func replaceAll(with runs: [IndexedRun]) throws
  /// The runs `filter` admits, sorted by `sort` (ties by run id); with `limit`, at most that
  /// many after skipping `offset`.
  func runs(
    _ filter: RunFilter, sort: RunColumn, descending: Bool, limit: Int?, offset: Int
  ) throws -> [IndexedRun]
  /// How many runs `filter` admits.
  func count(_ filter: RunFilter) throws -> Int
}

extension RunStore {
  /// Runs matching the given filters, newest first unless told otherwise.
  public func runs(
    runID: String? = nil, experiment: String? = nil, status: RunStatus? = nil,
    cacheKey: String? = nil, sort: RunColumn = .startedAt, descending: Bool = true
  ) throws -> [IndexedRun] {
    try runs(
      RunFilter(runID: runID, experiment: experiment, status: status, cacheKey: cacheKey),
      sort: sort, descending: descending, limit: nil, offset: 0)
  }
}

/// A failure of the index itself.
public enum RunStoreError: Error, CustomStringConvertible, Equatable {
  /// The database at `path` refused a statement.
  case database(path: String, reason: String)
  /// A stored status is not one `RunStatus` knows.
  case unknownStatus(path: String, runID: String, status: String)
  /// A store URI that names no store.
  case badLocation(uri: String, reason: String)
  /// The server at `host`:`port` could not be reached; `reason` is its own message.
  case unreachable(store: String, host: String, port: Int, reason: String)

  public var description: String {
    switch self {
    case .database(let path, let reason): return "\(path): \(reason)"
    case .unknownStatus(let path, let runID, let status):
      return "\(path): run \(runID) has unknown status '\(status)'"
    case .badLocation(let uri, let reason): return "run store '\(uri)': \(reason)"
    case .unreachable(let store, let host, let port, let reason):
      return "cannot reach the run store \(store) (host \(host), port \(port)): \(reason)"
    }
  }
}
