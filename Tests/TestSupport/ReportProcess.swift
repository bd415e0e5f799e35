import Foundation

/// What a `report` process printed and how it exited.
public struct ReportResult {
  public let status: Int32
  public let output: String
  public let error: String
}

/// The built `report` binary, beside the test bundle.
public let reportExecutable = Bundle.main.bundleURL.appendingPathComponent("report")

/// Runs the built `report` binary with `arguments` in `directory`,
/// with `environment` added to this process's, the way a user does.
public func runReport(
  _ arguments: [String], in directory: String = repositoryRoot, environment: [String: String] = [:]
) throws -> ReportResult {
  let process = Process()
  process.executableURL = reportExecutable
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let output = out.fileHandleForReading.readDataToEndOfFile()
  let errorData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return ReportResult(
    status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
    error: String(decoding: errorData, as: UTF8.self))
}
