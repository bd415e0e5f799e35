import Foundation
import TestSupport
import XCTest

@testable import Reports
@testable import Runs

/// Reading a user's digit picture for `report predict`.
final class DigitPNGTests: XCTestCase {
  /// A PNG signature and IHDR declaring `width` x `height` 8-bit greys, and nothing else.
  private func pngHeader(width: UInt32, height: UInt32) -> Data {
    var bytes: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]
    bytes += Array("IHDR".utf8)
    bytes += withUnsafeBytes(of: width.bigEndian, Array.init)
    bytes += withUnsafeBytes(of: height.bigEndian, Array.init)
    bytes += [8, 0, 0, 0, 0]
    return Data(bytes)
  }

  func testPicturesLargerThanSixteenMegapixelsAreRefusedBeforeDecoding() throws {
    // Fuzzing/FuzzDigitPNG: a 4 KB 1-bit PNG of 6000x6000 pixels took 19 s and 560 MB to read,
    // and a header may claim far more.
    let path = try scratch() + "/digit.png"
    for (width, height) in [(6000, 6000), (4097, 4096), (0xffff_ffff, 0xffff_ffff)] {
      try pngHeader(width: UInt32(width), height: UInt32(height)).write(
        to: URL(fileURLWithPath: path))
      XCTAssertThrowsError(try TrainedModel.digit(fromPNG: path)) { error in
        XCTAssertEqual(
          "\(error)",
          "\(path): cannot read: the image is \(width)x\(height) pixels, more than the 16777216 a "
            + "digit picture may have")
      }
    }
    // Within the limit the header passes, and the missing pixel data is what fails.
    try pngHeader(width: 4096, height: 4096).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try TrainedModel.digit(fromPNG: path)) { error in
      XCTAssert("\(error)".contains("not a PNG image"), "\(error)")
    }
  }
}
