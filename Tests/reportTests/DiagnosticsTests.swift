import Foundation
import TestSupport
import XCTest

/// What `report` says on standard error goes through one logger, whose level `--quiet` and
/// `--verbose` set; standard output keeps the results.
final class DiagnosticsTests: XCTestCase {
  private func tinyExperiment(in dir: String) throws -> String {
    try write(
      """
      seed: 1
      dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 200, test_subset: 50}
      model: [{conv2d: {filters: 2, kernel: 3, activation: relu}}, flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """, to: dir + "/tiny.yaml")
    return dir + "/tiny.yaml"
  }

  func testQuietKeepsOnlyWarningsAndErrorsAndTheResultOnStandardOutput() throws {
    let dir = try scratch()
    let experiment = try tinyExperiment(in: dir)
    let loud = try runReport(["run", experiment, "--output", dir + "/loud"])
    XCTAssertEqual(loud.status, 0, loud.error)
    XCTAssert(loud.error.contains("training tiny, seed 1"), loud.error)
    XCTAssert(loud.error.contains("test accuracy"), loud.error)
    let quiet = try runReport(["run", experiment, "--output", dir + "/quiet", "--quiet"])
    XCTAssertEqual(quiet.status, 0, quiet.error)
    XCTAssertEqual(quiet.error, "", "--quiet printed more than warnings and errors")
    XCTAssert(quiet.output.hasSuffix("/report.html\n"), quiet.output)
  }

  func testErrorsStillShowWhenQuietAndQuietWithVerboseIsRefused() throws {
    let dir = try scratch()
    let missing = try runReport(["show", "no_such_run", "--output", dir, "--quiet"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssert(missing.error.contains("no run 'no_such_run'"), missing.error)
    let both = try runReport(["list", "--output", dir, "--quiet", "--verbose"])
    XCTAssertNotEqual(both.status, 0)
    XCTAssert(both.error.contains("--quiet and --verbose cannot be given together"), both.error)
  }
}
