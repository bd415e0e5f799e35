import AtomicFiles
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
    guard data.validation.count > 0 else { return }
    let examples = try ExperimentData.examples(data.validation)
    let evaluation = Evaluation(model: model, examples: examples)
    try PredictionsFile.write(
      evaluation, labels: examples.labels, classCount: model.classCount,
      to: paths.validationPredictions)
  }

  /// The validation probabilities and labels the run recorded, nil when it recorded none.
  public static func validation(of paths: RunPaths, classCount: Int) throws -> (
    probabilities: [Float], labels: [Int32]
  )? {
    guard FileManager.default.fileExists(atPath: paths.validationPredictions) else { return nil }
    let recorded = try PredictionsFile.read(paths.validationPredictions, classCount: classCount)
    return (recorded.probabilities, recorded.labels)
  }

  /// The findings for a run's test `evaluation`, and `suspect_labels.csv` written beside it.
  public static func analyse(
    _ evaluation: Evaluation, labels: [Int32], validation: (probabilities: [Float], labels: [Int32])?,
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
