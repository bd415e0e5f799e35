import Foundation
import Runs
import TestSupport
import XCTest

/// `report export` judged from outside: every export passes ONNX's full checker, and ONNX Runtime
/// run on all 10,000 MNIST test images agrees with `report` (scripts/check-onnx-export.py).
final class ExportCommandLineTests: XCTestCase {
  private func report(_ arguments: [String]) throws -> ReportResult {
    try runReport(arguments, in: repositoryRoot)
  }

  /// Trains `definition` briefly into `output` (the full test set kept; in fp32 whatever the
  /// CPU, so that the probabilities report records are what ONNX Runtime's fp32 must give),
  /// exports its int8 model with `report export`, and returns what the judge measured of both
  /// models, the run's folder and its deployment.json.
  private func trainAndJudge(
    _ definition: String, overrides: [String], output: String, python: String
  ) throws -> (judged: [String: Any], run: RunPaths, deployment: [String: Any]) {
    let experiment = ((definition as NSString).lastPathComponent as NSString).deletingPathExtension
    let trained = try report(
      ["run", definition, "--output", output]
        + (overrides + ["training.precision=fp32"]).flatMap { ["--set", $0] })
    XCTAssertEqual(trained.status, 0, trained.output + trained.error)
    let runs = try FileManager.default.contentsOfDirectory(atPath: "\(output)/runs/\(experiment)")
    let run = RunPaths(directory: "\(output)/runs/\(experiment)/\(try XCTUnwrap(runs.first))")
    let exported = output + "/\(experiment).int8.onnx"
    let export = try report([
      "export", experiment, "--root", output, "--precision", "int8", "--output", exported,
    ])
    XCTAssertEqual(export.status, 0, export.output + export.error)
    XCTAssert(export.output.contains("int8 test"), export.output)
    // `report export` writes what the finished run recorded in its folder, byte for byte.
    XCTAssertEqual(
      FileManager.default.contents(atPath: exported),
      FileManager.default.contents(atPath: run.onnxInt8))
    let judge = Process()
    judge.executableURL = URL(fileURLWithPath: python)
    judge.arguments = [
      repositoryRoot + "/scripts/check-onnx-export.py", run.directory, run.onnx, exported,
      repositoryRoot + "/data/mnist",
    ]
    let out = Pipe()
    let err = Pipe()
    (judge.standardOutput, judge.standardError) = (out, err)
    try judge.run()
    let printed = out.fileHandleForReading.readDataToEndOfFile()
    let complaint = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    judge.waitUntilExit()
    XCTAssertEqual(judge.terminationStatus, 0, complaint)
    let judged = try XCTUnwrap(JSONSerialization.jsonObject(with: printed) as? [String: Any])
    let deployment = try XCTUnwrap(
      JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: run.deployment)))
        as? [String: Any])
    return (judged, run, deployment)
  }

  static let everyLayer = """
      - conv2d: {filters: 8, kernel: 3, stride: 2, padding: same, activation: leaky_relu}
      - avgpool: {size: 3, stride: 2, padding: same}
      - batchnorm: {epsilon: 0.01}
      - conv2d: {filters: 6, kernel: 3, padding: same}
      - activation: {activation: leaky_relu(0.1)}
      - maxpool: {size: 2, padding: same}
      - flatten
      - batchnorm: {}
      - dropout: {rate: 0.2}
      - dense: {units: 32, activation: relu}
      - dense: {units: 10, activation: softmax}
    """

  static let globalPooling = """
      - conv2d: {filters: 8, kernel: 3, padding: same, activation: relu}
      - maxpool: {size: 2}
      - conv2d: {filters: 12, kernel: 3, activation: relu}
      - global_avgpool
      - dense: {units: 10, activation: softmax}
    """

  /// Writes an experiment of `model` (YAML list items) on 3,000 training images and the whole
  /// test set into `directory`; returns its path, which `report run` takes as the experiment.
  private func writeExperiment(_ name: String, _ model: String, in directory: String) throws
    -> String
  {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = "\(directory)/\(name).yaml"
    try write(
      "dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 3000}\n"
        + "model:\n\(model)\ntraining: {epochs: 1, batch_size: 50, precision: fp32}\n", to: path)
    return path
  }

  func testExportsOfTheShippedModelsAndEveryLayerKindRunInONNXRuntimeAsInReport() throws {
    let python = try XCTUnwrap(
      notebookPython(), "no Python with onnx and onnxruntime: run scripts/setup.sh")
    let output = try scratch(name)
    let cases: [(String, [String])] = [
      ("quick", ["dataset.subset=6000", "training.epochs=1"]),
      // 5x5 `same` convolutions and average pooling; a 5x5x16 map flattened.
      ("lenet5", ["dataset.subset=6000", "training.epochs=1"]),
      // Strided `same` convolutions, batch normalisation, dropout, EMA weights.
      ("deotte", ["dataset.subset=3000", "training.epochs=1"]),
      // The paper's model (692,682 parameters), trained for enough steps (507) that batch
      // normalisation's moving statistics (momentum 0.99) settle: after 84 steps (2 epochs of
      // 128) it scored 20-24% on the test set, where int8 and fp32 differ by chance.
      ("baseline", ["dataset.subset=6000", "training.epochs=3", "training.batch_size=32"]),
      // Every other layer and setting: strided `same` convolution and pooling, leaky ReLU as
      // an activation and as a layer, batch normalisation of a map and of flattened features
      // (whose order ONNX changes), global average pooling.
      (try writeExperiment("every_layer", Self.everyLayer, in: output), []),
      (try writeExperiment("global_pooling", Self.globalPooling, in: output), []),
    ]
    var int8Accuracies: [String: Double] = [:]
    for (definition, overrides) in cases {
      let experiment = ((definition as NSString).lastPathComponent as NSString)
        .deletingPathExtension
      let (judged, run, deployment) = try trainAndJudge(
        definition, overrides: overrides, output: output, python: python)
      let summary = try readJSON(RunSummary.self, from: run.summary)
      for precision in ["fp32", "int8"] {
        let model = try XCTUnwrap(judged[precision] as? [String: Any], experiment)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(model["opset"] as? Int), 13)
        let input = try XCTUnwrap((model["inputs"] as? [[String: Any]])?.first)
        XCTAssertEqual(input["name"] as? String, "image")
        XCTAssertEqual("\(input["shape"] ?? "")", "\(["N", 1, 28, 28] as [Any])")
        let output = try XCTUnwrap((model["outputs"] as? [[String: Any]])?.first)
        XCTAssertEqual(output["name"] as? String, "probabilities")
        XCTAssertEqual("\(output["shape"] ?? "")", "\(["N", 10] as [Any])")
        let metadata = try XCTUnwrap(model["metadata"] as? [String: String])
        XCTAssertEqual(metadata["run_id"], run.runID)
        XCTAssertEqual(metadata["config_hash"], summary.configHash)
        XCTAssertEqual(
          metadata["test_accuracy"], String(format: "%.4f", summary.testAccuracy ?? -1))
        XCTAssertEqual(metadata["report_version"], Provenance.binaryVersion)
        XCTAssertEqual(metadata["precision"], precision)
      }
      let fp32 = try XCTUnwrap(judged["fp32"] as? [String: Any])
      let int8 = try XCTUnwrap(judged["int8"] as? [String: Any])
      let context = "\(experiment): \(judged)"
      XCTAssertGreaterThanOrEqual(
        try XCTUnwrap(fp32["agreement_with_report"] as? Double), 0.9995, context)
      XCTAssertEqual(fp32["disagreements_not_ties"] as? Int, 0, context)
      XCTAssertLessThanOrEqual(
        try XCTUnwrap(fp32["max_probability_difference"] as? Double), 1e-4, context)
      XCTAssertEqual(
        try XCTUnwrap(fp32["accuracy"] as? Double), try XCTUnwrap(summary.testAccuracy),
        accuracy: 0.0005, context)
      // ONNX Runtime's int8 arithmetic is what report computed for it, within 0.1 points.
      let reported = try XCTUnwrap(deployment["int8_accuracy"] as? Double)
      XCTAssertEqual(try XCTUnwrap(int8["accuracy"] as? Double), reported, accuracy: 0.001, context)
      XCTAssertEqual(try XCTUnwrap(deployment["test_images"] as? Int), 10_000)
      if experiment == "baseline" {
        XCTAssertEqual(deployment["parameters"] as? Int, 692_682)
        // A trained model, so that int8's accuracy against fp32's below means something
        // (96.3% measured on 2026-12-06).
        XCTAssertGreaterThan(try XCTUnwrap(fp32["accuracy"] as? Double), 0.9, context)
        XCTAssertEqual(
          try XCTUnwrap(int8["accuracy"] as? Double), try XCTUnwrap(fp32["accuracy"] as? Double),
          accuracy: 0.003, context)
      }
      let page = try String(contentsOfFile: run.report, encoding: .utf8)
      XCTAssert(page.contains("<h2") && page.contains("Deployment"), experiment)
      XCTAssert(page.contains("model.int8.onnx"), experiment)
      int8Accuracies[experiment] = reported
    }
    // A comparison shows each run's deployment numbers side by side.
    let names = ["quick", "lenet5", "deotte", "baseline", "every_layer", "global_pooling"]
    let compared = try report(["compare"] + names + ["--output", output])
    XCTAssertEqual(compared.status, 0, compared.output + compared.error)
    let page = try String(
      contentsOfFile: output + "/compare/" + names.joined(separator: "-vs-") + "/index.html",
      encoding: .utf8)
    let deployment = try XCTUnwrap(page.range(of: ">Deployment<"), "no Deployment section")
    let section = page[deployment.upperBound...]
    for (experiment, accuracy) in int8Accuracies {
      XCTAssert(section.contains(experiment + " ("), experiment)
      XCTAssert(section.contains(String(format: "%.2f%%", accuracy * 100)), experiment)
    }
  }

  func testBadExportsSayWhatIsWrongAndLeaveNoFile() throws {
    let output = try scratch(name)
    let trained = try report([
      "run", "quick", "--output", output, "--set", "dataset.subset=500", "--set",
      "dataset.test_subset=100", "--set", "training.epochs=1",
    ])
    XCTAssertEqual(trained.status, 0, trained.output + trained.error)
    let missing = try report(["export", "no_such_run", "--root", output])
    XCTAssertEqual(missing.status, 1, missing.error)
    XCTAssert(missing.error.contains("no run 'no_such_run'"), missing.error)

    // An output whose folder does not exist: the error names the path, and nothing is left.
    let nowhere = output + "/no/such/folder/model.onnx"
    let unwritable = try report(["export", "quick", "--root", output, "--output", nowhere])
    XCTAssertEqual(unwritable.status, 1, unwritable.error)
    XCTAssert(unwritable.error.contains("\(nowhere): cannot write"), unwritable.error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/no"))

    // A run still training (its heartbeat names this living process) is refused; its folder is
    // left as it was.
    let runs = try FileManager.default.contentsOfDirectory(atPath: output + "/runs/quick")
    let paths = RunPaths(directory: output + "/runs/quick/" + runs[0])
    for file in [paths.onnx, paths.onnxInt8, paths.deployment] {
      try FileManager.default.removeItem(atPath: file)
    }
    var summary = try readJSON(RunSummary.self, from: paths.summary)
    summary.status = .running
    try summary.write(to: paths)
    try RunHeartbeat(epochsFinished: 1, epochs: 2).write(to: paths)
    let before = try FileManager.default.contentsOfDirectory(atPath: paths.directory).sorted()
    let training = try report(["export", paths.directory, "--root", output])
    XCTAssertEqual(training.status, 1, training.error)
    XCTAssert(
      training.error.contains("run \(paths.runID) is running; exports need a completed run"),
      training.error)
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: paths.directory).sorted(), before)

    let calibration = try report(["export", "quick", "--root", output, "--calibration", "0"])
    XCTAssertNotEqual(calibration.status, 0)
    XCTAssert(calibration.error.contains("--calibration must be at least 1"), calibration.error)
  }
}
