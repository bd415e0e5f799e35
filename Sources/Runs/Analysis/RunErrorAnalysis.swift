import AtomicFiles
import Datasets
import ErrorAnalysis
import ExperimentDefinitions
import Foundation
import NeuralNet

/// The error analysis of a run or an ensemble: its findings from the test probabilities it
/// recorded, the validation probabilities that fit its temperature, and `suspect_labels.csv`.
public enum RunErrorAnalysis {
  /// How many of the most suspect labels `suspect_labels.csv` keeps.
  public static let suspectsKept = 100

  /// Records the trained `model`'s probabilities on the validation split, when there is one.
  public static func recordValidation(model: Sequential, data: ExperimentData, in paths: RunPaths)
    throws
  {
    try record(model: model, on: data.validation, to: paths.validationPredictions)
  }

  /// Records the trained `model`'s probabilities on the held-out fold, when there is one.
  public static func recordHeldOut(model: Sequential, data: ExperimentData, in paths: RunPaths)
    throws
  {
    guard let heldOut = data.heldOut else { return }
    try record(model: model, on: heldOut, to: paths.heldOutPredictions)
  }

  private static func record(model: Sequential, on images: ImageDataset, to path: String) throws {
    guard images.count > 0 else { return }
    let examples = try ExperimentData.examples(images)
    try PredictionsFile.write(
      Evaluation(model: model, examples: examples), labels: examples.labels,
      classCount: model.classCount, to: path)
  }

  /// The validation probabilities and labels the run recorded, nil when it recorded none.
  public static func validation(of paths: RunPaths, classCount: Int) throws -> (
    probabilities: [Float], labels: [Int32]
  )? {
    guard FileManager.default.fileExists(atPath: paths.validationPredictions) else { return nil }
    let recorded = try PredictionsFile.read(paths.validationPredictions, classCount: classCount)
    return (recorded.probabilities, recorded.labels)
  }

  /// The temperature fitted on `run`'s validation predictions (`report predict --calibrated`),
  /// which are recorded first when the run predates them.
  public static func temperature(of run: RunRecord) throws -> TemperatureScaling {
    let classCount = run.classNames.count
    if !FileManager.default.fileExists(atPath: run.paths.validationPredictions) {
      guard run.summary.ensemble == nil else {
        throw RunError.noValidation(
          runID: run.paths.runID,
          reason: "it is an ensemble, whose members validated on splits of their own")
      }
      try recordValidation(
        model: try run.trainedModel(), data: try ExperimentData(run.experiment), in: run.paths)
    }
    guard let validation = try validation(of: run.paths, classCount: classCount) else {
      throw RunError.noValidation(
        runID: run.paths.runID,
        reason: "its experiment has no validation split (dataset.validation_split: 0)")
    }
    return TemperatureScaling(
      fitting: validation.probabilities, labels: validation.labels, classCount: classCount)
  }

  /// The findings for a run's test `evaluation`, and `suspect_labels.csv` written beside it.
  public static func analyse(
    _ evaluation: Evaluation, labels: [Int32],
    validation: (probabilities: [Float], labels: [Int32])?,
    in paths: RunPaths
  ) throws -> ErrorFindings {
    let findings = ErrorFindings(evaluation: evaluation, labels: labels, validation: validation)
    try SuspectLabelsFile.write(findings.suspects.prefix(suspectsKept), to: paths.suspectLabels)
    return findings
  }
}

/// `suspect_labels.csv`: `index,given,suggested,score,flagged`, most suspect first.
enum SuspectLabelsFile {
  static func write(_ suspects: some Sequence<SuspectLabel>, to path: String) throws {
    let lines =
      ["index,given,suggested,score,flagged"]
      + suspects.map {
        "\($0.index),\($0.given),\($0.suggested),\(String(format: "%.6g", $0.score)),"
          + ($0.flagged ? "true" : "false")
      }
    try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
  }
}
