import Foundation

/// The repository root, found from this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().path

/// The built `report` binary, beside the test bundle.
let reportExecutable = Bundle.main.bundleURL.appendingPathComponent("report")

/// Runs the built `report` with `arguments` in `directory`, as a user does; returns its exit
/// status, standard output and standard error.
func runReport(_ arguments: [String], in directory: String = repositoryRoot) throws -> (
  status: Int32, output: String, error: String
) {
  let process = Process()
  process.executableURL = reportExecutable
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let output = out.fileHandleForReading.readDataToEndOfFile()
  let error = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: output, as: UTF8.self),
    String(decoding: error, as: UTF8.self)
  )
}

/// A fresh scratch directory for the test `name`.
func scratchDirectory(named name: String) throws -> String {
  let dir = NSTemporaryDirectory() + "report-cli-\(name.filter(\.isLetter))-\(getpid())"
  try? FileManager.default.removeItem(atPath: dir)
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}
