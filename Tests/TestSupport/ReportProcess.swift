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
  let result = try runProcess(
    reportExecutable, arguments, in: directory,
    environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
  return ReportResult(
    status: result.status, output: String(decoding: result.output, as: UTF8.self),
    error: String(decoding: result.error, as: UTF8.self))
}

/// The test helper `TestChild` (`Tests/TestChild/main.swift`), built beside the test bundle: a
/// second process for the tests that need one.
public let testChildExecutable = Bundle.main.bundleURL.appendingPathComponent("TestChild")

/// Runs `TestChild` with `arguments` and `environment` (this process's when nil) and returns
/// its exit status, the bytes it printed, and its standard error as text.
public func runTestChild(_ arguments: [String], environment: [String: String]? = nil) throws
  -> (status: Int32, output: Data, error: String)
{
  let result = try runProcess(
    testChildExecutable, arguments, in: repositoryRoot,
    environment: environment ?? ProcessInfo.processInfo.environment)
  return (result.status, result.output, String(decoding: result.error, as: UTF8.self))
}

/// Runs `executable` with `arguments` in `directory` with exactly `environment`, and waits for
/// it: its exit status and the bytes it wrote to standard output and standard error.
private func runProcess(
  _ executable: URL, _ arguments: [String], in directory: String, environment: [String: String]
) throws -> (status: Int32, output: Data, error: Data) {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  process.environment = environment
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let output = out.fileHandleForReading.readDataToEndOfFile()
  let errorData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, output, errorData)
}
