import AtomicFiles
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Runs

/// Writes a run's figures and notebook-style `report.html`, and `index.html` listing every run.
public struct HTMLRunReporter: RunReporter {
  /// Embed figures in report.html so it is one mailable file.
  public var singleFile: Bool

  /// A reporter that links figures, or embeds them when `singleFile`.
  public init(singleFile: Bool = false) { self.singleFile = singleFile }

  public func writeReport(
    for run: RunRecord, evaluation: Evaluation?, data: ExperimentData, model: Sequential
  ) throws {
    let figures = try RunFigures(
      name: run.experiment.name, report: run.experiment.report, log: run.log,
      evaluation: evaluation,
      data: data, summary: model.summary
    ).render(into: run.paths.figures)
    let report = RunReport(
      experiment: run.experiment, summary: run.summary, log: run.log, evaluation: evaluation,
      data: data,
      model: model.summary, trainableParameters: model.trainableParameterCount, figures: figures)
    let html = try HTMLRenderer(embedImages: singleFile, baseDirectory: run.paths.directory)
      .render(report.notebook())
    try AtomicFile.write(html, to: run.paths.report)
  }

  public func writeIndex(outputRoot: String) throws {
    try RunIndexPage(outputRoot: outputRoot).write()
  }

  /// Rebuilds a run's figures and report.html from its folder, without training.
  public func render(_ run: RunRecord) throws {
    let data = try ExperimentData(run.experiment)
    try writeReport(
      for: run, evaluation: try run.evaluation(), data: data, model: try run.makeModel())
  }
}
