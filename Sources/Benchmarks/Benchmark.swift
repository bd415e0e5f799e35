import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import Reports
import Runs

/// What `report bench` measured: training and inference speed of the paper's model on real
/// MNIST, peak memory, and the time to draw one run's figures.
public struct BenchmarkResult: Codable, Sendable {
  public var trainImagesPerSecond: Double
  public var inferenceImagesPerSecond: Double
  /// Peak resident memory; nil where /proc does not say (it is then absent from the JSON).
  public var peakRSSMiB: Double?
  public var threads: Int
  /// OpenBLAS's kernel family, e.g. "Cooperlake".
  public var blasCore: String
  public var batchSize: Int
  public var steps: Int
  public var repeats: Int
  public var parameters: Int
  public var augmentation: Bool
  /// Median milliseconds to render all figures of one run.
  public var figuresMilliseconds: Double
  /// Median milliseconds to compute and draw a run report's Errors section (findings, checked
  /// saliency maps, figures).
  public var errorsMilliseconds: Double
  /// Median milliseconds to predict the validation split (5,400 images of the paper's recipe),
  /// which a run records once at its end for the section's temperature.
  public var validationMilliseconds: Double
  /// What computed the passes, e.g. "oneDNN bf16" or "reference fp32".
  public var engine: String
  /// The precision the layers ran in: "bf16" or "fp32".
  public var precision: String
  /// The instruction set oneDNN dispatched to, e.g. "avx512_core_bf16".
  public var isa: String
  /// The machine's arithmetic limit in `precision` on `threads` threads, measured before
  /// training; nil on a CPU without AVX2 and FMA.
  public var peak: ArithmeticPeak?
  /// Arithmetic of one training image and of one inferred image (a multiply-add counts two).
  public var trainFLOPsPerImage: Double
  public var inferenceFLOPsPerImage: Double
  /// Every layer's passes in one training step, when asked for (`report bench --layers`).
  public var layers: [LayerPassTiming]?

  /// Training's and inference's arithmetic rates as fractions of `peak`.
  public var trainFractionOfPeak: Double?
  public var inferenceFractionOfPeak: Double?

  enum CodingKeys: String, CodingKey {
    case trainImagesPerSecond = "train_images_per_second"
    case inferenceImagesPerSecond = "inference_images_per_second"
    case peakRSSMiB = "peak_rss_mib"
    case blasCore = "blas_core"
    case threads, steps, repeats, parameters, augmentation, engine, precision, isa
    case batchSize = "batch_size"
    case figuresMilliseconds = "figures_milliseconds"
    case errorsMilliseconds = "errors_section_milliseconds"
    case validationMilliseconds = "validation_predictions_milliseconds"
    case peak, layers
    case trainFLOPsPerImage = "train_flops_per_image"
    case inferenceFLOPsPerImage = "inference_flops_per_image"
    case trainFractionOfPeak = "train_fraction_of_peak"
    case inferenceFractionOfPeak = "inference_fraction_of_peak"
  }
}

/// The benchmark behind `report bench`.
public enum Benchmark {
  /// Trains the paper's model for `steps` batches after a warm-up, `repeats` times, infers the
  /// same images, and draws all figures of one run; every figure is a median over the repeats.
  /// The machine's FMA peak is measured first, before anything warms or loads the cores; with
  /// `layers`, `steps` more steps time every layer's passes apart.
  public static func run(
    steps: Int, batchSize: Int, repeats: Int, augment: Bool, mnistDirectory: String,
    engine: ComputeEngine = .oneDNN(.auto), winograd: WinogradPolicy = .auto, layers: Bool = false
  ) throws -> BenchmarkResult {
    let peak = ArithmeticPeak.measure(precision: engine.precision)
    let (train, test) = try IDXDataset.mnist.load(directory: mnistDirectory)
    let count = min(train.count, steps * batchSize)
    let subset = train.subset(Array(0..<count))
    let examples = try ExperimentData.examples(subset)
    let model = try LayerSpec.buildModel(LayerSpec.paperModel, inputShape: [28, 28, 1], seed: 1)
    model.engine = engine
    model.winograd = winograd
    let trainer = Trainer(
      model: model, optimizer: Adam(), batchSize: batchSize,
      augmentation: augment
        ? RandomAffine(rotationDegrees: 15, zoom: 0.01, widthShift: 0.1, heightShift: 0.1) : nil)
    _ = trainer.benchmarkSteps(3, on: examples)  // warm-up: buffers, page faults, BLAS init
    var trainSpeeds: [Double] = []
    var inferSpeeds: [Double] = []
    for _ in 0..<repeats {
      let seconds = trainer.benchmarkSteps(steps, on: examples)
      trainSpeeds.append(Double(steps * batchSize) / seconds)
      let start = DispatchTime.now()
      _ = model.predict(examples, batchSize: 500)
      inferSpeeds.append(Double(count) / elapsed(since: start))
    }
    let layerTimings = layers ? trainer.profileSteps(steps, on: examples) : nil
    let figures = try figureMilliseconds(model: model, train: subset, test: test, repeats: repeats)
    let errors = try errorSectionMilliseconds(
      model: model, train: subset, test: test, repeats: repeats)
    let (training, inference) = (median(trainSpeeds), median(inferSpeeds))
    let flops = model.flopsPerExample
    return BenchmarkResult(
      trainImagesPerSecond: training, inferenceImagesPerSecond: inference,
      peakRSSMiB: peakResidentMiB(), threads: Parallel.workers, blasCore: BLASInfo.coreName,
      batchSize: batchSize, steps: steps,
      repeats: repeats, parameters: model.parameterCount, augmentation: augment,
      figuresMilliseconds: figures, errorsMilliseconds: errors.section,
      validationMilliseconds: errors.validation,
      engine: engine.description, precision: engine.precision.rawValue, isa: ComputeEngine.isa,
      peak: peak, trainFLOPsPerImage: flops.training, inferenceFLOPsPerImage: flops.inference,
      layers: layerTimings,
      trainFractionOfPeak: peak?.fraction(of: training * flops.training / 1e9),
      inferenceFractionOfPeak: peak?.fraction(of: inference * flops.inference / 1e9))
  }

  /// Median milliseconds to draw one run's figures (two curve charts, confusion matrix, 4-image
  /// sample strip, 16-image gallery, 64-image misclassified gallery, model diagram, per-class
  /// bars) from the model's real predictions on the test set. The curves use a 23-epoch history
  /// shaped like the paper's, as the matplotlib anchor does; drawing time does not depend on it.
  static func figureMilliseconds(
    model: Sequential, train: ImageDataset, test: ImageDataset, repeats: Int
  ) throws -> Double {
    let evaluation = Evaluation(model: model, examples: try ExperimentData.examples(test))
    let epochs = (1...23).map { e -> EpochMetrics in
      let t = Double(e - 1)
      return EpochMetrics(
        epoch: e, loss: 0.05 * exp(-t / 4), accuracy: 0.95 + 0.048 * (1 - exp(-t / 4)),
        valLoss: 0.64 * exp(-t / 1.2) + 0.015,
        valAccuracy: 0.36 + 0.635 * (1 - exp(-t / 1.2)), learningRate: e < 16 ? 1e-3 : 2e-4,
        seconds: 60, imagesPerSecond: 1000)
    }
    let log = TrainingLog(
      epochs: epochs,
      events: [
        .learningRateChanged(epoch: 16, from: 1e-3, to: 2e-4),
        .earlyStopped(epoch: 23, bestEpoch: 13),
      ])
    let data = ExperimentData(
      train: train, validation: train, test: test, sourceDescription: "MNIST")
    let figures = RunFigures(
      name: "paper",
      report: ReportSpec(samples: 4, gallery: 16, misclassified: 64, colormap: .gray), log: log,
      evaluation: evaluation, data: data, summary: model.summary)
    let directory = NSTemporaryDirectory() + "report-bench-figures-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var times: [Double] = []
    for _ in 0..<max(repeats, 1) {
      let start = DispatchTime.now()
      try figures.render(into: directory)
      times.append(elapsed(since: start) * 1000)
    }
    return median(times)
  }

  /// Median milliseconds to compute and draw the Errors section of the paper's model's report
  /// from its predictions on the test set, and to predict the validation split its temperature
  /// is fitted on (the paper's: 5,400 images, taken from `train`).
  static func errorSectionMilliseconds(
    model: Sequential, train: ImageDataset, test: ImageDataset, repeats: Int
  ) throws -> (section: Double, validation: Double) {
    let evaluation = Evaluation(model: model, examples: try ExperimentData.examples(test))
    let validationImages = try ExperimentData.examples(
      train.subset(Array(0..<min(5400, train.count))))
    let randomised = try LayerSpec.buildModel(
      LayerSpec.paperModel, inputShape: [28, 28, 1], seed: 2)
    randomised.engine = model.engine
    randomised.winograd = model.winograd
    let directory = NSTemporaryDirectory() + "report-bench-errors-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var sections: [Double] = []
    var validations: [Double] = []
    for _ in 0..<max(repeats, 1) {
      var start = DispatchTime.now()
      let validation = Evaluation(model: model, examples: validationImages)
      validations.append(elapsed(since: start) * 1000)
      start = DispatchTime.now()
      try ErrorSection.draw(
        model: model, randomised: randomised, evaluation: evaluation, test: test,
        validation: (validation.probabilities, validationImages.labels), mistakes: 64,
        into: directory)
      sections.append(elapsed(since: start) * 1000)
    }
    return (median(sections), median(validations))
  }

  static func elapsed(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
  }
}

/// The process's peak resident set size (VmHWM) in MiB, from /proc; nil where it cannot be read.
public func peakResidentMiB() -> Double? {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
  else { return nil }
  return kilobytes / 1024
}
