import Foundation
import TestSupport
import XCTest

/// The error analysis through the binary: the Errors section of a run's and an ensemble's
/// report with their `suspect_labels.csv`, `predict --calibrated`, and `audit-labels`.
final class ErrorAnalysisCommandLineTests: XCTestCase {
  private func tinyExperiments(in dir: String) throws {
    for (name, seed) in [("tiny", 1), ("tiny2", 2)] {
      try write(
        """
        seed: \(seed)
        dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 600, test_subset: 300}
        model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
        training: {epochs: 2, batch_size: 50}
        """, to: "\(dir)/\(name).yaml")
    }
  }

  /// The rows of a `suspect_labels.csv`, checked for its header and order.
  private func suspects(_ path: String) throws -> [[Substring]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.first, "index,given,suggested,score,flagged", path)
    let rows = lines.dropFirst().map { $0.split(separator: ",") }
    let scores = rows.map { Double($0[3])! }
    XCTAssertEqual(scores, scores.sorted(), "most suspect first: \(path)")
    XCTAssert(rows.allSatisfy { $0[4] == "true" || $0[4] == "false" }, path)
    XCTAssert(rows.allSatisfy { $0[1] != $0[2] }, "the suggestion is another class: \(path)")
    return rows
  }

  func testRunsAndEnsemblesReportTheirErrorsAndPredictCanBeCalibrated() throws {
    let dir = try scratch(name)
    try tinyExperiments(in: dir)
    let common = ["--output", dir + "/out", "--experiments", dir]
    var folders: [String] = []
    for name in ["tiny", "tiny2"] {
      let trained = try runReport(["run", name] + common)
      XCTAssertEqual(trained.status, 0, trained.error)
      folders.append(
        (trained.output.trimmingCharacters(in: .whitespacesAndNewlines) as NSString)
          .deletingLastPathComponent)
    }
    let run = folders[0]
    XCTAssertEqual(try suspects(run + "/suspect_labels.csv").count, 100)
    XCTAssert(FileManager.default.fileExists(atPath: run + "/validation_predictions.csv"))
    let page = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
    let figures = ["confused_pairs", "hardest", "reliability", "suspect_labels"]
    let texts =
      [
        "Errors", "Hardest test images", "Calibration", "Suspect labels",
        "Temperature scaling fitted", "report predict RUN --calibrated", "suspect_labels.csv",
      ] + figures.map { "figures/errors_\($0).png" }
    for text in texts {
      XCTAssert(page.contains(text), "the run's page lacks: \(text)")
    }
    for figure in figures {
      XCTAssert(
        FileManager.default.fileExists(atPath: "\(run)/figures/errors_\(figure).png"), figure)
    }

    // Calibrated predictions keep the class and change the probabilities.
    let digit = try XCTUnwrap(try DrawnDigit.testDigits(1, in: dir).first)
    let plain = try runReport(["predict", run, digit.png] + common)
    let calibrated = try runReport(["predict", run, digit.png, "--calibrated"] + common)
    XCTAssertEqual(calibrated.status, 0, calibrated.error)
    XCTAssert(calibrated.error.contains("calibrated: temperature "), calibrated.error)
    func predictedClass(_ output: String) -> Substring? {
      output.split(separator: ": ").dropFirst().first?.split(separator: " ").first
    }
    XCTAssertEqual(predictedClass(calibrated.output), predictedClass(plain.output))
    XCTAssertNotEqual(calibrated.output, plain.output)

    // The ensemble's section: its own suspects, no temperature, saliency from its best member.
    let ensemble = try runReport(["ensemble", "tiny", "tiny2", "--name", "pair"] + common)
    XCTAssertEqual(ensemble.status, 0, ensemble.error)
    let folder = (ensemble.output.trimmingCharacters(in: .whitespacesAndNewlines) as NSString)
      .deletingLastPathComponent
    XCTAssertEqual(try suspects(folder + "/suspect_labels.csv").count, 100)
    let ensemblePage = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
    for text in [
      "No temperature is fitted: each member validated on a split of its own",
      "and these are an ensemble&#39;s", "of the best member", "figures/errors_hardest.png",
    ] {
      XCTAssert(ensemblePage.contains(text), "the ensemble's page lacks: \(text)")
    }
  }

  func testAuditLabelsWritesItsPageAndRefusesWhatItCannotDo() throws {
    let dir = try scratch(name)
    try tinyExperiments(in: dir)
    let common = ["--output", dir + "/out", "--experiments", dir]
    let audit = try runReport(["audit-labels", "tiny", "--folds", "2"] + common)
    XCTAssertEqual(audit.status, 0, audit.error)
    let page = audit.output.split(separator: "\n").last.map(String.init)
    XCTAssertEqual(page, dir + "/out/audits/tiny/index.html")
    XCTAssert(audit.error.contains("training labels flagged (out-of-fold accuracy "), audit.error)
    XCTAssertEqual(try suspects(dir + "/out/audits/tiny/suspect_labels.csv").count, 100)
    let listed = try runReport(["list", "--experiment", "tiny-audit"] + common)
    XCTAssertEqual(listed.output.components(separatedBy: "tiny-audit").count - 1, 2, listed.output)

    let oneFold = try runReport(["audit-labels", "tiny", "--folds", "1"] + common)
    XCTAssertNotEqual(oneFold.status, 0)
    XCTAssert(oneFold.error.contains("--folds must be between 2 and 100"), oneFold.error)
    let held = try runReport(
      ["audit-labels", "tiny", "--set", "dataset.folds=3", "--set", "dataset.held_out_fold=0"]
        + common)
    XCTAssertNotEqual(held.status, 0)
    XCTAssert(held.error.contains("already holds a fold out"), held.error)
  }
}
