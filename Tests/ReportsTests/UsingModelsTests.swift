import Datasets
import Foundation
import Plots
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Reports
@testable import Runs

final class UsingModelsTests: XCTestCase {
  /// One trained tiny run shared by the tests below.
  private static var trained: (dir: String, paths: RunPaths)?

  private func trainedRun() throws -> (dir: String, paths: RunPaths) {
    if let trained = Self.trained { return trained }
    let dir = try scratch("UsingModels")
    try write(
      tinyExperimentYAML(epochs: 3).replacingOccurrences(of: "subset: 600", with: "subset: 3000"),
      to: dir + "/tiny.yaml")
    let paths = try RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter())
    ).start(
      try ExperimentLibrary(directory: dir).load("tiny")
    ).paths
    Self.trained = (dir, paths)
    return (dir, paths)
  }

  func testPredictsTheUsersOwnPNGs() throws {
    let (dir, paths) = try trainedRun()
    let model = try TrainedModel(run: try RunRecord(loading: paths))
    var correct = 0
    for drawn in try DrawnDigit.testDigits(20, in: dir) {
      let p = model.probabilities([try TrainedModel.digit(fromPNG: drawn.png)])[0]
      if p.indices.max(by: { p[$0] < p[$1] }) == drawn.label { correct += 1 }
    }
    XCTAssertGreaterThanOrEqual(correct, 14, "\(correct) of 20 drawn digits recognised")
    XCTAssertThrowsError(try TrainedModel.digit(fromPNG: dir + "/missing.png")) {
      XCTAssert("\($0)".contains("missing.png: file not found"), "\($0)")
    }
    try Data("not png".utf8).write(to: URL(fileURLWithPath: dir + "/bad.png"))
    XCTAssertThrowsError(try TrainedModel.digit(fromPNG: dir + "/bad.png")) {
      XCTAssertEqual(
        "\($0)", "\(dir)/bad.png: cannot read: not a PNG image; digits are read from PNGs")
    }
  }

  func testKaggleSubmissionAndPaperReproduction() throws {
    let (dir, paths) = try trainedRun()
    let header = (0..<784).map { "pixel\($0)" }.joined(separator: ",")
    let (_, test) = try IDXDataset.mnist.load(
      directory: repositoryRoot + "/data/mnist", verifyChecksums: false)
    let rows = (0..<3).map { i in test.image(i).map(String.init).joined(separator: ",") }
    try write(([header] + rows).joined(separator: "\n") + "\n", to: dir + "/test.csv")
    let model = try TrainedModel(run: try RunRecord(loading: paths))
    try model.writeSubmission(
      for: try KaggleCSV.load(dir + "/test.csv", labelled: false), to: dir + "/submission.csv")
    let lines = try String(contentsOfFile: dir + "/submission.csv", encoding: .utf8).split(
      separator: "\n")
    XCTAssertEqual(lines.first, "ImageId,Label")
    XCTAssertEqual(lines.count, 4)
    // Each line is the image's number and the class the model gives the highest probability.
    let predicted = model.probabilities((0..<3).map { test.image($0).map { $0 } }).map { p in
      p.indices.max { p[$0] < p[$1] } ?? -1
    }
    XCTAssertEqual(
      lines.dropFirst().map(String.init),
      predicted.enumerated().map { "\($0.offset + 1),\($0.element)" })

    let library = ExperimentLibrary(directory: repositoryRoot + "/experiments")
    let paper = try library.load("paper")
    let reproduction = PaperReproduction(run: paths, paper: paper)
    let page = try reproduction.write(to: dir + "/paper")
    for file in [
      "fig2_samples.png", "fig3a_accuracy.png", "fig3b_loss.png", "fig4_confusion.png",
      "fig5_predictions.png", "submission.csv",
    ] {
      XCTAssert(FileManager.default.fileExists(atPath: "\(dir)/paper/\(file)"), file)
    }
    // Fig 2 is drawn in viridis as the paper's: its background is viridis's dark purple, not black.
    let fig2 = try RasterImage(pngPath: dir + "/paper/fig2_samples.png")
    let background = fig2.color(x: 20, y: 70)
    XCTAssert(
      background.blue > 0.25 && background.red > 0.2 && background.green < 0.1,
      "background \(background)")
    // The page sets this run's own numbers beside the paper's.
    let record = try RunRecord(loading: paths)
    let html = try String(contentsOfFile: page, encoding: .utf8)
    let ours = try XCTUnwrap(record.summary.bestValAccuracy)
    XCTAssert(
      html.contains("<td>\(percentText(ours))</td>"),
      "run's peak validation accuracy \(percentText(ours)) missing")
    XCTAssert(
      html.contains("<td>\(record.summary.parameters.withThousandsSeparators)</td>"),
      "run's parameter count missing")
    XCTAssert(
      html.contains(String(format: "%+.2f points from the paper", (ours - 0.9954) * 100)))
    // The tiny run is not the paper's recipe, and the page says where it departs.
    XCTAssert(
      html.contains("This is not the paper&#39;s recipe")
        || html.contains("This is not the paper's recipe"), "no departure note")
    XCTAssert(
      html.contains("<td>training.batch_size</td><td>50</td><td>128</td>"), "batch size row missing"
    )
    XCTAssertFalse(html.contains("Section 4, reproduced"))
    XCTAssertEqual(
      reproduction.departures(
        of: try library.load("paper", overrides: ["seed=7", "training.threads=1"])), [],
      "seeds and threads do not change the recipe")
    XCTAssertEqual(
      reproduction.departures(of: try library.load("baseline")),
      [["training.epochs", "12", "100"]])
    // Without Kaggle's test.csv the submission holds the recorded test predictions, in order.
    let submission = try String(contentsOfFile: dir + "/paper/submission.csv", encoding: .utf8)
      .split(separator: "\n")
    let recorded = try String(contentsOfFile: paths.predictions, encoding: .utf8).split(
      separator: "\n"
    ).dropFirst()
      .map { $0.split(separator: ",")[2] }
    XCTAssertEqual(submission.count, 201)
    XCTAssertEqual(
      submission.dropFirst().map { String($0.split(separator: ",")[1]) }, recorded.map(String.init))
  }
}
