import XCTest

@testable import Datasets

final class DigitImageTests: XCTestCase {
  /// Pearson correlation of two images.
  private func correlation(_ a: [UInt8], _ b: [UInt8]) -> Double {
    let x = a.map(Double.init)
    let y = b.map(Double.init)
    let mx = x.reduce(0, +) / Double(x.count)
    let my = y.reduce(0, +) / Double(y.count)
    let cov = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
    let vx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
    let vy = y.reduce(0) { $0 + ($1 - my) * ($1 - my) }
    return cov / (vx * vy).squareRoot()
  }

  private func shifted(_ image: [UInt8], _ dx: Int, _ dy: Int) -> [UInt8] {
    (0..<784).map { i in
      let (x, y) = (i % 28 - dx, i / 28 - dy)
      return x >= 0 && x < 28 && y >= 0 && y < 28 ? image[y * 28 + x] : 0
    }
  }

  func testDarkInkOnPaperAtAnySizeComesBackMNISTStyle() throws {
    let (_, test) = try IDXDataset.mnist.load(directory: mnistDirectory, verifyChecksums: false)
    for index in 0..<5 {
      let original = Array(test.image(index))
      // Scale 28x28 up 6x, invert to dark-on-light, and put it off-centre on a 300x240 page.
      let (width, height) = (300, 240)
      var page = [UInt8](repeating: 250, count: width * height)
      for y in 0..<168 {
        for x in 0..<168 { page[(y + 40) * width + x + 100] = 255 - original[(y / 6) * 28 + x / 6] }
      }
      let converted = try DigitImage.mnistStyle(
        grey: page, width: width, height: height, source: "page")
      XCTAssertEqual(converted.count, 784)
      // Resampling may land a stroke one pixel over; the shape must match within that.
      let best =
        (-1...1).flatMap { dy in
          (-1...1).map { dx in correlation(shifted(converted, dx, dy), original) }
        }.max() ?? 0
      XCTAssertGreaterThan(best, 0.85, "image \(index)")
      XCTAssertGreaterThan(correlation(converted, original), 0.5, "image \(index) unshifted")
      XCTAssertEqual(converted[0], 0, "background must be black")
    }
  }

  func testBlankImageIsAnError() {
    XCTAssertThrowsError(
      try DigitImage.mnistStyle(
        grey: [UInt8](repeating: 200, count: 100), width: 10, height: 10, source: "blank.png")
    ) {
      XCTAssert("\($0)".hasPrefix("blank.png: cannot read: no digit found"), "\($0)")
    }
  }
}
