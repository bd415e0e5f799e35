import Foundation
import XCTest

@testable import Plots

final class ConfusionStripTests: XCTestCase {
  /// Two runs, three epochs of 3x3 matrices; the second run has no third epoch.
  static func strip() -> ConfusionStrip {
    let early = [[8, 6, 0], [1, 9, 2], [0, 3, 7]]
    let middle = [[12, 2, 0], [0, 11, 1], [0, 1, 9]]
    let late = [[14, 0, 0], [0, 12, 0], [0, 1, 9]]
    return ConfusionStrip(
      rows: [
        .init(
          label: "baseline",
          panels: [
            .init(label: "epoch 1", counts: early), .init(label: "epoch 5", counts: middle),
            .init(label: "epoch 10", counts: late),
          ]),
        .init(
          label: "wide",
          panels: [
            .init(label: "epoch 1", counts: middle), .init(label: "epoch 5", counts: late),
            .init(label: "epoch 10", counts: nil),
          ]),
      ], title: "Validation confusions by epoch")
  }

  func testSampleKeepsFirstAndLastEvenlySpaced() {
    XCTAssertEqual(ConfusionStrip.sample(4, limit: 10), [0, 1, 2, 3])
    XCTAssertEqual(ConfusionStrip.sample(100, limit: 10), [0, 11, 22, 33, 44, 55, 66, 77, 88, 99])
    XCTAssertEqual(ConfusionStrip.sample(11, limit: 3), [0, 5, 10])
    XCTAssertEqual(ConfusionStrip.sample(0, limit: 10), [])
  }

  func testMistakesAreRedOnOneScaleAndTheDiagonalGrey() throws {
    let strip = Self.strip()
    XCTAssertEqual(strip.largestMistake, 6)
    XCTAssertEqual(strip.rows[0].panels[0].mistakes, 12)
    let path = try figurePath("confusion_strip.png")
    try strip.render(to: path)
    let image = try RasterImage(pngPath: path)
    XCTAssertEqual(Double(image.width), strip.size.width, accuracy: 1)
    // Panels start at (16 + label width, 44), 96 points wide with 14 between; cells are 32.
    let left = 16.0 + min(160, 8 * 7 + 16)
    func color(row: Int, panel: Int, cell: (Int, Int)) -> Color {
      image.color(
        x: Int(left + Double(panel) * 110 + Double(cell.1) * 32 + 16),
        y: Int(44 + Double(row) * 130 + Double(cell.0) * 32 + 16))
    }
    // The largest mistake (6, epoch 1 of the first run) is the darkest red; a cell without
    // mistakes is white, a single one clearly pink; right answers are grey however many there
    // are.
    let worst = color(row: 0, panel: 0, cell: (0, 1))
    XCTAssert(isClose(worst, Colormap.reds.color(at: 1), tolerance: 0.02), "\(worst)")
    XCTAssertGreaterThan(worst.red, worst.green + 0.3)
    XCTAssertEqual(color(row: 0, panel: 2, cell: (0, 1)), .white)
    let one = color(row: 0, panel: 2, cell: (2, 1))
    XCTAssert(one.green < 0.9 && one.red > 0.95, "one mistake is visible: \(one)")
    for panel in 0..<3 {
      XCTAssert(
        isClose(color(row: 0, panel: panel, cell: (1, 1)), ConfusionStrip.diagonal, tolerance: 0.02)
      )
    }
    // The same count is the same colour in both rows: one scale for the strip.
    XCTAssertEqual(
      color(row: 0, panel: 1, cell: (0, 1)), color(row: 1, panel: 0, cell: (0, 1)))
    // A run without the epoch leaves its panel blank.
    XCTAssert(isClose(color(row: 1, panel: 2, cell: (0, 1)), .white, tolerance: 0.02))
    XCTAssert(isClose(color(row: 1, panel: 2, cell: (1, 1)), .white, tolerance: 0.02))
  }

  func testNoMatricesOrNoMistakesStillDraw() throws {
    let none = ConfusionStrip(rows: [], title: "none")
    try none.render(to: try figurePath("strip_none.png"))
    let perfect = ConfusionStrip(
      rows: [.init(label: "", panels: [.init(label: "epoch 1", counts: [[5, 0], [0, 5]])])],
      title: "perfect")
    XCTAssertEqual(perfect.largestMistake, 0)
    XCTAssertEqual(perfect.color(count: 0, row: 0, column: 1), .white)
    try perfect.render(to: try figurePath("strip_perfect.png"))
  }
}
