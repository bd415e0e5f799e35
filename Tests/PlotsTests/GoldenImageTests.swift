import Foundation
import XCTest

@testable import Plots

/// Every chart type against a committed reference PNG, pixel by pixel within
/// `GoldenComparison`'s tolerances, so any change to what a chart draws shows up here.
/// Regenerate the references after an intended change with
/// `REPORT_UPDATE_GOLDEN=1 swift test --filter PlotsTests.GoldenImageTests`.
final class GoldenImageTests: XCTestCase {
  /// The reference `line_chart.png`: two accuracy curves, a highlighted best epoch, a learning
  /// rate drop and the learning rate on a second axis.
  static func accuracyChart() -> LineChart {
    var chart = LineChart(
      title: "Accuracy", yLabel: "accuracy",
      series: [
        .init(name: "Training accuracy", y: [0.80, 0.90, 0.95, 0.97], color: Palette.color(0)),
        .init(name: "Validation accuracy", y: [0.85, 0.92, 0.94, 0.96], color: Palette.color(1)),
      ])
    chart.highlight = .init(x: 4, y: 0.96, label: "best 96.00% (epoch 4)")
    chart.events = [.init(x: 3, label: "lr → 0.0002")]
    chart.secondary = (
      "learning rate", [.init(name: "learning rate", y: [1e-3, 1e-3, 2e-4, 2e-4])]
    )
    return chart
  }

  func testLineChart() throws {
    try assertMatchesGolden(Self.accuracyChart(), "line_chart.png")
    var loss = LineChart(
      title: "Loss", yLabel: "loss", series: [.init(name: "loss", y: [2, 1, 0.5, 0.3])])
    loss.logScale = true
    try assertMatchesGolden(loss, "line_chart_log.png")
  }

  func testHeatmap() throws {
    let map = Heatmap(
      confusion: [[50, 2, 0], [3, 10, 1], [0, 4, 80]], classNames: ["0", "1", "2"],
      title: "Confusion matrix")
    try assertMatchesGolden(map, "heatmap.png")
    var difference = Heatmap(
      values: [[-3, 2], [0, 5]], rowLabels: ["a", "b"], columnLabels: ["a", "b"],
      title: "difference")
    difference.colormap = .redBlue
    difference.diverging = true
    try assertMatchesGolden(difference, "heatmap_diverging.png")
  }

  func testConfusionStrip() throws {
    try assertMatchesGolden(ConfusionStripTests.strip(), "confusion_strip.png")
  }

  func testImageGrid() throws {
    let tiles = (0..<8).map { i in
      ImageGrid.Tile(
        pixels: syntheticImage(i)[...], rows: 28, columns: 28,
        caption: ["Real 7", "Predicted \(i == 3 ? 1 : 7)"],
        highlighted: i == 3)
    }
    var grid = ImageGrid(tiles: tiles, title: "Predictions", columns: 4)
    grid.colormap = .viridis
    try assertMatchesGolden(grid, "image_grid.png")
  }

  func testBarChart() throws {
    let bars = perClassBars()
    try assertMatchesGolden(bars, "bar_chart.png")
  }

  func testScatterChart() throws {
    var scatter = ScatterChart(
      points: [
        .init(x: 692_682, y: 0.995, label: "baseline"), .init(x: 61_706, y: 0.989, label: "lenet5"),
      ],
      title: "Accuracy vs parameters", xLabel: "parameters", yLabel: "test accuracy")
    scatter.logX = true
    try assertMatchesGolden(scatter, "scatter_chart.png")
  }

  func testModelDiagram() throws {
    let diagram = ModelDiagram(
      inputShape: [28, 28, 1],
      boxes: [
        .init(kind: "Conv2D", settings: "64 3x3 relu", outputShape: [26, 26, 64], parameters: 640),
        .init(kind: "MaxPool2D", settings: "2x2", outputShape: [13, 13, 64], parameters: 0),
        .init(kind: "Dense", settings: "10 softmax", outputShape: [10], parameters: 108_170),
      ], title: "Model")
    try assertMatchesGolden(diagram, "model_diagram.png")
  }

  func testParallelCoordinates() throws {
    try assertMatchesGolden(sweepChart(), "parallel_coordinates.png")
  }

  // MARK: - The comparison itself

  /// The committed reference `name`, decoded.
  private func golden(_ name: String) throws -> RasterImage {
    try RasterImage(pngPath: goldenDirectory + "/" + name)
  }

  /// `figure` rendered to the test output as `name` and decoded.
  private func rendered(_ figure: Figure, _ name: String) throws -> RasterImage {
    let path = try figurePath(name)
    try figure.render(to: path)
    return try RasterImage(pngPath: path)
  }

  func testAOneLevelAntialiasingDifferenceMatches() throws {
    let reference = try golden("line_chart.png")
    // Every antialiased pixel (neither the white page nor a solid fill: a channel strictly
    // between 0 and 255) one level lighter or darker, as another compositing path rounds it.
    var shifted = reference.rgba
    var touched = 0
    for pixel in 0..<reference.width * reference.height {
      let rgb = (pixel * 4..<pixel * 4 + 3)
      guard rgb.contains(where: { (1...254).contains(shifted[$0]) }) else { continue }
      for i in rgb {
        shifted[i] = pixel % 2 == 0 ? min(shifted[i], 254) + 1 : max(shifted[i], 1) - 1
      }
      touched += 1
    }
    XCTAssertGreaterThan(touched, 5_000, "the chart has few antialiased pixels to shift")
    let comparison = GoldenComparison(
      actual: shifted, reference: reference.rgba, width: reference.width,
      height: reference.height)
    XCTAssertEqual(comparison.differingPixels, 0, comparison.summary)
    XCTAssert(comparison.matches, comparison.summary)
    // The same chart rendered again matches exactly.
    let again = GoldenComparison(try rendered(Self.accuracyChart(), "again.png"), reference)
    XCTAssertEqual(again.differingPixels, 0, again.summary)
  }

  func testAChartThatDrawsSomethingElseDoesNotMatch() throws {
    // One validation accuracy changed (0.94 to 0.93): a line segment and a marker move.
    var moved = Self.accuracyChart()
    moved.series[1].y[2] = 0.93
    let line = GoldenComparison(try rendered(moved, "moved.png"), try golden("line_chart.png"))
    XCTAssertFalse(line.matches, line.summary)
    // The smallest changes the tolerances are chosen to catch: one bar 2 points taller, and one
    // tick label's digit.
    var taller = perClassBars()
    taller.values[4] += 2 * 0.2 / 290
    let bar = GoldenComparison(try rendered(taller, "taller.png"), try golden("bar_chart.png"))
    XCTAssertFalse(bar.matches, bar.summary)
    var relabelled = perClassBars()
    relabelled.categories[6] = "8"
    let label = GoldenComparison(
      try rendered(relabelled, "relabelled.png"), try golden("bar_chart.png"))
    XCTAssertFalse(label.matches, label.summary)
    // Another size is never the same image.
    var wider = perClassBars()
    wider.width += 1
    let size = GoldenComparison(try rendered(wider, "wider.png"), try golden("bar_chart.png"))
    XCTAssertFalse(size.sameSize)
    XCTAssertFalse(size.matches)
  }

  func testAMismatchWritesTheRenderedImageAndADiffImage() throws {
    var moved = Self.accuracyChart()
    moved.series[1].y[2] = 0.93
    let path = try figurePath("mismatch.png")
    try moved.render(to: path)
    let reference = try golden("line_chart.png")
    let comparison = GoldenComparison(try RasterImage(pngPath: path), reference)
    let artefacts = try comparison.writeArtefacts(rendered: path)
    XCTAssertEqual(artefacts.actual, try figurePath("mismatch.actual.png"))
    XCTAssertEqual(
      FileManager.default.contents(atPath: artefacts.actual),
      FileManager.default.contents(atPath: path))
    let diffPath = try XCTUnwrap(artefacts.diff)
    XCTAssertEqual(diffPath, try figurePath("mismatch.diff.png"))
    let diff = try RasterImage(pngPath: diffPath)
    XCTAssertEqual([diff.width, diff.height], [reference.width, reference.height])
    // Red exactly where the comparison found differences, grey everywhere else.
    let red = Color(1, 0, 0)
    let pixels = (0..<diff.width * diff.height).map {
      (differs: comparison.differs[$0], color: diff.color(x: $0 % diff.width, y: $0 / diff.width))
    }
    let redWhereDifferent = pixels.filter { $0.differs && isClose($0.color, red, tolerance: 0.01) }
    let greyElsewhere = pixels.filter {
      !$0.differs && $0.color.red == $0.color.green && $0.color.green == $0.color.blue
    }
    XCTAssertGreaterThan(comparison.differingPixels, 0)
    XCTAssertEqual(redWhereDifferent.count, comparison.differingPixels)
    XCTAssertEqual(greyElsewhere.count, pixels.count - comparison.differingPixels)
  }
}
