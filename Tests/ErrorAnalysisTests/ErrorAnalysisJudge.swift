import Foundation
import TestSupport
import XCTest

/// What scripts/check-error-analysis.py computes, with cleanlab 2.9 and numpy, from a trained
/// model's probabilities.
struct ErrorAnalysisJudge {
  var selfConfidence: [Double], normalizedMargin: [Double], flagged: [Int]
  var ece: Double, temperature: Double, eceScaled: Double

  /// Runs the judge on `trained`'s validation and test probabilities, the test digits labelled
  /// `labels` (by default their own).
  static func judge(_ trained: TrainedDigitModel, labels: [Int32]? = nil) throws
    -> ErrorAnalysisJudge
  {
    guard let python = notebookPython() else {
      if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("no Python with cleanlab: run scripts/setup.sh")
      }
      throw XCTSkip("no Python with cleanlab: run scripts/setup.sh")
    }
    let input = FileManager.default.temporaryDirectory.appendingPathComponent(
      "error-analysis-\(getpid()).json")
    defer { try? FileManager.default.removeItem(at: input) }
    try JSONSerialization.data(withJSONObject: [
      "class_count": 10,
      "test_probabilities": trained.testProbabilities.map(Double.init),
      "test_labels": (labels ?? trained.test.labels).map(Int.init),
      "validation_probabilities": trained.validationProbabilities.map(Double.init),
      "validation_labels": trained.validation.labels.map(Int.init),
    ]).write(to: input)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [repositoryRoot + "/scripts/check-error-analysis.py", input.path]
    let (out, err) = (Pipe(), Pipe())
    (process.standardOutput, process.standardError) = (out, err)
    try process.run()
    let printed = out.fileHandleForReading.readDataToEndOfFile()
    let complaint = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0,
      let json = try JSONSerialization.jsonObject(with: printed) as? [String: Any]
    else { throw JudgeFailed(description: "check-error-analysis.py failed: \(complaint)") }
    return ErrorAnalysisJudge(
      selfConfidence: json["self_confidence"] as? [Double] ?? [],
      normalizedMargin: json["normalized_margin"] as? [Double] ?? [],
      flagged: json["flagged"] as? [Int] ?? [], ece: json["ece"] as? Double ?? .nan,
      temperature: json["temperature"] as? Double ?? .nan,
      eceScaled: json["ece_scaled"] as? Double ?? .nan)
  }
}

/// The judge script did not run to the end.
struct JudgeFailed: Error, CustomStringConvertible {
  let description: String
}
