import Foundation

/// Turns a user's picture of a digit into an MNIST-style 28x28 image, the way the MNIST images
/// were made: greyscale, white ink on black, the digit's bounding box fitted into 20x20 with its
/// aspect ratio kept, then centred by its centre of mass in a 28x28 field.
public enum DigitImage {
  /// `grey` holds `width * height` luminance bytes (0 black ... 255 white), row-major. Dark ink
  /// on a light background is inverted. Throws when the picture has no ink at all.
  public static func mnistStyle(grey: [UInt8], width: Int, height: Int, source: String) throws
    -> [UInt8]
  {
    guard width > 0, height > 0, grey.count == width * height else {
      throw DatasetError.unreadable(path: source, reason: "image is empty")
    }
    // The border tells the background: a light border means dark ink, which MNIST stores inverted.
    var border: [UInt8] = []
    for x in 0..<width { border += [grey[x], grey[(height - 1) * width + x]] }
    for y in 0..<height { border += [grey[y * width], grey[y * width + width - 1]] }
    let background = Double(border.reduce(0) { $0 + Int($1) }) / Double(border.count)
    let ink = background > 127 ? grey.map { 255 - $0 } : grey
    let floor = ink.min() ?? 0
    let span = Double((ink.max() ?? 0) - floor)
    guard span > 20 else {
      throw DatasetError.unreadable(
        path: source, reason: "no digit found: the image is a single flat colour")
    }
    // Stretch contrast so the background is 0 and the darkest stroke 255; faint noise below 20%
    // goes.
    let levels = ink.map { v -> Double in
      let t = Double(v - floor) / span
      return t < 0.2 ? 0 : t
    }
    var (minX, minY, maxX, maxY) = (width, height, -1, -1)
    for y in 0..<height {
      for x in 0..<width where levels[y * width + x] > 0 {
        (minX, minY, maxX, maxY) = (min(minX, x), min(minY, y), max(maxX, x), max(maxY, y))
      }
    }
    let boxWidth = maxX - minX + 1
    let boxHeight = maxY - minY + 1
    let scale = 20 / Double(max(boxWidth, boxHeight))
    let targetWidth = max(1, Int((Double(boxWidth) * scale).rounded()))
    let targetHeight = max(1, Int((Double(boxHeight) * scale).rounded()))
    // Area-average resampling of the bounding box into targetWidth x targetHeight.
    var small = [Double](repeating: 0, count: targetWidth * targetHeight)
    for ty in 0..<targetHeight {
      for tx in 0..<targetWidth {
        let x0 = Double(minX) + Double(tx) / scale
        let x1 = Double(minX) + Double(tx + 1) / scale
        let y0 = Double(minY) + Double(ty) / scale
        let y1 = Double(minY) + Double(ty + 1) / scale
        var sum = 0.0
        var area = 0.0
        for y in Int(y0)..<min(height, Int(ceil(y1))) {
          let wy = min(Double(y + 1), y1) - max(Double(y), y0)
          for x in Int(x0)..<min(width, Int(ceil(x1))) {
            let w = wy * (min(Double(x + 1), x1) - max(Double(x), x0))
            sum += w * levels[y * width + x]
            area += w
          }
        }
        small[ty * targetWidth + tx] = area > 0 ? sum / area : 0
      }
    }
    // Centre of mass of the fitted digit goes to the centre of the 28x28 field.
    var mass = 0.0
    var cx = 0.0
    var cy = 0.0
    for y in 0..<targetHeight {
      for x in 0..<targetWidth {
        let v = small[y * targetWidth + x]
        (mass, cx, cy) = (mass + v, cx + v * Double(x), cy + v * Double(y))
      }
    }
    // MNIST puts the centre of mass at pixel (14, 14), counting from 0.
    let offsetX = Int((14 - (mass > 0 ? cx / mass : Double(targetWidth) / 2)).rounded())
    let offsetY = Int((14 - (mass > 0 ? cy / mass : Double(targetHeight) / 2)).rounded())
    var out = [UInt8](repeating: 0, count: 784)
    for y in 0..<targetHeight {
      for x in 0..<targetWidth {
        let (ox, oy) = (x + offsetX, y + offsetY)
        guard ox >= 0, ox < 28, oy >= 0, oy < 28 else { continue }
        out[oy * 28 + ox] = UInt8(min(255, (small[y * targetWidth + x] * 255).rounded()))
      }
    }
    return out
  }
}
