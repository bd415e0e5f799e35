import ArgumentParser
import ExperimentDefinitions
import Foundation
import NeuralNet

extension Report {
  /// `report check`: the kernels this binary selects on this CPU, checked against the plain
  /// reference engine on the paper's model at its real shapes.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Check the kernels this binary selects on this CPU against the plain reference engine, "
        + "on the paper's model at its real shapes; exits 1 when any result differs beyond "
        + "rounding.")

    @Option(help: "Images in the checked batch (default: 128, the paper's batch size).")
    var batchSize = 128
    @Option(
      help:
        "Layer arithmetic to check: auto, bf16 or fp32 (default: auto, what training uses here).")
    var precision: Precision = .auto

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
      guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
      guard precision.isSupported else {
        throw ValidationError(
          "--precision \(precision.rawValue) needs an AVX-512 CPU; oneDNN reports "
            + "\(ComputeEngine.isa) here")
      }
    }

    func run() throws {
      let check = try EngineCheck(
        inputShape: [28, 28, 1], layers: { LayerSpec.paperModel.map { $0.makeLayer() } },
        precision: precision.resolved, batch: batchSize)
      print("oneDNN ISA \(ComputeEngine.isa), \(precision.resolved.rawValue), batch \(batchSize)")
      print("OpenBLAS core (the reference's sgemm, and im2col layers'): \(BLASInfo.coreName)")
      for line in check.implementations { print("  \(line)") }
      print(
        "largest difference from the reference relative to its largest value, and the RMS "
          + "difference relative to the RMS value:")
      let width = check.quantities.map(\.name.count).max() ?? 0
      for quantity in check.quantities {
        let name = quantity.name.padding(toLength: width, withPad: " ", startingAt: 0)
        print(
          "  \(name) \(String(format: "%.1e", quantity.relativeError))  rms "
            + String(format: "%.1e", quantity.relativeRMSError))
      }
      let limit = EngineCheck.tolerance(for: precision)
      let failures = check.failures(precision: precision)
      guard failures.isEmpty else {
        let names = failures.map(\.name).joined(separator: ", ")
        logger.error(
          "\(failures.count) result(s) differ from the reference by a relative RMS error over \(limit): \(names)"
        )
        throw ExitCode.failure
      }
      print(
        "all \(check.quantities.count) results within a relative RMS error of \(limit) of the "
          + "reference")
    }
  }
}
