import Foundation
import XCTest

@testable import Plots

final class HeatmapAndGridTests: XCTestCase {
  func testDarkestCellIsTheLargestCount() throws {
    let confusion = [[50, 2, 0], [3, 10, 1], [0, 4, 80]]
    let map = Heatmap(confusion: confusion, classNames: ["0", "1", "2"], title: "Confusion matrix")
    let path = try figurePath("confusion.png")
    try map.render(to: path)
    let image = try RasterImage(pngPath: path)
    XCTAssertEqual(Double(image.width), map.size.width, accuracy: 1)
    // Cells start at (labelWidth + 20, 44) and are side / 3 wide; sample near each cell's corner.
    let cell = 620.0 / 3
    let left = 40.0 + 20
    var darkest = (0, 0)
    var lowest = 2.0
    for r in 0..<3 {
      for c in 0..<3 {
        let color = image.color(
          x: Int(left + Double(c) * cell + 6), y: Int(44 + Double(r) * cell + 6))
        if color.luminance < lowest { (lowest, darkest) = (color.luminance, (r, c)) }
      }
    }
    XCTAssertEqual(darkest.0, 2)
    XCTAssertEqual(darkest.1, 2)
    // The count in the darkest cell is written in white for contrast.
    let center = (Int(left + 2.5 * cell), Int(44 + 2.5 * cell))
    let whitePixels = (-12...12).flatMap { dx in
      (-10...4).map { dy in image.color(x: center.0 + dx, y: center.1 + dy) }
    }.filter { $0.luminance > 0.9 }
    XCTAssertGreaterThan(whitePixels.count, 5)
  }

  func testRowNormalisationDivergingAndDegenerateMatrices() throws {
    var map = Heatmap(confusion: [[1, 3], [0, 0]], classNames: ["a", "b"], title: "normalised")
    map.normalizeRows = true
    XCTAssertEqual(map.displayed, [[0.25, 0.75], [0, 0]])
    try map.render(to: try figurePath("normalised.png"))
    var difference = Heatmap(
      values: [[-3, 2], [0, 5]], rowLabels: ["a", "b"], columnLabels: ["a", "b"],
      title: "difference")
    difference.colormap = .redBlue
    difference.diverging = true
    let diffPath = try figurePath("difference.png")
    try difference.render(to: diffPath)
    let image = try RasterImage(pngPath: diffPath)
    let negative = image.color(x: 66, y: 50)
    let positive = image.color(x: 66 + 310, y: 50 + 310)
    XCTAssertGreaterThan(negative.red, negative.blue, "negative values are red")
    XCTAssertGreaterThan(positive.blue, positive.red, "positive values are blue")
    try Heatmap(
      confusion: Array(repeating: Array(repeating: 0, count: 10), count: 10),
      classNames: (0...9).map(String.init), title: "zeros"
    ).render(to: try figurePath("zeros.png"))
    let hundred = (0..<100).map { r in (0..<100).map { c in r == c ? 90 : (r + c) % 7 } }
    try Heatmap(
      confusion: hundred, classNames: (0..<100).map { "class \($0)" }, title: "100 classes"
    ).render(to: try figurePath("hundred.png"))
    try Heatmap(confusion: [], classNames: [], title: "empty").render(
      to: try figurePath("empty.png"))
  }

  func testImageGridSizesFramesAndExtremes() throws {
    let tiles = (0..<16).map { i in
      ImageGrid.Tile(
        pixels: syntheticImage(i)[...], rows: 28, columns: 28,
        caption: ["Real 7", "Predicted \(i == 3 ? 1 : 7) (99%)"], highlighted: i == 3)
    }
    let grid = ImageGrid(tiles: tiles, title: "Predictions", columns: 4)
    XCTAssertEqual(grid.size.width, 4 * (112 + 12) + 20)
    let path = try figurePath("gallery.png")
    try grid.render(to: path)
    let image = try RasterImage(pngPath: path)
    // Tile 3 (row 0, column 3) is framed in red just left of its image.
    let frameX = 16 + 3 * 124 - 1
    XCTAssertFalse(rows(of: .error, in: image, x: frameX).isEmpty, "wrong prediction not framed")
    XCTAssert(
      rows(of: .error, in: image, x: 16 + 2 * 124 - 1).isEmpty, "a right prediction is framed")
    // Nearest-neighbour scaling: a bright source pixel becomes a solid 4x4 block. Tile 0's image
    // starts at (16, 78) below the title; its source row 6 is bright, row 7 dark
    // (`syntheticImage(0)`).
    for dx in 0..<4 {
      for dy in 0..<4 {
        XCTAssertGreaterThan(
          image.color(x: 16 + 4 + dx, y: 78 + 6 * 4 + dy).luminance, 0.95,
          "bright block at \(dx), \(dy)")
        XCTAssertLessThan(
          image.color(x: 16 + 4 + dx, y: 78 + 7 * 4 + dy).luminance, 0.05,
          "dark block at \(dx), \(dy)")
      }
    }
    XCTAssertNoThrow(
      try ImageGrid(tiles: [], title: "none", columns: 4).render(to: try figurePath("none.png")))
    let many = (0..<1000).map {
      ImageGrid.Tile(pixels: syntheticImage($0)[...], rows: 28, columns: 28, caption: ["\($0)"])
    }
    let big = ImageGrid(tiles: many, title: "1000 images", columns: 40)
    XCTAssertLessThanOrEqual(big.size.width, 1400)
    try big.render(to: try figurePath("thousand.png"))
  }

  func testGreyscaleImageIsCrisp() throws {
    var pixels = [UInt8](repeating: 0, count: 784)
    pixels[0] = 255
    var grid = ImageGrid(
      tiles: [.init(pixels: pixels[...], rows: 28, columns: 28, caption: [])], title: "", columns: 1
    )
    grid.imageSide = 112
    let path = try figurePath("crisp.png")
    try grid.render(to: path)
    let image = try RasterImage(pngPath: path)
    // The image starts at (16, 48); pixel (0, 0) covers a 4x4 block that is white, the next black.
    XCTAssertGreaterThan(image.color(x: 17, y: 49).luminance, 0.95)
    XCTAssertGreaterThan(image.color(x: 19, y: 51).luminance, 0.95)
    XCTAssertLessThan(image.color(x: 21, y: 49).luminance, 0.05)
  }

  func testBarScatterAndDiagram() throws {
    let bars = perClassBars()
    let barsPath = try figurePath("bars.png")
    try bars.render(to: barsPath)
    // Plot area 72...620 x 40...330, ten slots of 54.8; the axis runs 0.8...1, so bar 0 (0.90)
    // rises to the middle, 185, and the highlighted bar 9 is drawn in the second palette colour.
    let barImage = try RasterImage(pngPath: barsPath)
    let bar0 = rows(of: Palette.color(0), in: barImage, x: Int(72 + 0.5 * 54.8 + 10))
    XCTAssertEqual(Double(bar0.min() ?? 0), 185, accuracy: 2, "bar 0's top")
    XCTAssertEqual(Double(bar0.max() ?? 0), 330, accuracy: 2, "bar 0's foot")
    let bar9 = Int(72 + 9.5 * 54.8 + 10)
    XCTAssert(
      rows(of: Palette.color(0), in: barImage, x: bar9).isEmpty,
      "the highlighted bar is in the plain colour")
    XCTAssertEqual(
      Double(rows(of: Palette.color(1), in: barImage, x: bar9).min() ?? 0), 330 - 0.95 * 290,
      accuracy: 2)
    let scatter = ScatterChart(
      points: [
        .init(x: 692_682, y: 0.995, label: "baseline"), .init(x: 61_706, y: 0.989, label: "lenet5"),
        .init(x: .nan, y: 1, label: "bad"),
      ], title: "Accuracy vs parameters", xLabel: "parameters", yLabel: "test accuracy")
    let scatterPath = try figurePath("scatter.png")
    try scatter.render(to: scatterPath)
    // The larger, more accurate model's point lies right of and above the smaller one's; the
    // point with no x is left out, so the third colour never appears.
    let scatterImage = try RasterImage(pngPath: scatterPath)
    func centre(_ color: Color) -> (x: Double, y: Double)? {
      let pixels = (72..<620).flatMap { x in
        rows(of: color, in: scatterImage, x: x).filter { (40..<342).contains($0) }.map { (x, $0) }
      }
      guard !pixels.isEmpty else { return nil }
      return (
        Double(pixels.map(\.0).reduce(0, +)) / Double(pixels.count),
        Double(pixels.map(\.1).reduce(0, +)) / Double(pixels.count)
      )
    }
    let baseline = try XCTUnwrap(centre(Palette.color(0)))
    let lenet = try XCTUnwrap(centre(Palette.color(1)))
    XCTAssertGreaterThan(baseline.x, lenet.x + 100)
    XCTAssertLessThan(baseline.y, lenet.y - 50)
    XCTAssertNil(centre(Palette.color(2)), "a point with no x was drawn")
    let diagram = ModelDiagram(
      inputShape: [28, 28, 1],
      boxes: [
        .init(kind: "Conv2D", settings: "64 3x3 relu", outputShape: [26, 26, 64], parameters: 640),
        .init(kind: "Dense", settings: "10 softmax", outputShape: [10], parameters: 6_500),
      ], title: "Model")
    let path = try figurePath("diagram.png")
    try diagram.render(to: path)
    XCTAssertEqual(try RasterImage(pngPath: path).height, Int(diagram.size.height))
    XCTAssertEqual(692_682.withThousandsSeparators, "692,682")
    XCTAssertEqual(12.withThousandsSeparators, "12")
  }

  func testScatterLabelsStayOnTheCanvasAndNeverOverlap() {
    // Canvas 640 wide, plot area ending at 620: a 300-wide label fits right of a point at 100,
    // and left of a point at 600; a 700-wide one fits nowhere and shrinks into the roomier side.
    let labels = ScatterChart.placeLabels(
      [(100, 50), (600, 200), (150, 300), (500, 300)], widths: [300, 300, 700, 700],
      plotTop: 0, plotRight: 620, canvasWidth: 640)
    XCTAssertEqual(labels[0], .init(x: 108, baseline: 43, align: .left, maxWidth: 528))
    XCTAssertEqual(labels[1], .init(x: 592, baseline: 193, align: .right, maxWidth: 588))
    XCTAssertEqual(labels[2], .init(x: 158, baseline: 293, align: .left, maxWidth: 478))
    // The last two share a row and would cross: the later one moves a line down.
    XCTAssertEqual(labels[3], .init(x: 492, baseline: 305, align: .right, maxWidth: 488))
    // Three runs at one spot (seeds with equal accuracy): their labels stack 12 points apart.
    let stacked = ScatterChart.placeLabels(
      Array(repeating: (300, 100), count: 3), widths: [90, 90, 90], plotTop: 0, plotRight: 620,
      canvasWidth: 640)
    XCTAssertEqual(stacked.map(\.baseline), [93, 105, 117])
    XCTAssertEqual(Set(stacked.map(\.x)), [308])
    // A point on the plot's top edge (40) keeps its label inside the plot, clear of the title.
    let top = ScatterChart.placeLabels(
      [(300, 40)], widths: [90], plotTop: 40, plotRight: 620, canvasWidth: 640)
    XCTAssertEqual(top.map(\.baseline), [50])
  }

  func testScatterAxesKeepEveryPointOffTheFrame() {
    // The architectures comparison: 99.60% is a nice tick, so the axis used to end on it.
    let y = Axis(covering: ScatterChart.withMargins([0.9881, 0.996, 0.9945]))
    XCTAssertLessThan(y.lower, 0.9881)
    XCTAssertGreaterThan(y.upper, 0.996)
    let x = Axis(
      covering: ScatterChart.withMargins([1_000, 100_000], logarithmic: true), logarithmic: true)
    XCTAssertEqual(x.lower, 100, accuracy: 1e-9)
    XCTAssertEqual(x.upper, 1_000_000, accuracy: 1e-6)
    // Seconds never go below zero.
    XCTAssertEqual(Axis(covering: ScatterChart.withMargins([266, 9_185])).lower, 0)
    // One point, or points all alike, are left to the axis's own widening.
    XCTAssertEqual(ScatterChart.withMargins([0.5, 0.5]), [0.5, 0.5])
  }

  func testUnreadablePNGIsAnError() throws {
    let path = try figurePath("not-a-png.png")
    try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try RasterImage(pngPath: path)) {
      XCTAssert("\($0)".contains("not a readable PNG"), "\($0)")
    }
  }
}
