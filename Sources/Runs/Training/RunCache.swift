import Datasets
import ExperimentDefinitions
import Foundation
import RunStorage

/// The run cache (like DVC's): a finished run whose cache key (configuration, data, committed
/// code, binary, seed, engine) equals a new run's already computed it, and is reused.
public struct RunCache {
  /// Where the runs are and how they are indexed.
  public let workspace: RunWorkspace

  /// The cache of `workspace`'s runs.
  public init(workspace: RunWorkspace) { self.workspace = workspace }

  /// The finished run with `summary`'s cache key, if the code is committed and its folder is
  /// intact; `statuses` are the ones that count as finished.
  func run(for summary: RunSummary, statuses: [RunStatus] = [.completed]) throws -> RunPaths? {
    guard summary.isReusable else { return nil }
    let store = try workspace.openStore()
    return try statuses.flatMap { try store.runs(status: $0, cacheKey: summary.cacheKey) }
      .map { RunPaths(directory: $0.directory) }
      .first {
        FileManager.default.fileExists(atPath: $0.weights)
          && FileManager.default.fileExists(atPath: $0.report)
      }
  }

  /// What `RunTrainer.start` would do for `experiment` (`--plan`): the cached run it would
  /// reuse, or nil to train; a sweep trial (`isTrial`) also reuses a pruned run.
  public func plan(_ experiment: Experiment, isTrial: Bool = false) throws -> RunPaths? {
    let source = try experiment.initialization.map { try TransferSource($0, workspace: workspace) }
    let checksums = try ExperimentData.checksums(of: experiment).merging(
      source?.provenanceEntry ?? [:]
    ) { $1 }
    let summary = RunSummary(
      starting: experiment, status: .running, parameters: 0,
      provenance: workspace.provenance(of: experiment, datasetChecksums: checksums))
    return try run(for: summary, statuses: isTrial ? [.completed, .pruned] : [.completed])
  }

  /// Whether runs trained now can be reused later: the code is a commit's, unchanged.
  public var isCommittedCode: Bool { workspace.provenance([:]).isCommittedCode }
}
