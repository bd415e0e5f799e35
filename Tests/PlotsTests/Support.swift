import Foundation
import XCTest

@testable import Plots

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

/// Renders `figure` and checks it against the committed reference `Golden/<name>` pixel by
/// pixel, within `GoldenComparison`'s tolerances. On a mismatch it writes `<name>.actual.png`
/// (what was rendered) and `<name>.diff.png` (the differences in red) beside the test output and
/// names both in the failure. With `REPORT_UPDATE_GOLDEN=1` in the environment it rewrites the
/// reference instead: `REPORT_UPDATE_GOLDEN=1 swift test --filter PlotsTests.GoldenImageTests`.
func assertMatchesGolden(
  _ figure: Figure, _ name: String, file: StaticString = #filePath, line: UInt = #line
) throws {
  let path = try figurePath(name)
  try figure.render(to: path)
  let reference = goldenDirectory + "/" + name
  if ProcessInfo.processInfo.environment["REPORT_UPDATE_GOLDEN"] == "1" {
    try FileManager.default.createDirectory(
      atPath: goldenDirectory, withIntermediateDirectories: true)
    try? FileManager.default.removeItem(atPath: reference)
    try FileManager.default.copyItem(atPath: path, toPath: reference)
    return
  }
  let regenerate =
    "If the change is intended, look at the images and regenerate the references with"
    + " `REPORT_UPDATE_GOLDEN=1 swift test --filter PlotsTests.GoldenImageTests`."
  guard FileManager.default.fileExists(atPath: reference) else {
    XCTFail("no reference image \(reference). \(regenerate)", file: file, line: line)
    return
  }
  let rendered = try RasterImage(pngPath: path)
  let expected = try RasterImage(pngPath: reference)
  let comparison = GoldenComparison(rendered, expected)
  guard !comparison.matches else { return }
  let artefacts = try comparison.writeArtefacts(rendered: path)
  XCTFail(
    "\(name): \(comparison.summary). Rendered: \(artefacts.actual); differences in red: "
      + (artefacts.diff ?? "none (the sizes differ)") + "; reference: \(reference). \(regenerate)",
    file: file, line: line)
}

/// A rendered image against its reference, pixel by pixel, with room for what a Cairo, pixman
/// or FreeType update changes without changing what a chart draws.
///
/// A pixel differs when one of its channels is more than `channelTolerance` (3 of 255) away
/// from the reference: pixman's compositing paths (generic C, SSE2, AVX2) and Cairo versions
/// round antialiased coverage differently by a level or two, while anything a chart draws
/// differently (another colour, a line moved a pixel, another glyph) changes the pixels it
/// touches by tens of levels. The image matches when at most `maximumDifferingFraction`
/// (1 in 20,000: 12 pixels of a 640x380 chart) of its pixels differ: room for a few stray
/// pixels of a line end or a glyph rasterised differently, while the smallest real changes
/// measured on the reference bar chart, one tick label's 6 made an 8 (36 pixels) and one bar 2
/// points taller (232 pixels), are 3 and 19 times the bound. A font whose glyphs are drawn
/// differently is beyond any such tolerance: the diff image then shows that only text changed,
/// and the references are regenerated.
struct GoldenComparison {
  /// The largest per-channel difference, in levels of 255, that still counts as the same pixel.
  static let channelTolerance = 3
  /// The fraction of pixels that may differ beyond `channelTolerance` in a matching image.
  static let maximumDifferingFraction = 1.0 / 20_000

  let width: Int, height: Int
  /// Whether the two images have the same size; nothing else is compared when they do not.
  let sameSize: Bool
  /// Row-major, one entry a pixel: whether it differs beyond the tolerance.
  let differs: [Bool]
  /// The reference's RGBA bytes, the background of the diff image.
  let reference: [UInt8]
  /// How many pixels differ beyond the tolerance.
  var differingPixels: Int { differs.lazy.filter { $0 }.count }

  /// Compares `actual` with `reference`, each `width` x `height` RGBA bytes.
  init(actual: [UInt8], reference: [UInt8], width: Int, height: Int) {
    (self.width, self.height, self.reference) = (width, height, reference)
    sameSize = actual.count == width * height * 4 && reference.count == actual.count
    guard sameSize else {
      differs = []
      return
    }
    differs = (0..<width * height).map { pixel in
      (pixel * 4..<pixel * 4 + 4).contains {
        abs(Int(actual[$0]) - Int(reference[$0])) > Self.channelTolerance
      }
    }
  }

  /// Compares two decoded PNGs.
  init(_ actual: RasterImage, _ reference: RasterImage) {
    if actual.width == reference.width && actual.height == reference.height {
      self.init(
        actual: actual.rgba, reference: reference.rgba, width: reference.width,
        height: reference.height)
    } else {
      self.init(actual: [], reference: [], width: reference.width, height: reference.height)
    }
  }

  /// Whether the images are the same within the tolerances.
  var matches: Bool {
    sameSize
      && Double(differingPixels) <= Self.maximumDifferingFraction * Double(width * height)
  }

  /// What differs, for a failure message.
  var summary: String {
    guard sameSize else { return "the rendered image's size differs from the reference's" }
    return String(
      format: "%d of %d pixels (%.3f%%) differ by more than %d levels; at most %.3f%% may",
      differingPixels, width * height, 100 * Double(differingPixels) / Double(width * height),
      Self.channelTolerance, 100 * Self.maximumDifferingFraction)
  }

  /// Writes a copy of the image rendered at `rendered` as `<name>.actual.png`, and, when the
  /// sizes agree, `<name>.diff.png`: the differing pixels in red on a faded grey copy of the
  /// reference. Returns their paths.
  func writeArtefacts(rendered: String) throws -> (actual: String, diff: String?) {
    let stem = String(rendered.dropLast(".png".count))
    let actual = stem + ".actual.png"
    try? FileManager.default.removeItem(atPath: actual)
    try FileManager.default.copyItem(atPath: rendered, toPath: actual)
    guard sameSize else { return (actual, nil) }
    let diff = stem + ".diff.png"
    try DiffImage(comparison: self).render(to: diff)
    return (actual, diff)
  }
}

/// A comparison drawn as an image of the reference's size: levels 0-254 a light grey copy of
/// the reference (its luminance, faded so that red stands out), 255 the differing pixels in red.
struct DiffImage: Figure {
  let comparison: GoldenComparison

  /// Grey from 0.65 (black in the reference) to white, then pure red for level 255.
  static let colormap = Colormap(
    name: "golden-diff",
    stops: (0..<255).map { level -> Color in
      let grey = 0.65 + 0.35 * Double(level) / 254
      return Color(grey, grey, grey)
    } + [Color(1, 0, 0)])

  var size: (width: Double, height: Double) {
    (Double(comparison.width), Double(comparison.height))
  }

  func draw(on canvas: Canvas) {
    let pixels = comparison.differs.indices.map { pixel -> UInt8 in
      if comparison.differs[pixel] { return 255 }
      let rgba = comparison.reference[pixel * 4..<pixel * 4 + 3].map(Double.init)
      return UInt8(min(254, (0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]).rounded()))
    }
    canvas.image(
      pixels[...], rows: comparison.height, columns: comparison.width, x: 0, y: 0,
      width: size.width, height: size.height, colormap: Self.colormap)
  }
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
