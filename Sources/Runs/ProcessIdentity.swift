import Foundation

/// Which process on which machine: enough to tell, later, whether that very process still runs.
/// A pid alone is not: pids are reused, so the process's start time (and the machine's boot)
/// is kept with it.
public struct ProcessIdentity: Codable, Equatable, Sendable {
  /// The process id.
  public var pid: Int32
  /// The machine's host name.
  public var host: String
  /// `/proc/sys/kernel/random/boot_id`: differs after every reboot (nil where unreadable).
  public var bootID: String?
  /// When the process started, in clock ticks after boot (`/proc/<pid>/stat`, field 22); nil
  /// where unreadable.
  public var startTicks: UInt64?

  enum CodingKeys: String, CodingKey {
    case pid, host
    case bootID = "boot_id"
    case startTicks = "start_ticks"
  }

  /// An identity with every part given.
  public init(pid: Int32, host: String, bootID: String?, startTicks: UInt64?) {
    (self.pid, self.host, self.bootID, self.startTicks) = (pid, host, bootID, startTicks)
  }

  /// This process.
  public static var current: ProcessIdentity {
    let pid = getpid()
    return ProcessIdentity(
      pid: pid, host: hostName, bootID: currentBootID, startTicks: startTicks(of: pid))
  }

  /// This machine's host name.
  public static var hostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(cString: buffer)
  }

  /// This boot of this machine.
  public static var currentBootID: String? {
    FileManager.default.contents(atPath: "/proc/sys/kernel/random/boot_id").map {
      String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
  }

  /// The start time of process `pid` in clock ticks after boot, nil when there is no such
  /// process (or /proc cannot tell).
  public static func startTicks(of pid: Int32) -> UInt64? { procStat(of: pid)?.startTicks }

  /// The state letter and start time of process `pid` from `/proc/<pid>/stat`.
  private static func procStat(of pid: Int32) -> (state: Substring, startTicks: UInt64)? {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
    return procStat(line: String(decoding: data, as: UTF8.self))
  }

  /// Fields 3 (state) and 22 (start time) of a `/proc/<pid>/stat` line. The command name
  /// (field 2) is in parentheses and may itself hold spaces and parentheses, so fields are
  /// counted after the last ')'.
  static func procStat(line: String) -> (state: Substring, startTicks: UInt64)? {
    guard let close = line.lastIndex(of: ")") else { return nil }
    let fields = line[line.index(after: close)...].split(separator: " ")
    // fields[0] is field 3, so field 22 is fields[19].
    guard fields.count > 19, let ticks = UInt64(fields[19]) else { return nil }
    return (fields[0], ticks)
  }

  /// Whether this identity is on the machine (host name and boot) this process runs on, where
  /// its process can be looked up.
  public var isOnThisMachine: Bool {
    host == Self.hostName && bootID != nil && bootID == Self.currentBootID
  }

  /// Whether the process still runs: a process with this pid exists, is not a zombie (killed
  /// and not yet reaped by its parent), and started when this one did. Only meaningful when
  /// `isOnThisMachine`.
  public var isRunning: Bool {
    guard let found = Self.procStat(of: pid) else { return false }
    guard found.state != "Z", found.state != "X" else { return false }
    return startTicks.map { $0 == found.startTicks } ?? true
  }
}
