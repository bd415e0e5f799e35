import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Runs

/// Writes a run's figures and notebook-style `report.html` and or `report.ipynb` (as `format`
/// says), and `index.html` listing every run.
public struct RunPageReporter: RunReporter {
  /// Embed figures in report.html so it is one mailable file.
  public var singleFile: Bool
  /// Which files the report is written as.
  public var format: PageFormat

  /// A reporter that links figures, or embeds them when `singleFile`.
  public init(singleFile: Bool = false, format: PageFormat = .html) {
    (self.singleFile, self.format) = (singleFile, format)
  }

  public func writeReport(
    for run: RunRecord, evaluation: Evaluation?, data: ExperimentData, model: Sequential
  ) throws {
    var figures = RunFigures(
      name: run.experiment.name, report: run.experiment.report, log: run.log,
      evaluation: evaluation,
      data: data, summary: model.summary)
    figures.transfer = run.summary.transfer
    let errors = try evaluation.flatMap {
      try errorSection(for: run, evaluation: $0, data: data, model: model, figures: figures)
    }
    figures.saliency = errors?.saliency?.maps ?? [:]
    var items = try figures.render(into: run.paths.figures)
    if let errors { items += try errors.render(into: run.paths.figures) }
    let report = RunReport(
      paths: run.paths, experiment: run.experiment, summary: run.summary,
      heartbeat: run.heartbeat, log: run.log, evaluation: evaluation,
      data: data,
      model: model.summary, trainableParameters: model.trainableParameterCount, figures: items,
      deployment: try run.deployment(), errors: errors)
    try PageWriter(format: format, singleFile: singleFile).write(
      report.notebook(), page: run.paths.report)
  }

  /// The Errors section of a run that has final weights (`model` holds them), nil before. Its
  /// validation predictions are recorded here when the run predates them.
  private func errorSection(
    for run: RunRecord, evaluation: Evaluation, data: ExperimentData, model: Sequential,
    figures: RunFigures
  ) throws -> ErrorSection? {
    guard FileManager.default.fileExists(atPath: run.paths.weights) else { return nil }
    if !FileManager.default.fileExists(atPath: run.paths.validationPredictions) {
      try RunErrorAnalysis.recordValidation(model: model, data: data, in: run.paths)
    }
    let findings = try RunErrorAnalysis.analyse(
      evaluation, labels: data.test.labels,
      validation: try RunErrorAnalysis.validation(of: run.paths, classCount: model.classCount),
      in: run.paths)
    return try ErrorSection(
      model: model, randomised: try run.makeModel(), findings: findings, evaluation: evaluation,
      test: data.test,
      mistakes: Array(
        figures.misclassified(evaluation).prefix(run.experiment.report.misclassified)),
      colormap: figures.galleryColormap)
  }

  public func writeEnsembleReport(for run: RunRecord, ensemble: Ensemble) throws {
    let data = try ExperimentData(run.experiment)
    let report = EnsembleReport(
      run: run, ensemble: ensemble, data: data,
      errors: try ensembleErrorSection(for: run, ensemble: ensemble, data: data))
    try PageWriter(format: format, singleFile: singleFile).write(
      try report.notebook(), page: run.paths.report)
  }

  /// The Errors section of an ensemble: its averaged probabilities judged, no temperature (its
  /// members validated on splits of their own), and saliency from its best member when that
  /// member's weights are there.
  private func ensembleErrorSection(for run: RunRecord, ensemble: Ensemble, data: ExperimentData)
    throws -> ErrorSection
  {
    let findings = try RunErrorAnalysis.analyse(
      ensemble.evaluation, labels: ensemble.labels, validation: nil, in: run.paths)
    let best = ensemble.members[ensemble.bestMember]
    var saliency: SaliencyMaps?
    if FileManager.default.fileExists(atPath: best.paths.weights) {
      saliency = SaliencyMaps(
        model: try best.trainedModel(), randomised: try best.makeModel(),
        test: try ExperimentData.examples(data.test),
        predictions: ensemble.memberEvaluations[ensemble.bestMember].predictions,
        indices: findings.hardest.map(\.index))
    }
    return ErrorSection(
      findings: findings, evaluation: ensemble.evaluation, test: data.test, saliency: saliency,
      colormap: .binary,
      saliencySource: "of the best member, \(best.summary.experiment) seed \(best.summary.seed), "
        + "for the class it predicts", isEnsemble: true)
  }

  /// Writes `index.html`, after correcting the reports of lost runs (`settleLostRuns`): a page
  /// written anywhere leaves none of them still saying it trains.
  public func writeIndex(of catalog: RunCatalog) throws {
    let entries = try catalog.entries()
    try rewriteLostReports(entries)
    try RunIndexPage(outputRoot: catalog.workspace.outputRoot).write(entries)
  }

  /// Rewrites the report of every lost run whose page is missing or still shows it training
  /// (and reloads itself), so that it says what happened and what continues it; then the index
  /// page, when any report changed or it still reloads with no run training. Returns the runs
  /// whose reports were rewritten. A killed process cannot do this itself, so the commands that
  /// read runs do it, and every index page written does.
  @discardableResult
  public func settleLostRuns(in catalog: RunCatalog) throws -> [RunPaths] {
    let entries = try catalog.entries()
    let settled = try rewriteLostReports(entries)
    let outputRoot = catalog.workspace.outputRoot
    let training = entries.contains { $0.row.status == .running }
    if !settled.isEmpty || (!training && Self.isLive(outputRoot + "/index.html")) {
      try RunIndexPage(outputRoot: outputRoot).write(entries)
    }
    return settled
  }

  /// Rewrites the reports of the lost runs among `entries` whose pages still look live; returns
  /// those runs.
  @discardableResult
  private func rewriteLostReports(_ entries: [CatalogEntry]) throws -> [RunPaths] {
    var settled: [RunPaths] = []
    for entry in entries where entry.row.status == .lost && Self.isLive(entry.paths.report) {
      try render(try RunRecord(loading: entry.paths))
      settled.append(entry.paths)
    }
    return settled
  }

  /// Whether the page at `path` is missing (and no notebook stands in for it) or reloads itself
  /// (was written while a run trained).
  static func isLive(_ path: String) -> Bool {
    guard let data = FileManager.default.contents(atPath: path) else {
      return !FileManager.default.fileExists(atPath: PageWriter.notebookPath(forPage: path))
    }
    return String(decoding: data, as: UTF8.self).contains("http-equiv=\"refresh\"")
  }

  /// Rebuilds a run's figures and report.html from its folder, without training (an
  /// ensemble's from its members' recorded predictions).
  public func render(_ run: RunRecord) throws {
    if let ensemble = try Ensemble(recordedIn: run) {
      try writeEnsembleReport(for: run, ensemble: ensemble)
      return
    }
    let data = try ExperimentData(run.experiment)
    // The final weights, when the run has them: the error analysis looks inside the model.
    let model =
      FileManager.default.fileExists(atPath: run.paths.weights)
      ? try run.trainedModel() : try run.makeModel()
    try writeReport(for: run, evaluation: try run.evaluation(), data: data, model: model)
  }
}
