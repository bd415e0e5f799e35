import Foundation
import TestSupport
import XCTest

/// `report serve` in a real headless Chromium (Debian's `chromium`, driven by Playwright for
/// Python from the tests' venv): the runs page sorts and filters, 20 test digits drawn as mouse
/// strokes get the class `report predict` gives them, a live report follows a training run
/// without reloading, and no page asks for anything off the server. `Tests/Browser/browser_test.py`
/// does the clicking; this test trains the runs, starts the server and stops it with SIGTERM.
final class BrowserTests: XCTestCase {
  private func playwrightPython() throws -> String {
    let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    let chromium = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
    guard let python = notebookPython(), chromium,
      (try? runChecked(python, ["-c", "import playwright"])) != nil
    else {
      let missing = "Playwright in the tests' venv and Debian's chromium (scripts/setup.sh)"
      if inCI { throw ServeTestError.missing(missing) }
      throw XCTSkip("needs " + missing)
    }
    return python
  }

  func testTheServedPagesInARealBrowser() throws {
    let python = try playwrightPython()
    let dir = try scratch()
    let out = dir + "/out"
    // A model good enough to read digits, and a tiny second run to sort and filter against.
    let quick = try runReport(["run", "quick", "--set", "tags=[first]", "--output", out, "--quiet"])
    XCTAssertEqual(quick.status, 0, quick.error)
    try write(tinyExperimentYAML(epochs: 1) + "\ntags: [second]\n", to: dir + "/tiny.yaml")
    let tiny = try runReport(["run", dir + "/tiny.yaml", "--output", out, "--quiet"])
    XCTAssertEqual(tiny.status, 0, tiny.error)
    let listed = try runReport(["list", "--output", out, "--json"])
    let rows = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
    var experiments: [String: String] = [:]
    for row in rows { experiments[row["run_id"] as! String] = row["experiment"] as? String }
    let quickRun = try XCTUnwrap(experiments.first { $0.value == "quick" }?.key)
    // A slower run for the live page: several epochs of a few seconds each.
    try write(
      tinyExperimentYAML(epochs: 6).replacingOccurrences(of: "subset: 600", with: "subset: 8000")
        .replacingOccurrences(of: "description: tiny", with: "name: live\ndescription: tiny"),
      to: dir + "/live.yaml")
    let digits = try testDigits(count: 20, dir: dir, run: quickRun, out: out)
    let server = try ServedOutput(output: out)
    defer { server.stop() }
    let cases: [String: Any] = [
      "base": server.address, "chromium": "/usr/bin/chromium", "run": quickRun,
      "experiments": experiments, "first_tag_run": quickRun, "digits": digits,
      "live": [
        "report": reportExecutable.path, "experiment": dir + "/live.yaml", "output": out,
      ],
    ]
    try JSONSerialization.data(withJSONObject: cases).write(
      to: URL(fileURLWithPath: dir + "/cases.json"))
    let result = try runChecked(
      python, [repositoryRoot + "/Tests/Browser/browser_test.py", dir + "/cases.json"],
      allowFailure: true)
    print(result.output)  // one line per browser check, in the test log
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertEqual(server.stop(), 0, "report serve stops cleanly on SIGTERM")
  }

  /// The first `count` test digits: their pixels, and the class `report predict` gives each one
  /// drawn as a person would (dark ink on white, 5x larger, as a PNG).
  private func testDigits(count: Int, dir: String, run: String, out: String) throws
    -> [[String: Any]]
  {
    let digits = try DrawnDigit.testDigits(count, in: dir)
    let predicted = try runReport(["predict", run] + digits.map(\.png) + ["--output", out])
    XCTAssertEqual(predicted.status, 0, predicted.error)
    let classes = predicted.output.split(separator: "\n").map {
      Int($0.split(separator: " ")[1])!
    }
    return (0..<count).map {
      ["pixels": digits[$0].pixels.map(Int.init), "expected": classes[$0]]
    }
  }
}

/// Why a browser test cannot run in CI.
enum ServeTestError: Error, CustomStringConvertible {
  case missing(String)
  case noAddress(String)

  var description: String {
    switch self {
    case .missing(let what): return "CI needs \(what)"
    case .noAddress(let printed): return "report serve printed no address: \(printed)"
    }
  }
}

/// `report serve --port 0` over an output folder, in its own process.
final class ServedOutput {
  private let process = Process()
  private var status: Int32?
  /// The address it printed (`http://127.0.0.1:PORT/`).
  let address: String

  init(output: String) throws {
    process.executableURL = reportExecutable
    process.arguments = ["serve", "--output", output, "--port", "0"]
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    var printed = Data()
    while !printed.contains(UInt8(ascii: "\n")) {
      let chunk = pipe.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      printed += chunk
    }
    let line = String(decoding: printed, as: UTF8.self)
    guard let match = line.firstMatch(of: /http:\/\/[^ ]+\//) else {
      process.terminate()
      throw ServeTestError.noAddress(line)
    }
    address = String(match.0)
  }

  /// Sends SIGTERM (once) and returns the exit status.
  @discardableResult
  func stop() -> Int32 {
    if let status { return status }
    process.terminate()
    process.waitUntilExit()
    status = process.terminationStatus
    return status!
  }
}

/// Runs `executable` and returns its exit status and what it printed (both streams); throws on a
/// failure unless `allowFailure`.
@discardableResult
private func runChecked(_ executable: String, _ arguments: [String], allowFailure: Bool = false)
  throws -> (status: Int32, output: String)
{
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  if process.terminationStatus != 0 && !allowFailure {
    throw ServeTestError.missing("\(executable) \(arguments.joined(separator: " ")): \(output)")
  }
  return (process.terminationStatus, output)
}
