import XCTest

@testable import Plots

/// Three trials over a log-scaled learning rate, a categorical optimizer and the metric; the
/// worst is dashed (pruned).
func sweepChart() -> ParallelCoordinates {
  var chart = ParallelCoordinates(
    dimensions: [
      .init(name: "learning_rate", values: [0.0001, 0.001, 0.01], logarithmic: true),
      .init(name: "optimizer", labels: ["adam", "sgd", "adam"]),
      .init(name: "val_accuracy", values: [0.5, 0.9, 0.7]),
    ], colorValues: [0.5, 0.9, 0.7], colorLabel: "val_accuracy", title: "Every trial")
  chart.dashed = [true, false, false]
  return chart
}

final class ParallelCoordinatesTests: XCTestCase {
  func testLinesCrossEachAxisAtTheirValueInTheirMetricColour() throws {
    let path = try figurePath("parallel_coordinates_pixels.png")
    try sweepChart().render(to: path)
    let image = try RasterImage(pngPath: path)
    // The plot area spans x 96...630 and y 62...370 of the 760 x 420 chart; the last axis
    // (val_accuracy) is at x = 630 and places values as `Axis` does.
    let axis = Axis(covering: [0.5, 0.9, 0.7], targetTicks: 5)
    func y(_ value: Double) -> Int { Int((370 - axis.fraction(value) * 308).rounded()) }
    let top = Colormap.viridis.color(at: 1)
    let bottom = Colormap.viridis.color(at: 0)
    XCTAssert(
      rows(of: top, in: image, x: 626).contains { abs($0 - y(0.9)) <= 4 },
      "the best trial (yellow) should meet the metric axis at 0.9")
    XCTAssert(
      rows(of: bottom, in: image, x: 626).contains { abs($0 - y(0.5)) <= 4 },
      "the worst trial (purple) should meet the metric axis at 0.5")
    // The categorical axis puts adam at the bottom, sgd at the top: the best trial (sgd) is
    // yellow at the top of the middle axis (x = 96 + 267 = 363).
    XCTAssert(rows(of: top, in: image, x: 359).contains { abs($0 - 62) <= 4 })
    XCTAssertFalse(rows(of: top, in: image, x: 359).contains { abs($0 - 370) <= 4 })
  }

  func testCategoriesFollowTheGivenOrderThenAppearance() {
    let axis = ParallelCoordinates.Dimension(
      name: "augmentation", labels: ["#3", "#1", "#4"], order: ["#1", "#2", "#3"])
    XCTAssertEqual(axis.categories, ["#1", "#2", "#3", "#4"])
    XCTAssertEqual(axis.values, [2, 0, 3])
  }
}
