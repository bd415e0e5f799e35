import AtomicFiles
import Deployment
import ExperimentDefinitions
import Foundation
import NeuralNet

/// A run's model exported to ONNX in fp32 and int8, with what that costs: what a completed run
/// records beside its weights (`model.onnx`, `model.int8.onnx`, `deployment.json`) and what
/// `report export` writes.
public enum RunDeployment {
  /// Validation images that calibrate the int8 activations unless told otherwise.
  public static let defaultCalibration = 1_000

  /// Exports `model`, the trained model of the run at `paths` (`summary` and `experiment` say
  /// what it is), calibrating int8 on the first `calibration`
  /// validation images (training images when the definition keeps no validation set) and
  /// measuring on the test set. `testProbabilities` are the engine's on the test set, when the
  /// caller already has them.
  public static func package(
    paths: RunPaths, summary: RunSummary, experiment: Experiment, model: Sequential,
    data: ExperimentData, testProbabilities: [Float]? = nil,
    calibration: Int = defaultCalibration
  ) throws -> DeploymentPackage {
    let source = data.validation.count > 0 ? data.validation : data.train
    let test = try ExperimentData.examples(data.test)
    let metadata: [(key: String, value: String)] = [
      ("run_id", paths.runID), ("experiment", summary.experiment),
      ("config_hash", summary.configHash),
      ("test_accuracy", summary.testAccuracy.map { String(format: "%.4f", $0) } ?? ""),
      ("report_version", Provenance.binaryVersion),
    ]
    return try DeploymentPackage(
      model: model, scratch: try experiment.makeModel(),
      calibration: try ExperimentData.examples(source).prefix(calibration), test: test,
      testProbabilities: fp32Probabilities(model, test, given: testProbabilities),
      name: summary.experiment,
      version: Provenance.binaryVersion, metadata: metadata)
  }

  /// The fp32 model's probabilities on `test`: `given` when the engine computed them in fp32,
  /// else computed again in fp32 (a run trained in bf16 is exported, and compared, in fp32).
  static func fp32Probabilities(_ model: Sequential, _ test: Examples, given: [Float]?)
    -> [Float]
  {
    if let given, model.engine.precision.resolved == .fp32 { return given }
    let engine = model.engine
    defer { model.engine = engine }
    if case .oneDNN = engine { model.engine = .oneDNN(.fp32) }
    return model.predict(test)
  }

  /// Writes both models and the summary into the run's folder, each file whole or not at all.
  public static func record(_ package: DeploymentPackage, in paths: RunPaths) throws {
    try AtomicFile.write(package.fp32, to: paths.onnx)
    try AtomicFile.write(package.int8, to: paths.onnxInt8)
    try AtomicFile.writeJSON(package.summary, to: paths.deployment)
  }
}

extension RunRecord {
  /// What the run's export costs (`deployment.json`); nil when it recorded none (runs that did
  /// not complete, ensembles, runs recorded before exports).
  public func deployment() throws -> DeploymentSummary? {
    guard FileManager.default.fileExists(atPath: paths.deployment) else { return nil }
    return try readJSON(DeploymentSummary.self, from: paths.deployment)
  }
}

/// The precision of an exported model.
public enum ExportPrecision: String, CaseIterable, Sendable {
  case fp32, int8
}

extension RunDeployment {
  /// `report export`: exports the completed run `record`, calibrating int8 on `calibration`
  /// images, and writes the `precision` model to `output`, whole or not at all. A run that
  /// recorded no exports yet (one finished before they existed) gets them in its folder too,
  /// when calibrated as runs are. Returns what the exports cost, and whether the run's folder
  /// gained them (its report then needs rendering again).
  public static func export(
    _ record: RunRecord, precision: ExportPrecision, calibration: Int = defaultCalibration,
    to output: String
  ) throws -> (package: DeploymentPackage, recorded: Bool) {
    try record.requireCompleted(for: "exports")
    let model = try record.trainedModel()
    let exported = try package(
      paths: record.paths, summary: record.summary, experiment: record.experiment, model: model,
      data: try ExperimentData(record.experiment),
      testProbabilities: try record.evaluation()?.probabilities, calibration: calibration)
    try AtomicFile.write(precision == .fp32 ? exported.fp32 : exported.int8, to: output)
    guard try record.deployment() == nil, calibration == defaultCalibration else {
      return (exported, false)
    }
    try Self.record(exported, in: record.paths)
    return (exported, true)
  }
}
