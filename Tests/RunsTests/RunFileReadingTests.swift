import Foundation
import NeuralNet
import TestSupport
import XCTest

@testable import Runs

/// Run files that were damaged or written by something else: every problem is an error naming
/// the file (and line), never a trap. The inputs are the ones Fuzzing/FuzzRunFolder and
/// Fuzzing/FuzzSafeTensors found.
final class RunFileReadingTests: XCTestCase {
  private static let summary = """
    {"best_epoch":2,"best_val_accuracy":0.5,"config_hash":"c0ffee","epochs_run":2,\
    "experiment":"tiny","finished_at":"2026-11-25T10:00:09Z","parameters":3402,\
    "provenance":{"binary_version":"0.1","blas":"OpenBLAS","dataset_checksums":{},\
    "git_commit":"f7ae360","git_dirty":false,"machine":"x86_64","swift_version":"6.3.1",\
    "threads":2},"run_id":"20261125-100000-0001","seed":1,"started_at":"2026-11-25T10:00:00Z",\
    "status":"completed","total_seconds":9.5,"training_seconds":8}
    """

  private static let probabilities = "0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.9,0.02,0.01"

  /// A completed run folder of the tiny experiment with `predictions` as its predictions.csv.
  private func run(predictions: String) throws -> RunPaths {
    let paths = RunPaths(directory: try scratch() + "/runs/tiny/20261125-100000-0001")
    try FileManager.default.createDirectory(
      atPath: paths.directory, withIntermediateDirectories: true)
    try write(tinyExperimentYAML(), to: paths.config)
    try write(Self.summary, to: paths.summary)
    try write(predictions, to: paths.predictions)
    return paths
  }

  private let header = "index,label,predicted," + (0..<10).map { "p_\($0)" }.joined(separator: ",")

  func testASummaryWithoutSchemaVersionReadsAsVersionOneAndIsRewrittenAsTheCurrent() throws {
    let paths = try run(predictions: "\(header)\n0,7,7,\(Self.probabilities)\n")
    let summary = try RunSummary.read(from: paths)
    XCTAssertNil(summary.schemaVersion, "a summary written before schema_version existed")
    XCTAssertEqual(summary.testAccuracy, nil)
    XCTAssertEqual(summary.bestValAccuracy, 0.5)
    try summary.write(to: paths)
    let written = try String(contentsOfFile: paths.summary, encoding: .utf8)
    XCTAssert(written.contains("\"schema_version\" : \(RunSummary.schemaVersion)"), written)
    XCTAssertEqual(try RunSummary.read(from: paths).schemaVersion, RunSummary.schemaVersion)
  }

  func testASummaryFromANewerReportIsRefusedNamingTheFile() throws {
    let paths = try run(predictions: "\(header)\n")
    let newer = RunSummary.schemaVersion + 1
    try write(
      Self.summary.replacingOccurrences(
        of: "{", with: "{\"schema_version\":\(newer),", options: [],
        range: Self.summary.startIndex..<Self.summary.index(after: Self.summary.startIndex)),
      to: paths.summary)
    XCTAssertThrowsError(try RunRecord(loading: paths)) {
      XCTAssertEqual(
        "\($0)",
        "\(paths.summary): schema_version \(newer) is newer than this report reads "
          + "(\(RunSummary.schemaVersion)); use a newer report")
    }
  }

  func testRecordedPredictionsReadBack() throws {
    let paths = try run(predictions: "\(header)\n0,7,7,\(Self.probabilities)\n")
    let evaluation = try XCTUnwrap(try RunRecord(loading: paths).evaluation())
    XCTAssertEqual(evaluation.predictions, [7])
    XCTAssertEqual(evaluation.confusion[7][7], 1)
  }

  func testALabelOutsideTheClassesIsAnErrorNotATrap() throws {
    // Evaluation's precondition trapped on a label of 11 for 10 classes.
    let paths = try run(
      predictions: "\(header)\n0,7,7,\(Self.probabilities)\n1,11,7,\(Self.probabilities)\n")
    XCTAssertThrowsError(try RunRecord(loading: paths).evaluation()) { error in
      XCTAssertEqual(
        "\(error)", "\(paths.predictions):3: label '11' is not a class of 0...9")
    }
  }

  func testPredictionsForAnotherNumberOfClassesAreAnError() throws {
    // A header of 4,000 p_ columns made a 4,000 x 4,000 confusion matrix; 3 classes are as wrong.
    let paths = try run(predictions: "index,label,predicted,p_0,p_1,p_2\n0,2,2,0.1,0.1,0.8\n")
    XCTAssertThrowsError(try RunRecord(loading: paths).evaluation()) { error in
      XCTAssertEqual(
        "\(error)",
        "\(paths.predictions):1: expected the header index,label,predicted,p_0,...,p_9")
    }
  }

  func testUnreadableWeightsNameTheFile() throws {
    let paths = try run(predictions: "\(header)\n")
    let record = try RunRecord(loading: paths)
    // The empty file and a tensor of the wrong shape only said "malformed safetensors data".
    try Data().write(to: URL(fileURLWithPath: paths.weights))
    XCTAssertThrowsError(try record.trainedModel()) { error in
      XCTAssertEqual(
        "\(error)",
        "\(paths.weights): malformed safetensors data: 0 bytes, shorter than the 8-byte header "
          + "length")
    }
    let model = try record.makeModel()
    var weights = model.weights()
    weights["dense.bias"] = ([2, 5], [Float](repeating: 0, count: 10))
    try SafeTensors.encode(weights).write(to: URL(fileURLWithPath: paths.weights))
    XCTAssertThrowsError(try record.trainedModel()) { error in
      XCTAssert(
        "\(error)".hasPrefix("\(paths.weights): ")
          && "\(error)".contains("tensor 'dense.bias' has shape [2, 5]"), "\(error)")
    }
  }
}
