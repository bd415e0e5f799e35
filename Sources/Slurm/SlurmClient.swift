import Foundation

/// Slurm's client commands (`sbatch`, `scontrol`, `scancel`), found on a search path.
public struct SlurmClient {
  private let sbatch: String, scontrol: String, scancel: String

  /// Finds the commands on `searchPath` (a `PATH`); throws `SlurmError.missingCommand` for the
  /// first one missing.
  public init(searchPath: String) throws {
    let directories = searchPath.split(separator: ":").map(String.init)
    func locate(_ tool: String) throws -> String {
      guard
        let found = directories.map({ "\($0)/\(tool)" }).first(where: {
          FileManager.default.isExecutableFile(atPath: $0)
        })
      else { throw SlurmError.missingCommand(tool, searched: searchPath) }
      return found
    }
    (sbatch, scontrol, scancel) = (
      try locate("sbatch"), try locate("scontrol"), try locate("scancel")
    )
  }

  /// Submits the script at `path` (held, when `hold`, until `release`), after `dependency`
  /// (`afterany:JOBID`) when given; returns the job id.
  public func submit(_ path: String, hold: Bool = false, dependency: String? = nil) throws
    -> String
  {
    var arguments = ["--parsable"]
    if hold { arguments.append("--hold") }
    if let dependency { arguments.append("--dependency=\(dependency)") }
    let output = try run(sbatch, arguments + [path])
    // --parsable prints `JOBID` or `JOBID;CLUSTER`.
    let id = output.split(separator: ";").first.map(String.init) ?? ""
    guard !id.isEmpty, id.allSatisfy(\.isNumber) else { throw SlurmError.unreadableJobID(output) }
    return id
  }

  /// Lets a held job start.
  public func release(_ job: String) throws { try run(scontrol, ["release", job]) }

  /// Cancels a job (every task of an array).
  public func cancel(_ job: String) throws { try run(scancel, [job]) }

  /// Runs `tool` with `arguments` and returns its standard output, trimmed; throws
  /// `SlurmError.rejected` with its standard error when it fails.
  @discardableResult
  private func run(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let command = ([(tool as NSString).lastPathComponent] + arguments).joined(separator: " ")
      throw SlurmError.rejected(
        command: command,
        message: message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
          ? "exit status \(process.terminationStatus)"
          : message.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return printed.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
