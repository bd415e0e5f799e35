import Foundation
import Plots
import XCTest

/// Where figure tests write; PLOTS_TEST_OUTPUT overrides the temporary default so a person can
/// look at the PNGs.
func figurePath(_ name: String) throws -> String {
  let dir =
    ProcessInfo.processInfo.environment["PLOTS_TEST_OUTPUT"] ?? NSTemporaryDirectory()
    + "report-plots-tests-\(getpid())"
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir + "/" + name
}

func isClose(_ a: Color, _ b: Color, tolerance: Double = 0.12) -> Bool {
  abs(a.red - b.red) < tolerance && abs(a.green - b.green) < tolerance
    && abs(a.blue - b.blue) < tolerance
}

/// Rows (y) at which column `x` has a pixel close to `color`.
func rows(of color: Color, in image: RasterImage, x: Int) -> [Int] {
  (0..<image.height).filter { isClose(image.color(x: x, y: $0), color) }
}

/// A synthetic 28x28 digit-like image: a bright bar whose position depends on `seed`.
func syntheticImage(_ seed: Int) -> [UInt8] {
  (0..<784).map { i in (i / 28 == 6 + seed % 16 || i % 28 == 10 + seed % 8) ? 255 : 0 }
}

/// Where the committed reference images live: `Tests/PlotsTests/Golden`.
let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Golden").path

/// Renders `figure` and checks it against the committed reference `Golden/<name>`, byte for byte.
/// With `REPORT_UPDATE_GOLDEN=1` in the environment it rewrites the reference instead:
/// `REPORT_UPDATE_GOLDEN=1 swift test --filter PlotsTests.GoldenImageTests`.
func assertMatchesGolden(
  _ figure: Figure, _ name: String, file: StaticString = #filePath, line: UInt = #line
) throws {
  let path = try figurePath(name)
  try figure.render(to: path)
  let rendered = try XCTUnwrap(FileManager.default.contents(atPath: path), file: file, line: line)
  let reference = goldenDirectory + "/" + name
  if ProcessInfo.processInfo.environment["REPORT_UPDATE_GOLDEN"] == "1" {
    try FileManager.default.createDirectory(
      atPath: goldenDirectory, withIntermediateDirectories: true)
    try rendered.write(to: URL(fileURLWithPath: reference))
    return
  }
  let regenerate =
    "If the change is intended, compare the two images and regenerate the references with"
    + " `REPORT_UPDATE_GOLDEN=1 swift test --filter PlotsTests.GoldenImageTests`."
  guard let expected = FileManager.default.contents(atPath: reference) else {
    XCTFail("no reference image \(reference). \(regenerate)", file: file, line: line)
    return
  }
  XCTAssert(
    rendered == expected, "\(path) differs from the reference \(reference). \(regenerate)",
    file: file, line: line)
}

/// Ten classes' accuracies 0.90...0.99 with error bars on a 0.8...1 axis, the last highlighted.
func perClassBars() -> BarChart {
  var bars = BarChart(
    categories: (0...9).map(String.init), values: (0...9).map { 0.9 + Double($0) / 100 },
    title: "Per-class accuracy", yLabel: "accuracy")
  bars.highlighted = 9
  bars.errors = Array(repeating: 0.005, count: 10)
  bars.yRange = 0.8...1
  return bars
}
