import AtomicFiles
import Foundation
import RunStorage

/// `heartbeat.json` in a run folder: the process training the run, when it last showed signs of
/// life and how far it got. Written atomically when the run starts or resumes, after every epoch
/// and every `interval` seconds inside one.
public struct RunHeartbeat: Codable, Equatable, Sendable {
  /// The process writing it.
  public var process: ProcessIdentity
  /// When it was written (ISO 8601, UTC, by the writer's clock).
  public var updatedAt: String
  /// Epochs finished so far.
  public var epochsFinished: Int
  /// The most epochs the run trains.
  public var epochs: Int

  enum CodingKeys: String, CodingKey {
    case process
    case updatedAt = "updated_at"
    case epochsFinished = "epochs_finished"
    case epochs
  }

  /// Seconds between heartbeats inside an epoch.
  public static let interval: TimeInterval = 15

  /// A heartbeat of this process, now.
  public init(epochsFinished: Int, epochs: Int, now: Date = Date()) {
    self.init(
      process: .current, updatedAt: Timestamp.string(now), epochsFinished: epochsFinished,
      epochs: epochs)
  }

  /// A heartbeat with every part given.
  public init(process: ProcessIdentity, updatedAt: String, epochsFinished: Int, epochs: Int) {
    (self.process, self.updatedAt) = (process, updatedAt)
    (self.epochsFinished, self.epochs) = (epochsFinished, epochs)
  }

  /// Writes it into the run folder, atomically.
  public func write(to paths: RunPaths) throws {
    try AtomicFile.writeJSON(self, to: paths.heartbeat)
  }

  /// The run's heartbeat, nil for runs recorded before heartbeats were.
  public static func read(from paths: RunPaths) throws -> RunHeartbeat? {
    guard FileManager.default.fileExists(atPath: paths.heartbeat) else { return nil }
    return try readJSON(RunHeartbeat.self, from: paths.heartbeat)
  }
}

/// The one format of times in run files: ISO 8601 in UTC, to the second.
enum Timestamp {
  private static func formatter() -> ISO8601DateFormatter {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter
  }

  /// `date` as ISO 8601.
  static func string(_ date: Date) -> String { formatter().string(from: date) }

  /// The date `text` names, nil when it is not ISO 8601.
  static func date(_ text: String) -> Date? { formatter().date(from: text) }
}
