import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import RunStorage

/// Builds an ensemble's run folder from completed runs: it is recorded, listed, shown and
/// compared like a trained run.
public struct EnsembleBuilder {
  /// Where the ensemble's folder goes and how it is indexed and reported.
  public let workspace: RunWorkspace

  /// A builder writing into `workspace`.
  public init(workspace: RunWorkspace) { self.workspace = workspace }

  /// Averages the runs at `members` into an ensemble run folder
  /// `<output>/runs/<name>/<run-id>/` (name default `Ensemble.defaultName`): config.yaml (the
  /// first member's definition, which says the data), predictions.csv, its summary and its
  /// report, filled under a hidden name and renamed into place; then indexes it and rewrites
  /// index.html. Its summary sums the members' parameters and seconds and takes the first
  /// member's seed. An ensemble of the same name and members
  /// already built is returned instead (`reused` true).
  public func build(_ members: [RunPaths], name: String? = nil) throws -> StartedRun {
    let records = try members.map { try RunRecord(loading: $0) }
    let ensemble = try Ensemble(members: records)
    let name = name ?? Ensemble.defaultName(records)
    try Ensemble.validate(name: name)
    let store = try workspace.openStore()
    let sameName = try store.runs(experiment: name)
    if sameName.contains(where: { $0.kind != .ensemble }) {
      throw RunError.badEnsembleName(
        name: name, reason: "runs of the experiment '\(name)' are recorded under it")
    }
    let ids = records.map(\.paths.runID)
    for row in sameName where row.status == .completed {
      let paths = RunPaths(directory: row.directory)
      if let summary = try? RunSummary.read(from: paths), summary.ensemble?.members == ids,
        FileManager.default.fileExists(atPath: paths.report)
      {
        return StartedRun(paths: paths, reused: true)
      }
    }
    let first = records[0]
    let configHash = Checksum.sha256(
      Data((["ensemble"] + ids.sorted()).joined(separator: "\n").utf8))
    var summary = RunSummary(
      runID: RunID.new(), experiment: name, status: .completed,
      startedAt: Timestamp.string(Date()), finishedAt: Timestamp.string(Date()),
      trainingSeconds: records.reduce(0) { $0 + $1.summary.trainingSeconds },
      totalSeconds: records.reduce(0) { $0 + $1.summary.totalSeconds }, epochsRun: 0,
      testAccuracy: ensemble.evaluation.accuracy, testLoss: ensemble.evaluation.loss,
      parameters: records.reduce(0) { $0 + $1.summary.parameters }, seed: first.summary.seed,
      configHash: configHash,
      provenance: workspace.provenance(first.summary.provenance.datasetChecksums))
    summary.groupHash = configHash
    summary.ensemble = EnsembleTag(
      members: ids, bestMember: records[ensemble.bestMember].paths.runID)
    let paths = workspace.paths(ofExperiment: name, runID: summary.runID)
    try Directory.create((paths.directory as NSString).deletingLastPathComponent)
    var definition = first.experiment.resolved
    if case .mapping(let entries, let location) = definition {
      definition = .mapping(entries.filter { $0.key != "name" }, location)
    }
    try AtomicFile.replace(paths.directory) { temporary in
      let staged = RunPaths(directory: temporary)
      try Directory.create(staged.figures)
      try AtomicFile.write(
        "# An ensemble of \(ids.joined(separator: ", ")): the data and report settings of "
          + "\(first.paths.runID), the first member.\n" + definition.yaml() + "\n",
        to: staged.config)
      try PredictionsFile.write(
        ensemble.evaluation, labels: ensemble.labels, classCount: first.classNames.count,
        to: staged.predictions)
      try summary.write(to: staged)
      // The page too, so that the folder appears whole or not at all.
      let record = RunRecord(
        paths: staged, summary: summary,
        experiment: try Experiment(resolvedFile: staged.config, name: name),
        log: TrainingLog(epochs: [], events: []))
      try workspace.reporter.writeEnsembleReport(for: record, ensemble: ensemble)
    }
    try store.record(summary.indexRow(directory: paths.directory))
    try workspace.reporter.writeIndex(of: workspace.catalog)
    return StartedRun(paths: paths, reused: false)
  }
}
