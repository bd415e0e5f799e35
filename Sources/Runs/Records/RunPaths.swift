import Foundation

/// The paths of everything a run leaves in its folder.
public struct RunPaths: Sendable {
  /// output/runs/<experiment>/<run-id>
  public let directory: String

  public init(directory: String) { self.directory = directory }

  /// The experiment the run belongs to: the name of the folder above the run's.
  public var experiment: String {
    ((directory as NSString).deletingLastPathComponent as NSString).lastPathComponent
  }

  public var config: String { directory + "/config.yaml" }
  public var summary: String { directory + "/summary.json" }
  public var metricsCSV: String { directory + "/metrics.csv" }
  public var metricsJSON: String { directory + "/metrics.json" }
  public var weights: String { directory + "/weights.safetensors" }
  public var checkpoint: String { directory + "/checkpoint.safetensors" }
  public var heartbeat: String { directory + "/heartbeat.json" }
  /// The lock the training process holds (`RunLock`).
  public var lock: String { directory + "/.lock" }
  public var predictions: String { directory + "/predictions.csv" }
  /// The final model's probabilities on the validation split: they fit the temperature of the
  /// error analysis.
  public var validationPredictions: String { directory + "/validation_predictions.csv" }
  /// The final model's probabilities on the fold it never saw (`dataset.folds`), in the order
  /// `ExperimentData.heldOutIndices` gives: what `report audit-labels` judges training labels by.
  public var heldOutPredictions: String { directory + "/heldout_predictions.csv" }
  /// The 100 most suspect test labels by confident learning (`RunErrorAnalysis`).
  public var suspectLabels: String { directory + "/suspect_labels.csv" }
  public var report: String { directory + "/report.html" }
  /// The model exported to ONNX in fp32 and in int8, and what they cost (`DeploymentSummary`).
  public var onnx: String { directory + "/model.onnx" }
  public var onnxInt8: String { directory + "/model.int8.onnx" }
  public var deployment: String { directory + "/deployment.json" }
  public var figures: String { directory + "/figures" }
  /// The run id: the folder's name.
  public var runID: String { (directory as NSString).lastPathComponent }
  /// The output root the run is under: the folder holding `runs/`.
  public var outputRoot: String {
    let runs = ((directory as NSString).deletingLastPathComponent as NSString)
      .deletingLastPathComponent
    return (runs as NSString).deletingLastPathComponent
  }
}

/// Finds run folders on disk: the one scanner of output roots.
public enum RunFolders {
  /// Whether `directory` is a run folder (it holds a summary).
  public static func isRun(_ directory: String) -> Bool {
    FileManager.default.fileExists(atPath: RunPaths(directory: directory).summary)
  }

  /// The run folders of experiment `name` under `outputRoot`, sorted (oldest run id first).
  public static func of(experiment name: String, outputRoot: String) -> [String] {
    let root = "\(outputRoot)/runs/\(name)"
    return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
      .filter { !$0.hasPrefix(".") }
      .map { "\(root)/\($0)" }
      .filter(isRun)
  }

  /// Every run folder (`<root>/runs/<experiment>/<run-id>`) holding a summary, sorted;
  /// hidden names (a folder still being filled) are not runs.
  public static func all(outputRoot: String) -> [String] {
    let experiments = (try? FileManager.default.contentsOfDirectory(atPath: outputRoot + "/runs"))
    return (experiments ?? []).sorted().flatMap { of(experiment: $0, outputRoot: outputRoot) }
  }
}

/// Run ids: the UTC time a run started, to the millisecond, and four random hex digits,
/// `20261203-201530-123-0a3f`, so that sorting ids sorts runs by start (runs started in one
/// second too: a sweep's trials often are).
public enum RunID {
  /// The UTC time as run ids begin: `yyyyMMdd-HHmmss`.
  public static func stamp(_ date: Date = Date()) -> String {
    utc("yyyyMMdd-HHmmss").string(from: date)
  }

  /// A new run id, now.
  public static func new(_ date: Date = Date()) -> String {
    let random = String(UInt16.random(in: 0...UInt16.max), radix: 16)
    return utc("yyyyMMdd-HHmmss-SSS").string(from: date) + "-"
      + String(repeating: "0", count: 4 - random.count) + random
  }

  private static func utc(_ format: String) -> DateFormatter {
    let formatter = DateFormatter()
    formatter.dateFormat = format
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter
  }
}
