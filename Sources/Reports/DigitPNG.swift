import Datasets
import Foundation
import Plots
import Runs

extension TrainedModel {
  /// Reads a PNG of any size and converts it to MNIST style (see `DigitImage`).
  public static func digit(fromPNG path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DatasetError.missingFile(path: path, hint: "Give the path of a PNG image of one digit.")
    }
    return try digit(fromPNGData: [UInt8](data), source: path)
  }

  /// PNG bytes (an upload, or a file's contents) of any size converted to MNIST style; `source`
  /// names them in errors.
  public static func digit(fromPNGData bytes: [UInt8], source: String) throws -> [UInt8] {
    try checkPNGSize(bytes, source: source)
    let image: RasterImage
    do {
      image = try RasterImage(pngData: bytes, source: source)
    } catch {
      // Cairo's own words ("out of memory" for a JPEG) would only confuse here.
      throw DatasetError.unreadable(
        path: source, reason: "not a PNG image; digits are read from PNGs")
    }
    // Transparent pixels count as white paper.
    let grey = (0..<(image.width * image.height)).map { i -> UInt8 in
      let r = Double(image.rgba[4 * i])
      let g = Double(image.rgba[4 * i + 1])
      let b = Double(image.rgba[4 * i + 2])
      let a = Double(image.rgba[4 * i + 3]) / 255
      return UInt8(min(255, (a * (0.299 * r + 0.587 * g + 0.114 * b) + (1 - a) * 255).rounded()))
    }
    return try DigitImage.mnistStyle(
      grey: grey, width: image.width, height: image.height, source: source)
  }

  /// The most pixels a digit picture may have: a 16-megapixel photo. A PNG's header can claim
  /// 2^31 - 1 pixels a side in a few bytes, and every pixel costs memory and time here.
  static let maximumPNGPixels: UInt64 = 1 << 24

  /// Throws when the PNG's header (IHDR, right after the 8-byte signature) declares more pixels
  /// than `maximumPNGPixels`, before anything is decoded. Bytes that are not a PNG pass on to
  /// Cairo, which rejects them.
  private static func checkPNGSize(_ bytes: [UInt8], source: String) throws {
    let header = bytes.prefix(24)
    guard header.count == 24, header[0...7] == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      header[12...15] == [0x49, 0x48, 0x44, 0x52]
    else { return }
    // Each side is a 32-bit number, so their product always fits in 64 bits.
    let width = header[16..<20].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let height = header[20..<24].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard width * height <= maximumPNGPixels else {
      throw DatasetError.unreadable(
        path: source,
        reason:
          "the image is \(width)x\(height) pixels, more than the \(maximumPNGPixels) a digit "
          + "picture may have")
    }
  }
}
