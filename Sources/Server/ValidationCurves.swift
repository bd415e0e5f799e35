import Foundation
import Runs

/// Each run's validation accuracy epoch by epoch, read from its `metrics.json` once per version of
/// the file: every page of the runs listing shows up to 1,000 runs' curves, and a finished run's
/// never changes. A running run's file is replaced after each epoch, and then read again.
final class ValidationCurves: @unchecked Sendable {
  // Guarded by `lock`.
  private var cache: [String: (version: FileVersion, curve: [Double])] = [:]
  private let lock = NSLock()

  /// What tells two versions of a file apart: they are written to a new name and renamed.
  private struct FileVersion: Equatable {
    var modified: Date?, size: Int?
  }

  /// The run's validation accuracies so far (empty before its first epoch).
  func curve(_ paths: RunPaths) -> [Double] {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: paths.metricsJSON)
    else { return [] }
    let version = FileVersion(
      modified: attributes[.modificationDate] as? Date,
      size: (attributes[.size] as? NSNumber)?.intValue)
    lock.lock()
    defer { lock.unlock() }
    if let known = cache[paths.metricsJSON], known.version == version { return known.curve }
    let curve = (try? TrainingLog.read(from: paths))?.epochs.compactMap(\.valAccuracy) ?? []
    cache[paths.metricsJSON] = (version, curve)
    return curve
  }
}
