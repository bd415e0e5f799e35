import Datasets
import Foundation
import Plots
import Runs

extension TrainedModel {
  /// Reads a PNG of any size and converts it to MNIST style (see `DigitImage`).
  public static func digit(fromPNG path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.missingFile(path: path, hint: "Give the path of a PNG image of one digit.")
    }
    let image: RasterImage
    do {
      image = try RasterImage(pngPath: path)
    } catch {
      // Cairo's own words ("out of memory" for a JPEG) would only confuse here.
      throw DatasetError.unreadable(
        path: path, reason: "not a PNG image; digits are read from PNGs")
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
      grey: grey, width: image.width, height: image.height, source: path)
  }
}
