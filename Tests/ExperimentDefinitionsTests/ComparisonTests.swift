import Foundation
import TestSupport
import XCTest

@testable import ExperimentDefinitions

/// Declared comparisons: the `compare:` list and the optional `ensemble:` list, with errors at
/// file:line.
final class ComparisonTests: XCTestCase {
  private func declared(_ comparison: String) throws -> (ExperimentLibrary, String) {
    let dir = try scratch()
    for name in ["a", "b"] { try write(tinyExperimentYAML(), to: "\(dir)/\(name).yaml") }
    try write(comparison, to: dir + "/both.yaml")
    return (ExperimentLibrary(directory: dir), dir + "/both.yaml")
  }

  func testAnEnsembleListIsDecoded() throws {
    let (library, _) = try declared("compare: [a, b]\nensemble: [a, b]\n")
    let comparison = try XCTUnwrap(try library.comparison("both"))
    XCTAssertEqual(comparison.experiments, ["a", "b"])
    XCTAssertEqual(comparison.ensemble, ["a", "b"])
    let (plain, _) = try declared("compare: [a, b]\n")
    XCTAssertEqual(try plain.comparison("both")?.ensemble, [])
  }

  func testEnsembleErrorsNameTheFileAndLine() throws {
    let (unknown, file) = try declared("title: T\ncompare: [a, b]\nensemble:\n  - a\n  - c\n")
    XCTAssertThrowsError(try unknown.comparison("both")) {
      XCTAssert(
        "\($0)".hasPrefix("\(file):5:") && "\($0)".contains("no experiment named 'c'"), "\($0)")
    }
    let (single, file2) = try declared("compare: [a, b]\nensemble: [a]\n")
    XCTAssertThrowsError(try single.comparison("both")) {
      XCTAssertEqual(
        "\($0)", "\(file2):2:11: ensemble must list at least two experiments to average")
    }
    let (nested, file3) = try declared("compare: [a, b]\nensemble: [a, [b]]\n")
    XCTAssertThrowsError(try nested.comparison("both")) {
      XCTAssert("\($0)".hasPrefix("\(file3):2:") && "\($0)".contains("ensemble lists"), "\($0)")
    }
  }
}
