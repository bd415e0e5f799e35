import ArgumentParser
import Benchmarks
import Foundation
import NeuralNet

extension Precision: ExpressibleByArgument {}
extension WinogradPolicy: ExpressibleByArgument {}

extension Report {
  /// `report bench`: speed and memory of the paper's model on this machine.
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Benchmark training, inference and figures for the paper's model on real MNIST.")

    @Option(help: "Timed training steps per repeat (default: 60, as the Keras anchor).")
    var steps = 60
    @Option(help: "Images per step (default: 128, the paper's batch size).")
    var batchSize = 128
    @Option(help: "Timed repeats; speeds are their medians (default: 3).")
    var repeats = 3
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?
    @Flag(help: "Apply the paper's augmentation to every training batch.")
    var augment = false
    @Option(help: "Directory holding the four MNIST IDX files (default: data/mnist).")
    var mnist = "data/mnist"
    @Option(
      help:
        "Layer arithmetic: auto (bf16 where the CPU has native bf16, else fp32), bf16 or fp32 (default: auto)."
    )
    var precision: Precision = .auto
    @Flag(
      help:
        "Measure the plain reference engine (NHWC, im2col + OpenBLAS) instead of oneDNN, for comparison."
    )
    var referenceEngine = false
    @Option(
      help:
        "Which 3x3 fp32 convolutions run on the engine's own Winograd kernels: auto (where they measured faster: 32+ channels in and out, outputs of 8x8 or more), always or never (default: auto)."
    )
    var winograd: WinogradPolicy = .auto
    @Flag(
      help:
        "Also time every layer's forward, backward-data and backward-weights pass (--steps more steps) and print GFLOP/s and the implementation that ran each (oneDNN's or the engine's own)."
    )
    var layers = false
    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
      guard steps > 0, batchSize > 0, repeats > 0 else {
        throw ValidationError("--steps, --batch-size and --repeats must be positive")
      }
      try validateThreads(threads)
      guard precision.isSupported else {
        throw ValidationError(
          "--precision \(precision.rawValue) needs an AVX-512 CPU; oneDNN reports \(ComputeEngine.isa) here"
        )
      }
      if referenceEngine, precision == .bf16 {
        throw ValidationError("--reference-engine computes in fp32 only; drop --precision bf16")
      }
    }

    @OptionGroup var logging: LoggingOptions

    func run() throws {
      if let threads { Parallel.workers = threads }
      let result = try Benchmark.run(
        steps: steps, batchSize: batchSize, repeats: repeats, augment: augment,
        mnistDirectory: mnist,
        engine: referenceEngine ? .reference : .oneDNN(precision), winograd: winograd,
        layers: layers)
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
        return
      }
      let peak = result.peak.map {
        String(format: "%.0f GFLOP/s (%@, %d threads)", $0.gigaflops, $0.instructions, $0.threads)
      }
      let fraction = { (share: Double?) in
        share.map { String(format: ", %.0f%% of peak", $0 * 100) } ?? ""
      }
      let rows: [(String, String)] = [
        ("model parameters", "\(result.parameters)"),
        (
          "batch size x steps x repeats",
          "\(result.batchSize) x \(result.steps) x \(result.repeats)"
        ),
        ("threads", "\(result.threads)"),
        ("engine", "\(result.engine) (\(result.isa))"),
        ("BLAS kernels", result.blasCore),
        ("augmentation", result.augmentation ? "on" : "off"),
        ("FMA peak", peak ?? "unavailable (no AVX2 and FMA)"),
        (
          "training (median)",
          String(format: "%.0f images/s", result.trainImagesPerSecond)
            + fraction(result.trainFractionOfPeak)
        ),
        (
          "inference (median)",
          String(format: "%.0f images/s", result.inferenceImagesPerSecond)
            + fraction(result.inferenceFractionOfPeak)
        ),
        ("peak memory", result.peakRSSMiB.map { String(format: "%.0f MiB", $0) } ?? "unavailable"),
        ("figures of one run (median)", String(format: "%.1f ms", result.figuresMilliseconds)),
        ("Errors section (median)", String(format: "%.0f ms", result.errorsMilliseconds)),
        (
          "validation pass (median)",
          String(format: "%.0f ms", result.validationMilliseconds)
        ),
      ]
      for (name, value) in rows {
        print(name.padding(toLength: 30, withPad: " ", startingAt: 0) + value)
      }
      if let timings = result.layers { printLayers(timings, peak: result.peak) }
    }

    /// One row per pass of one training step, then their sum.
    private func printLayers(_ timings: [LayerPassTiming], peak: ArithmeticPeak?) {
      func column(_ text: String, _ width: Int, right: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(width - text.count, 0))
        return right ? pad + text : text + pad
      }
      func share(_ gigaflopsPerSecond: Double) -> String {
        peak.map { String(format: "%.0f%%", $0.fraction(of: gigaflopsPerSecond) * 100) } ?? ""
      }
      print("\nper training step (medians of \(steps) steps):")
      print(
        column("layer", 22) + column("pass", 18) + column("ms", 8, right: true)
          + column("GFLOP/s", 9, right: true) + column("of peak", 9, right: true)
          + "  implementation")
      for timing in timings {
        let rate = timing.gigaflopsPerSecond
        print(
          column(timing.layer, 22) + column(timing.pass, 18)
            + column(String(format: "%.2f", timing.milliseconds), 8, right: true)
            + column(rate.map { String(format: "%.0f", $0) } ?? "", 9, right: true)
            + column(rate.map(share) ?? "", 9, right: true) + "  " + timing.implementation)
      }
      let total = timings.reduce(0) { $0 + $1.milliseconds }
      let flops = timings.reduce(0) { $0 + ($1.flops ?? 0) }
      let rate = flops / (total / 1000) / 1e9
      print(
        column("total", 40) + column(String(format: "%.2f", total), 8, right: true)
          + column(String(format: "%.0f", rate), 9, right: true)
          + column(share(rate), 9, right: true))
    }
  }
}
