import Foundation
import XCTest

@testable import Plots

/// Every chart type against a committed reference PNG: rendering is byte-identical, so any
/// change to what a chart draws shows up here. Regenerate the references after an intended
/// change with `REPORT_UPDATE_GOLDEN=1 swift test --filter PlotsTests.GoldenImageTests`.
final class GoldenImageTests: XCTestCase {
  func testLineChart() throws {
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
    try assertMatchesGolden(chart, "line_chart.png")
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
}
