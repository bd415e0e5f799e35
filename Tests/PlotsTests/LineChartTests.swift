import Foundation
import XCTest

@testable import Plots

final class LineChartTests: XCTestCase {
  func testSeriesLandsWhereItsValuesSayAndLegendIsDrawn() throws {
    let red = Color(1, 0, 0)
    let blue = Color(0, 0, 1)
    var chart = LineChart(
      title: "Accuracy", yLabel: "accuracy",
      series: [
        .init(name: "ramp", y: [0, 0.5, 1], color: blue),
        .init(name: "flat", y: [0.25, 0.25, 0.25], color: red),
      ])
    chart.width = 640
    chart.height = 400
    let path = try figurePath("line.png")
    try chart.render(to: path)
    let image = try RasterImage(pngPath: path)
    XCTAssertEqual(image.width, 640)
    XCTAssertEqual(image.height, 400)
    // Plot area: top 40, height 400 - 98 = 302, axis 0...1, so 0.25 sits at 342 - 75.5.
    let middle = Int(72 + (640 - 92) * 0.75)
    let redRows = rows(of: red, in: image, x: middle)
    XCTAssertFalse(redRows.isEmpty)
    XCTAssert(redRows.allSatisfy { abs(Double($0) - 266.5) <= 2 }, "red at rows \(redRows)")
    // The legend's red sample line lies elsewhere in the picture.
    let legendRed = (0..<image.width).flatMap { x in
      rows(of: red, in: image, x: x).filter { abs(Double($0) - 266.5) > 6 }
    }
    XCTAssertGreaterThan(legendRed.count, 10, "no legend entry for the red series")
  }

  func testRenderingIsByteIdenticalAndNotBlank() throws {
    let chart = LineChart(
      title: "Loss", yLabel: "loss", series: [.init(name: "loss", y: [2, 1, 0.5, 0.3])])
    let a = try figurePath("same-a.png")
    let b = try figurePath("same-b.png")
    try chart.render(to: a)
    try chart.render(to: b)
    XCTAssertEqual(FileManager.default.contents(atPath: a), FileManager.default.contents(atPath: b))
    // The series is drawn in the first palette colour, not just the frame and text.
    let image = try RasterImage(pngPath: a)
    let drawn = (0..<image.width).reduce(0) {
      $0 + rows(of: Palette.color(0), in: image, x: $1).count
    }
    XCTAssertGreaterThan(drawn, 100, "the loss line is missing")
  }

  func testNonFiniteValuesAreSkippedAndSaid() throws {
    let chart = LineChart(
      title: "Loss", yLabel: "loss", series: [.init(name: "loss", y: [1, .nan, 0.5, .infinity])])
    XCTAssertEqual(chart.skippedValues, 2)
    let path = try figurePath("nan.png")
    try chart.render(to: path)
    let image = try RasterImage(pngPath: path)
    let noteRows = (300..<image.width).flatMap { x in
      rows(of: .error, in: image, x: x).filter { $0 > 380 }
    }
    XCTAssertFalse(noteRows.isEmpty, "the skipped-values note is missing")
  }

  func testEdgeCasesDrawWithoutTrouble() throws {
    var chart = LineChart(
      title: String(repeating: "A very long title that must shrink ", count: 6), yLabel: "loss",
      series: [
        .init(name: "single epoch", y: [0.7]), .init(name: "flat", y: [0.5, 0.5]),
      ])
    chart.logScale = true
    chart.highlight = .init(x: 1, y: 0.7, label: "best 0.7")
    chart.events = [.init(x: 2, label: "lr x0.2")]
    chart.secondary = ("learning rate", [.init(name: "lr", y: [1e-3, 2e-4])])
    let path = try figurePath("edge.png")
    try chart.render(to: path, scale: 2)
    let image = try RasterImage(pngPath: path)
    XCTAssertEqual(image.width, 1280)
    XCTAssertEqual(image.height, 2 * 530)
  }

  func testVectorFormats() throws {
    let chart = LineChart(title: "Loss", yLabel: "loss", series: [.init(name: "loss", y: [2, 1])])
    let svg = try figurePath("line.svg")
    let pdf = try figurePath("line.pdf")
    let pdf2 = try figurePath("line2.pdf")
    try chart.render(to: svg)
    try chart.render(to: pdf)
    try chart.render(to: pdf2)
    XCTAssert(
      String(decoding: FileManager.default.contents(atPath: svg)!, as: UTF8.self).contains("<svg"))
    XCTAssertEqual(FileManager.default.contents(atPath: pdf)!.prefix(4), Data("%PDF".utf8))
    XCTAssertEqual(
      FileManager.default.contents(atPath: pdf), FileManager.default.contents(atPath: pdf2))
    XCTAssertThrowsError(try chart.render(to: try figurePath("line.gif")))
    XCTAssertThrowsError(try chart.render(to: "/nonexistent/dir/x.png")) { error in
      XCTAssert("\(error)".hasPrefix("/nonexistent/dir/x.png: cannot write figure"), "\(error)")
    }
  }

  func testNiceTicks() {
    XCTAssertEqual(Axis.niceStep(0.13), 0.2)
    XCTAssertEqual(Axis.niceStep(3), 5)
    XCTAssertEqual(Axis.niceStep(0.01), 0.01)
    let axis = Axis(covering: [0.12, 0.97])
    XCTAssertEqual(axis.lower, 0)
    XCTAssertEqual(axis.upper, 1, accuracy: 1e-12)
    XCTAssertEqual(axis.ticks.count, 6)
    let flat = Axis(covering: [0.5, 0.5])
    XCTAssertLessThan(flat.lower, 0.5)
    XCTAssertGreaterThan(flat.upper, 0.5)
    let log = Axis(covering: [0.02, 3], logarithmic: true)
    XCTAssertEqual(log.ticks, [0.01, 0.1, 1, 10])
    XCTAssertEqual(Axis.format(0.25), "0.25")
    XCTAssertEqual(Axis.format(1e-5), "1e-05")
  }

  func testACategoricalAxisHasATickAtEachCategoryAndHalfAStepOfRoom() {
    let axis = Axis(categories: 4)
    XCTAssertEqual(axis.ticks, [0, 1, 2, 3])
    XCTAssertEqual(axis.fraction(-0.5), 0, accuracy: 1e-12)
    XCTAssertEqual(axis.fraction(1.5), 0.5, accuracy: 1e-12)
    XCTAssertEqual(axis.fraction(3.5), 1, accuracy: 1e-12)
  }
}
