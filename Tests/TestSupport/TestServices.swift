import Foundation

/// The services tests talk to (PostgreSQL, Slurm), as `scripts/services.sh` starts them.
/// `.ci/run` starts them first and exports their environment; when a variable is missing, the
/// first test that needs the service starts it here, so `swift test` alone runs every test.
public enum TestServices {
  /// What `scripts/services.sh start` (or `psql`) failed with.
  public struct StartFailure: Error, CustomStringConvertible {
    public let description: String
  }

  private static let lock = NSLock()

  /// The URI of a PostgreSQL database the tests may fill (`REPORT_TEST_POSTGRES`).
  public static func postgreSQL() throws -> String {
    try variable("REPORT_TEST_POSTGRES", service: "postgres")
  }

  /// The URI of an empty schema `name` of its own on the test server (dropped and created anew
  /// with `psql`), selected through the URI's `search_path`, so that tests do not share rows.
  public static func postgreSQLSchema(_ name: String) throws -> String {
    let server = try postgreSQL()
    let schema = "test_" + name.filter { $0.isLetter || $0.isNumber }.lowercased()
    try run(
      "/usr/bin/psql",
      [
        server, "-v", "ON_ERROR_STOP=1", "-qc",
        "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS \(schema) CASCADE; "
          + "CREATE SCHEMA \(schema)",
      ])
    return server + (server.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
  }

  /// The Slurm configuration of the test cluster (`SLURM_CONF`, set in this process's
  /// environment so that `sbatch` and the processes tests start find the cluster).
  public static func slurm() throws -> String {
    try variable("SLURM_CONF", service: "slurm")
  }

  /// Starts (or starts again) a PostgreSQL server of a test's own, in `directory` and on `port`,
  /// for a test that stops it; returns its URI. Keep `directory` short: the server's Unix socket
  /// lives there, and its path may not exceed 107 bytes.
  public static func privatePostgreSQL(directory: String, port: Int) throws -> String {
    let printed = try run("/usr/bin/env", privateServer(directory, port) + ["start", "postgres"])
    guard
      let line = printed.split(separator: "\n").first(where: {
        $0.hasPrefix("export REPORT_TEST_POSTGRES=")
      })
    else {
      throw StartFailure(description: "services.sh printed no REPORT_TEST_POSTGRES: \(printed)")
    }
    return String(line.dropFirst("export REPORT_TEST_POSTGRES=".count))
  }

  /// Stops the server `privatePostgreSQL` started in `directory` and on `port`.
  public static func stopPrivatePostgreSQL(directory: String, port: Int) throws {
    try run("/usr/bin/env", privateServer(directory, port) + ["stop", "postgres"])
  }

  private static func privateServer(_ directory: String, _ port: Int) -> [String] {
    [
      "REPORT_SERVICES_DIR=\(directory)", "REPORT_POSTGRES_PORT=\(port)", "/bin/bash",
      repositoryRoot + "/scripts/services.sh",
    ]
  }

  /// `name` from the environment, after starting `service` and exporting what it prints when
  /// the environment lacks it.
  private static func variable(_ name: String, service: String) throws -> String {
    lock.lock()
    defer { lock.unlock() }
    if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
    let printed = try run("/bin/bash", [repositoryRoot + "/scripts/services.sh", "start", service])
    for line in printed.split(separator: "\n") where line.hasPrefix("export ") {
      let assignment = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
      if assignment.count == 2 { setenv(String(assignment[0]), String(assignment[1]), 1) }
    }
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
      throw StartFailure(
        description: "scripts/services.sh start \(service) did not print \(name): \(printed)")
    }
    return value
  }

  /// Runs `tool` with `arguments` and returns its standard output; throws with its standard
  /// error when it fails. Through `system` and files rather than `Process` and pipes:
  /// Foundation's `Process` never sees the script exit once it has started a daemon.
  @discardableResult
  private static func run(_ tool: String, _ arguments: [String]) throws -> String {
    let base =
      NSTemporaryDirectory() + "report-services-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer {
      try? FileManager.default.removeItem(atPath: base + ".out")
      try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let quoted = ([tool] + arguments).map {
      "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    let status = system(
      quoted.joined(separator: " ") + " </dev/null >'\(base).out' 2>'\(base).err'")
    let printed = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let complaints = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    guard status == 0 else {
      throw StartFailure(
        description: "\(([tool] + arguments).joined(separator: " ")) failed: \(complaints)")
    }
    return printed
  }
}
