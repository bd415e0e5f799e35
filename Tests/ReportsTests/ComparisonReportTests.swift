import XCTest

@testable import Reports

/// Pieces of the comparison page that need no runs.
final class ComparisonReportTests: XCTestCase {
  func testConfigurationKeysSortWithTheirNumbersAsNumbers() {
    XCTAssertEqual(
      ComparisonReport.keyOrder([
        "model[10]", "training.epochs", "model[2]", "model[1]", "model[0].conv2d.filters",
        "dataset.name",
      ]),
      [
        "dataset.name", "model[0].conv2d.filters", "model[1]", "model[2]", "model[10]",
        "training.epochs",
      ])
  }
}
