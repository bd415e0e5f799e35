import Foundation
import RunStorage

/// Tells a run that is training from one whose process is gone. `lost` is derived whenever a run
/// is read and never stored: a run folder says `running` until its process finishes it, and only
/// the reader knows whether that process still exists.
public enum RunLiveness {
  /// A run recorded on another machine (or before heartbeats) is lost once its heartbeat is this
  /// old: 5 minutes, twenty heartbeats. The longest stretch without one is the final test
  /// evaluation and report (well under a minute for the paper's model on 2 cores), and clocks of
  /// machines sharing an output folder may differ by a minute or two.
  public static let staleAfter: TimeInterval = 300

  /// How a run whose folder records `recorded` stands now: `lost` when it is recorded as running
  /// but its process is gone. On the machine that runs it, the process is looked up (its pid and
  /// start time); elsewhere the heartbeat's age decides.
  public static func status(recorded: RunStatus, paths: RunPaths, now: Date = Date()) throws
    -> RunStatus
  {
    guard recorded == .running else { return recorded }
    guard let heartbeat = try RunHeartbeat.read(from: paths) else {
      // Recorded before heartbeats: summary.json was the last sign of life.
      let written =
        (try? FileManager.default.attributesOfItem(atPath: paths.summary))?[.modificationDate]
        as? Date
      return now.timeIntervalSince(written ?? .distantPast) > staleAfter ? .lost : .running
    }
    if heartbeat.process.isOnThisMachine {
      return heartbeat.process.isRunning ? .running : .lost
    }
    guard let beat = Timestamp.date(heartbeat.updatedAt) else {
      throw RunError.corruptRecord(
        path: paths.heartbeat, reason: "updated_at '\(heartbeat.updatedAt)' is not an ISO 8601 time"
      )
    }
    return now.timeIntervalSince(beat) > staleAfter ? .lost : .running
  }
}
