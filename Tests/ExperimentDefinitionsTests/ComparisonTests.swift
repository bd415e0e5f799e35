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

  func testLabelBudgetsAndSeedsAreDecodedInOrder() throws {
    let (library, _) = try declared(
      "compare: [a, b]\nseeds: 3\nlabel_budgets:\n  10: 300\n  all: 2\n")
    let comparison = try XCTUnwrap(try library.comparison("both"))
    XCTAssertEqual(comparison.seeds, 3)
    XCTAssertEqual(
      comparison.labelBudgets,
      [LabelBudget(labelsPerClass: 10, epochs: 300), LabelBudget(labelsPerClass: nil, epochs: 2)])
    XCTAssertEqual(
      comparison.labelBudgets[1].overrides, ["dataset.labels_per_class=null", "training.epochs=2"])
  }

  func testLabelBudgetErrorsNameTheFileAndLine() throws {
    let cases: [(String, String)] = [
      (
        "compare: [a, b]\nlabel_budgets:\n  10: 300\n  ten: 2\n",
        ":4:3: label_budgets.ten: a budget is"
      ),
      (
        "compare: [a, b]\nlabel_budgets:\n  10: 300\n  20: 0\n",
        ":4:7: label_budgets.20: epochs must"
      ),
      ("compare: [a, b]\nlabel_budgets: {10: 300}\n", ":2:16: label_budgets maps at least two"),
      ("compare: [a, b]\nseeds: 0\n", ":2:8: seeds must be in 1...100"),
      (
        "compare: [a, b]\nensemble: [a, b]\nlabel_budgets: {10: 3, 20: 2}\n",
        ":3:16: ensemble and label_budgets do not go together"
      ),
    ]
    for (yaml, expected) in cases {
      let (library, file) = try declared(yaml)
      XCTAssertThrowsError(try library.comparison("both"), yaml) {
        XCTAssert("\($0)".hasPrefix(file + expected), "\($0)")
      }
    }
  }
}
