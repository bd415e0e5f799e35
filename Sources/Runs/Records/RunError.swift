import Foundation
import NeuralNet
import RunStorage

/// Errors about runs on disk.
public enum RunError: Error, CustomStringConvertible, Equatable {
  /// No run folder, run id or experiment with runs by this name.
  case missingRun(String)
  /// A run file that is missing or cannot be read.
  case corruptRecord(path: String, reason: String)
  /// The run cannot continue, for the reason given.
  case notResumable(String)
  /// The run did not complete, and `use` needs a completed one.
  case notCompleted(runID: String, status: RunStatus, use: String)
  /// The run has no checkpoint to continue from: it stopped before its first epoch was saved.
  /// `command` started it (nil for runs recorded before commands were).
  case noCheckpoint(runID: String, experiment: String, command: String?)
  /// The run's process still trains it, so nothing else may write its folder; `process` is nil
  /// for runs recorded before heartbeats.
  case stillRunning(runID: String, process: ProcessIdentity?)
  /// An ensemble needs at least two members; `count` were given.
  case tooFewMembers(count: Int)
  /// Run `runID` cannot be a member of an ensemble, for `reason`.
  case unfitMember(runID: String, reason: String)
  /// Run `runID`'s test predictions (at `path`, line included) differ from the first
  /// member's test set, as `reason` says.
  case differentTestSet(runID: String, path: String, reason: String)
  /// An ensemble name that cannot name a folder under output/runs, or that ordinary runs use.
  case badEnsembleName(name: String, reason: String)
  /// Run `runID` cannot be a fold of a label audit, for `reason`.
  case unfitFold(runID: String, reason: String)
  /// Run `runID` has no validation predictions to fit a temperature on, for `reason`.
  case noValidation(runID: String, reason: String)

  public var description: String {
    switch self {
    case .missingRun(let name): return "no run '\(name)'"
    case .corruptRecord(let path, let reason): return "\(path): \(reason)"
    case .notResumable(let reason): return "cannot resume: \(reason)"
    case .notCompleted(let runID, let status, let use):
      return "run \(runID) is \(status.rawValue); \(use) need a completed run"
    case .noCheckpoint(let runID, _, _):
      return
        "cannot resume: run \(runID) has no checkpoint; it stopped before its first epoch was saved"
    case .stillRunning(let runID, let process):
      return "cannot resume: run \(runID) is still running"
        + (process.map { " (process \($0.pid) on \($0.host))" } ?? "")
    case .tooFewMembers(let count):
      return "an ensemble needs at least two members; \(count) given"
    case .unfitMember(let runID, let reason):
      return "run \(runID) cannot be an ensemble member: \(reason)"
    case .differentTestSet(let runID, let path, let reason):
      return "\(path): run \(runID) was tested on another test set: \(reason)"
    case .badEnsembleName(let name, let reason): return "ensemble name '\(name)': \(reason)"
    case .unfitFold(let runID, let reason):
      return "run \(runID) cannot be a fold of this label audit: \(reason)"
    case .noValidation(let runID, let reason):
      return "run \(runID) has no validation predictions to fit a temperature on: \(reason)"
    }
  }
}

extension RunError {
  /// Runs `read`, which decodes the run file at `path`, turning the engine's errors about its
  /// content (which know no file) into `corruptRecord` errors naming it.
  static func naming<T>(_ path: String, _ read: () throws -> T) throws -> T {
    do {
      return try read()
    } catch let error as NeuralNetError {
      throw RunError.corruptRecord(path: path, reason: error.description)
    }
  }
}
