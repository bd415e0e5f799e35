import Foundation
import NeuralNet
import Reports
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Runs

/// `init:` runs: the source's weights loaded bit for bit, frozen layers kept, the source in the
/// provenance, and every bad declaration refused before anything is written.
final class TransferTests: XCTestCase {
  private func weights(_ paths: RunPaths) throws -> [String: [Float]] {
    let data = try XCTUnwrap(FileManager.default.contents(atPath: paths.weights))
    return try SafeTensors.decode(data).tensors.mapValues(\.values)
  }

  func testATransferRunLoadsFreezesRecordsItsSourceAndRefusesBadDeclarations() throws {
    let dir = try scratch(name)
    try write(tinyExperimentYAML(), to: dir + "/tiny.yaml")
    let library = ExperimentLibrary(directory: dir)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    let source = try runner.start(try library.load("tiny")).paths

    try write(
      tinyExperimentYAML(extra: "init: {from: tiny, freeze: [conv2d]}"), to: dir + "/t.yaml")
    let run = try runner.start(try library.load("t")).paths
    let summary = try RunRecord(loading: run).summary
    XCTAssertEqual(
      summary.transfer,
      TransferRecord(
        runID: source.runID, experiment: "tiny", directory: source.directory,
        loadedLayers: ["conv2d", "dense"], frozenLayers: ["conv2d"], unfreezeAt: nil))
    let (before, after) = (try weights(source), try weights(run))
    for name in ["conv2d.kernel", "conv2d.bias"] {
      XCTAssertEqual(after[name], before[name], "\(name): loaded and frozen, so the source's")
    }
    XCTAssertNotEqual(after["dense.kernel"], before["dense.kernel"], "dense did not train")
    XCTAssertNotNil(summary.provenance.datasetChecksums["init:\(source.runID)"])
    let page = try String(contentsOfFile: run.report, encoding: .utf8)
    XCTAssert(
      page.contains("href=\"../../tiny/\(source.runID)/report.html\""), "no link to the source")
    XCTAssert(page.contains("conv2d (Conv2D) · loaded, frozen"), "the frozen layer is not marked")
    XCTAssert(page.contains("dense (Dense) · loaded<"), "the loaded layer is not marked")

    let bad: [(name: String, yaml: String, message: String)] = [
      (
        "nowhere", tinyExperimentYAML(extra: "init: {from: nowhere}"),
        "init.from: no run or experiment 'nowhere'"
      ),
      (
        "unknown", tinyExperimentYAML(extra: "init: {from: tiny, layers: [conv2d_7]}"),
        "init.layers: conv2d_7 is not a layer of this model"
      ),
      (
        "pool", tinyExperimentYAML(extra: "init: {from: tiny, freeze: [max_pooling2d]}"),
        "init.freeze: max_pooling2d has no weights"
      ),
      (
        "unloaded",
        tinyExperimentYAML(extra: "init: {from: tiny, layers: [dense], freeze: [conv2d]}"),
        "init.freeze: conv2d is not loaded by init.layers"
      ),
      (
        "wider",
        tinyExperimentYAML(extra: "init: {from: tiny}").replacingOccurrences(
          of: "filters: 4", with: "filters: 8"),
        "init.layers: conv2d.kernel has shape [3, 3, 1, 4] in run \(source.runID) (tiny), but this "
          + "model's is [3, 3, 1, 8]"
      ),
      (
        "multiplier",
        tinyExperimentYAML(extra: "init: {from: tiny}").replacingOccurrences(
          of: "  epochs: 2", with: "  epochs: 2\n  learning_rate_multipliers: {flatten: 0.1}"),
        "flatten is not a layer with weights"
      ),
    ]
    for (name, yaml, message) in bad {
      try write(yaml, to: "\(dir)/\(name).yaml")
      XCTAssertThrowsError(try runner.start(try library.load(name)), name) { error in
        XCTAssert("\(error)".contains(message), "\(name): \(error)")
        XCTAssert("\(error)".contains("\(name).yaml:"), "\(name): no file and line in \(error)")
      }
      XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out/runs/\(name)"), name)
    }
    try write(
      tinyExperimentYAML(extra: "init: {from: tiny}").replacingOccurrences(
        of: "  epochs: 2", with: "  epochs: 2\n  unfreeze_at: 2"),
      to: dir + "/early.yaml")
    XCTAssertThrowsError(try library.load("early")) {
      XCTAssert("\($0)".contains("training.unfreeze_at needs init.freeze"), "\($0)")
    }

    // A source that is no longer completed is refused by name.
    var failed = try RunRecord(loading: source).summary
    failed.status = .failed
    try failed.write(to: source)
    XCTAssertThrowsError(try runner.start(try library.load("t"), force: true)) {
      XCTAssert("\($0)".contains("run \(source.runID) is failed; init.from"), "\($0)")
    }
  }

  /// Interrupted inside epoch 2 and resumed, a run that unfreezes its loaded conv2d at epoch 3
  /// ends with the same weights and metrics as the same run unbroken: the frozen set is rebuilt
  /// from the definition and the unfreezing happens at the same epoch.
  func testAResumedTransferRunEndsExactlyAsAnUnbrokenOne() throws {
    let dir = try scratch(name)
    try write(tinyExperimentYAML(epochs: 3), to: dir + "/tiny.yaml")
    try write(
      tinyExperimentYAML(epochs: 3, extra: "init: {from: tiny, freeze: [conv2d]}"),
      to: dir + "/t.yaml")
    let library = ExperimentLibrary(directory: dir)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    let source = try runner.start(try library.load("tiny")).paths
    let experiment = try library.load("t", overrides: ["training.unfreeze_at=3"])
    let unbroken = try runner.start(experiment).paths

    var batches = 0
    runner.isCancelled = {
      batches += 1
      return batches == 15  // inside epoch 2 (11 batches an epoch)
    }
    let interrupted = try runner.start(experiment, force: true).paths
    XCTAssertEqual(try RunRecord(loading: interrupted).summary.status, .interrupted)
    runner.isCancelled = { false }
    let resumed = try runner.resume(interrupted)
    XCTAssertEqual(try RunRecord(loading: resumed).summary.status, .completed)

    let (start, end, again) = (try weights(source), try weights(unbroken), try weights(resumed))
    XCTAssertEqual(end, again, "the resumed run's weights differ from the unbroken run's")
    XCTAssertNotEqual(end["conv2d.kernel"], start["conv2d.kernel"], "conv2d never unfroze")
    func metrics(_ paths: RunPaths) throws -> [ArraySlice<Substring>] {
      try String(contentsOfFile: paths.metricsCSV, encoding: .utf8).split(separator: "\n")
        .map { $0.split(separator: ",").prefix(6) }
    }
    XCTAssertEqual(try metrics(unbroken), try metrics(resumed))
    XCTAssertEqual(try RunRecord(loading: resumed).summary.transfer?.unfreezeAt, 3)
  }
}
