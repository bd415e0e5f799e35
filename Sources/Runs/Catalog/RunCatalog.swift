import AtomicFiles
import Foundation
import RunStorage

/// One run as the catalog lists it: its index row, with the status derived now (`lost` when the
/// process recorded as training it is gone), and its heartbeat when it has one.
public struct CatalogEntry: Sendable {
  /// The index row; `status` is the derived one.
  public var row: IndexedRun
  /// Where the run's files are (a queued trial has no folder yet).
  public var paths: RunPaths { RunPaths(directory: row.directory) }
  /// The run's heartbeat: how far it got and who trains it (nil without one).
  public var heartbeat: RunHeartbeat?
}

/// Answers "which runs does this name mean" for every command, and lists, filters and reindexes
/// the runs of a workspace. A RUN argument is a run folder, a run id, or the name of an
/// experiment, an ensemble or a sweep (sweep trials are runs of the swept experiment).
public struct RunCatalog {
  /// Where the runs are and how they are indexed.
  public let workspace: RunWorkspace

  /// The catalog of `workspace`.
  public init(workspace: RunWorkspace) { self.workspace = workspace }

  private var outputRoot: String { workspace.outputRoot }

  // MARK: - Resolving names

  /// The run `reference` names: a run folder, a run id, or an experiment, ensemble or sweep
  /// name (its newest run).
  public func run(_ reference: String) throws -> RunPaths {
    if RunFolders.isRun(reference) { return RunPaths(directory: reference) }
    let folders = RunFolders.all(outputRoot: outputRoot).map(RunPaths.init(directory:))
    if let match = folders.first(where: { $0.runID == reference }) { return match }
    if let newest = folders.filter({ $0.experiment == reference }).max(by: { $0.runID < $1.runID })
    {
      return newest
    }
    throw RunError.missingRun(reference)
  }

  /// The runs an ensemble of `references` averages: an experiment name stands for its completed
  /// runs of its newest configuration (its seeds, same `group_hash`), oldest first; anything
  /// else for the one run it names. A run named twice counts once.
  public func ensembleMembers(_ references: [String]) throws -> [RunPaths] {
    let store = try workspace.openStore()
    var members: [RunPaths] = []
    for reference in references {
      let completed = try store.runs(experiment: reference, status: .completed)
      let found: [RunPaths]
      if let newest = completed.first, newest.kind == .training {
        found = completed.filter { $0.groupHash == newest.groupHash && $0.kind == .training }
          .reversed().map { RunPaths(directory: $0.directory) }
      } else {
        found = [try run(reference)]
      }
      for paths in found where !members.contains(where: { $0.directory == paths.directory }) {
        members.append(paths)
      }
    }
    return members
  }

  /// The groups a comparison of `references` shows, one per reference: an experiment name
  /// stands for its newest completed run of each configuration (without the seed) and seed,
  /// oldest first (the page splits the configurations apart); anything else for one run.
  public func comparisonGroups(_ references: [String]) throws -> [(name: String, runs: [RunPaths])]
  {
    let store = try workspace.openStore()
    return try references.map { reference in
      let completed = try store.runs(experiment: reference, status: .completed)
      guard !completed.isEmpty else { return (reference, [try run(reference)]) }
      var newest: [String: IndexedRun] = [:]
      for row in completed {
        let group =
          row.groupHash ?? (try? RunRecord.experiment(of: RunPaths(directory: row.directory)))?
          .groupHash ?? ""
        newest["\(group) \(row.seed)"] = newest["\(group) \(row.seed)"] ?? row
      }
      let rows = newest.values.sorted { ($0.startedAt, $0.seed) < ($1.startedAt, $1.seed) }
      return (reference, rows.map { RunPaths(directory: $0.directory) })
    }
  }

  // MARK: - Listing

  /// Index rows matching every given filter, sorted, each with its status derived now (see
  /// `RunLiveness`: the index, like the folder, keeps `running` for a lost run).
  public func runs(
    experiment: String? = nil, status: RunStatus? = nil, sort: RunColumn = .startedAt,
    descending: Bool = true, now: Date = Date()
  ) throws -> [IndexedRun] {
    try entries(
      experiment: experiment, status: status, sort: sort, descending: descending, now: now
    ).map(\.row)
  }

  /// `runs`, each with its heartbeat: what the index page and a live view show.
  public func entries(
    runID: String? = nil, experiment: String? = nil, status: RunStatus? = nil,
    sort: RunColumn = .startedAt, descending: Bool = true, now: Date = Date()
  ) throws -> [CatalogEntry] {
    try entries(
      RunFilter(runID: runID, experiment: experiment), status: status, sort: sort,
      descending: descending, now: now)
  }

  /// One page of the runs `filter` and `status` admit, sorted, and how many they admit: what the
  /// runs page of `report serve` shows. The store filters, sorts and cuts the page, unless the
  /// status is derived (`running`, `lost`, or a sort by status), which only running rows can be.
  public func page(
    _ filter: RunFilter, status: RunStatus?, sort: RunColumn, descending: Bool, limit: Int,
    offset: Int, now: Date = Date()
  ) throws -> (total: Int, entries: [CatalogEntry]) {
    if status == .running || status == .lost || sort == .status {
      let all = try entries(filter, status: status, sort: sort, descending: descending, now: now)
      return (all.count, Array(all.dropFirst(offset).prefix(limit)))
    }
    var stored = filter
    stored.status = status
    let store = try workspace.openStore()
    let rows = try store.runs(
      stored, sort: sort, descending: descending, limit: limit, offset: offset)
    return (try store.count(stored), try rows.map { try entry($0, now: now) })
  }

  private func entries(
    _ filter: RunFilter, status: RunStatus?, sort: RunColumn, descending: Bool, now: Date
  ) throws -> [CatalogEntry] {
    var stored = filter
    stored.status = status == .lost ? .running : status
    var entries = try workspace.openStore().runs(
      stored, sort: sort, descending: descending, limit: nil, offset: 0
    ).map { try entry($0, now: now) }
      .filter { status == nil || $0.row.status == status }
    if sort == .status {
      // Derived statuses sort as the stored ones would, ties in the store's order.
      entries = entries.enumerated().sorted {
        $0.element.row.status.rawValue == $1.element.row.status.rawValue
          ? $0.offset < $1.offset
          : ($0.element.row.status.rawValue < $1.element.row.status.rawValue) != descending
      }.map(\.element)
    }
    return entries
  }

  /// `row` with its status derived now, and its heartbeat when it is recorded as running.
  private func entry(_ row: IndexedRun, now: Date) throws -> CatalogEntry {
    var entry = CatalogEntry(row: row)
    guard row.status == .running else { return entry }
    entry.heartbeat = try? RunHeartbeat.read(from: entry.paths)
    entry.row.status = try RunLiveness.status(recorded: row.status, paths: entry.paths, now: now)
    return entry
  }

  // MARK: - Rebuilding the index

  /// Rebuilds the index and index.html from the run folders, the source of truth, and removes
  /// the temporary files and folders killed processes left; returns the number of runs. Queued
  /// trials (submitted to a cluster, no folder yet) keep their rows: no folder can restore them.
  @discardableResult
  public func reindex() throws -> Int {
    let runs = outputRoot + "/runs"
    if FileManager.default.fileExists(atPath: runs) {
      for experiment in try FileManager.default.contentsOfDirectory(atPath: runs) {
        try AtomicFile.removeAbandonedTemporaries(in: "\(runs)/\(experiment)")
      }
    }
    let folders = RunFolders.all(outputRoot: outputRoot).map(RunPaths.init(directory:))
    for paths in folders {
      for directory in [paths.directory, paths.figures]
      where FileManager.default.fileExists(atPath: directory) {
        try AtomicFile.removeAbandonedTemporaries(in: directory)
      }
    }
    let rows = try folders.map { paths -> IndexedRun in
      var summary = try RunSummary.read(from: paths)
      if summary.groupHash == nil {
        summary.groupHash = try? RunRecord.experiment(of: paths).groupHash
      }
      return summary.indexRow(directory: paths.directory)
    }
    let store = try workspace.openStore()
    let found = Set(rows.map(\.runID))
    // An index too damaged to read is rebuilt from the folders alone.
    let queued = ((try? store.runs(status: .queued)) ?? []).filter { !found.contains($0.runID) }
    try store.replaceAll(with: rows + queued)
    try workspace.reporter.writeIndex(of: self)
    return rows.count
  }
}
