import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import TestSupport
import XCTest

@testable import Reports
@testable import Runs

/// `report audit-labels` in process: out-of-fold runs of an experiment whose training labels
/// were changed on purpose find most of the changed ones, an interrupted fold resumes and a
/// finished one is reused, and `dataset.exclude` then leaves the flagged images out.
final class LabelAuditTests: XCTestCase {
  /// 3,000 real MNIST training digits as a Kaggle CSV, with every 25th label moved to another
  /// class (120 changed labels); returns the changed rows.
  private func corruptedDigits(to path: String) throws -> Set<Int> {
    let source = try IDXDataset.mnist.load(
      directory: repositoryRoot + "/data/mnist", verifyChecksums: false
    ).train.subset(Array(0..<3000))
    var changed = Set<Int>()
    var lines = ["label," + (0..<784).map { "pixel\($0)" }.joined(separator: ",")]
    for n in 0..<source.count {
      var label = Int(source.labels[n])
      if n % 25 == 7 {
        label = (label + 1 + n % 9) % 10
        changed.insert(n)
      }
      lines.append("\(label)," + source.image(n).map(String.init).joined(separator: ","))
    }
    try write(lines.joined(separator: "\n") + "\n", to: path)
    return changed
  }

  func testOutOfFoldRunsFindChangedLabelsResumeAndExcludeThem() throws {
    let dir = try scratch(name)
    let changed = try corruptedDigits(to: dir + "/train.csv")
    try write(
      """
      seed: 5
      dataset: {name: kaggle-csv, train_csv: \(dir)/train.csv, validation_split: 0.1}
      model:
        - conv2d: {filters: 16, kernel: 3, activation: relu}
        - maxpool: {size: 2}
        - flatten
        - dense: {units: 10, activation: softmax}
      training: {epochs: 5, batch_size: 32}
      """, to: dir + "/digits.yaml")
    let library = ExperimentLibrary(directory: dir)
    let folds = try (0..<2).map {
      try library.load(
        "digits", overrides: LabelAudit.foldOverrides(experiment: "digits", fold: $0, of: 2))
    }
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    runner.workspace.provenance = cleanProvenance

    // The second fold is stopped after its first epoch: the audit stops, naming it.
    let stopper = StopAfterAnEpoch()
    var firstRun: [RunPaths] = []
    XCTAssertThrowsError(
      try LabelAudit.foldRuns(folds, trainer: runner) { paths, start in
        XCTAssertEqual(start, .trained)
        firstRun.append(paths)
        runner.callbacks = [stopper]
        runner.isCancelled = { stopper.stop }
      }
    ) { XCTAssert("\($0)".contains("is interrupted; label audits need a completed run"), "\($0)") }
    XCTAssertEqual(firstRun.count, 2)

    // Again: the finished fold is reused, the interrupted one resumed in its own folder.
    runner.callbacks = []
    runner.isCancelled = { false }
    var starts: [LabelAudit.FoldStart] = []
    let runs = try LabelAudit.foldRuns(folds, trainer: runner) { _, start in starts.append(start) }
    XCTAssertEqual(starts, [.reused, .resumed])
    XCTAssertEqual(runs.map(\.paths.runID), firstRun.map(\.runID))
    XCTAssertEqual(runs.map(\.experiment.name), ["digits-audit", "digits-audit"])

    let audit = try LabelAudit(folds: runs)
    XCTAssertEqual(audit.sourceIndices, Array(0..<3000), "every image is judged once")
    XCTAssertEqual(audit.foldResults.map(\.count), [1500, 1500])
    XCTAssertGreaterThan(audit.accuracy, 0.8)
    let flagged = Set(audit.flagged.map(\.index))
    let found = flagged.intersection(changed).count
    XCTAssertGreaterThanOrEqual(
      Double(found) / Double(changed.count), 0.75, "\(found) of \(changed.count) changed labels")
    XCTAssertGreaterThanOrEqual(
      Double(found) / Double(flagged.count), 0.45,
      "\(found) of \(flagged.count) flagged were changed")
    for suspect in audit.flagged where changed.contains(suspect.index) {
      let position = try XCTUnwrap(audit.position(ofSource: suspect.index))
      XCTAssertEqual(Int(audit.images.labels[position]), suspect.given)
    }

    // The page and its files.
    let directory = LabelAuditPage.directory(of: "digits", outputRoot: dir + "/out")
    let page = try LabelAuditPage(audit: audit, experiment: "digits", directory: directory)
      .write(with: PageWriter())
    let html = try String(contentsOfFile: page, encoding: .utf8)
    for text in [
      "digits — label audit", "It flags <strong>\(flagged.count)</strong> of 3,000 training labels",
      "figures/suspect_train_labels.png", "dataset.exclude=\(directory)/label_issues.csv",
      firstRun[1].runID,
    ] {
      XCTAssert(html.contains(text), "the page lacks: \(text)")
    }
    let issues = try String(contentsOfFile: directory + "/label_issues.csv", encoding: .utf8)
      .split(separator: "\n")
    XCTAssertEqual(issues.first, "index,given,suggested,score,flagged")
    XCTAssertEqual(Set(issues.dropFirst().map { Int($0.split(separator: ",")[0])! }), flagged)
    XCTAssertEqual(
      try String(contentsOfFile: directory + "/suspect_labels.csv", encoding: .utf8)
        .split(separator: "\n").count, 101)

    // A later run without them.
    let cleaned = try library.load(
      "digits", overrides: ["dataset.exclude=\(directory)/label_issues.csv"])
    let data = try ExperimentData(cleaned)
    XCTAssertEqual(data.train.count + data.validation.count, 3000 - flagged.count)

    // Folds out of order, or of another configuration, are refused by run id.
    XCTAssertThrowsError(try LabelAudit(folds: [runs[1], runs[0]])) {
      XCTAssert(
        "\($0)".contains(
          "run \(runs[1].paths.runID) cannot be a fold of this label audit: it is not fold 0 of 2"),
        "\($0)")
    }
  }
}

/// Stops the run it watches once an epoch has ended.
private final class StopAfterAnEpoch: TrainingCallback {
  var stop = false
  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) { stop = true }
}
