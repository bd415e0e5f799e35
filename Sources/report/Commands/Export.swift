import ArgumentParser
import Foundation
import Reports
import Runs

extension Report {
  /// `report export RUN`: the run's model as an ONNX file, fp32 or int8, and what deploying it
  /// costs.
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Export a completed run's model to ONNX (fp32 or int8) and print what it costs.",
      discussion:
        "The int8 model is quantized after training: weights per channel in 7 bits, activations "
        + "per tensor calibrated on validation images. The printed accuracies are computed by "
        + "report itself; the latency is batch-1 inference in report's engine.")

    @OptionGroup var target: RunReference

    @Option(help: "The model format (default: onnx; the only one).")
    var format = ModelFormat.onnx

    @Option(help: "fp32 or int8 (default: fp32).")
    var precision = ExportPrecision.fp32

    @Option(help: "Validation images that calibrate the int8 activations (default: 1000).")
    var calibration = RunDeployment.defaultCalibration

    @Option(
      help: ArgumentHelp(
        "Where the model goes (default: model.onnx or model.int8.onnx in the run's folder).",
        valueName: "file"))
    var output: String?

    @Option(help: "Where runs are (default: output).")
    var root = RunWorkspace.defaultOutputRoot

    func validate() throws {
      guard calibration > 0 else { throw ValidationError("--calibration must be at least 1") }
    }

    func run() throws {
      let options = try OutputOptions.parse(["--output", root])
      let record = try RunRecord(loading: try target.paths(in: options.catalog()))
      let path = output ?? (precision == .fp32 ? record.paths.onnx : record.paths.onnxInt8)
      let (package, recorded) = try RunDeployment.export(
        record, precision: precision, calibration: calibration, to: path)
      if recorded { try RunPageReporter().render(try RunRecord(loading: record.paths)) }
      print(
        "wrote \(path) (\(precision.rawValue), \(package.fp32.count) bytes fp32, "
          + "\(package.int8.count) bytes int8)")
      for line in DeploymentFacts.lines(package.summary) { print(line) }
    }
  }

  /// The formats `report export` writes.
  enum ModelFormat: String, ExpressibleByArgument, CaseIterable {
    case onnx
  }
}

extension ExportPrecision: ExpressibleByArgument {}
