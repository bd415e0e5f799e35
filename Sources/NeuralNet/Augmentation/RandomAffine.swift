import Foundation

/// Random rotation, zoom and shift of images, equal to Keras's `ImageDataGenerator` with
/// `rotation_range`, `zoom_range`, `width_shift_range`, `height_shift_range`,
/// `horizontal_flip`, bilinear resampling (order 1) and `fill_mode="nearest"`.
///
/// Per image: theta ~ U(-rotation, rotation) degrees, tx ~ U(-h, h) * height,
/// ty ~ U(-w, w) * width, zx, zy ~ U(1 - zoom, 1 + zoom); the output-to-input map is
/// rotation · shift · zoom about the image centre ((size - 1) / 2), in (row, column) order;
/// with `horizontalFlip`, half the images (one more draw each) are then mirrored left to right.
public struct RandomAffine: Codable, Equatable, Sendable {
  /// Maximum rotation in degrees.
  public var rotationDegrees: Float
  /// Zoom range around 1 (0.01 is 0.99...1.01).
  public var zoom: Float
  /// Maximum horizontal shift as a fraction of the width.
  public var widthShift: Float
  /// Maximum vertical shift as a fraction of the height.
  public var heightShift: Float
  /// Mirror half the images left to right (for clothes, never for digits).
  public var horizontalFlip: Bool

  /// An augmentation; all zero is the identity.
  public init(
    rotationDegrees: Float = 0, zoom: Float = 0, widthShift: Float = 0, heightShift: Float = 0,
    horizontalFlip: Bool = false
  ) {
    self.rotationDegrees = rotationDegrees
    self.zoom = zoom
    self.widthShift = widthShift
    self.heightShift = heightShift
    self.horizontalFlip = horizontalFlip
  }

  /// Whether every range is zero and nothing is flipped.
  public var isIdentity: Bool {
    rotationDegrees == 0 && zoom == 0 && widthShift == 0 && heightShift == 0 && !horizontalFlip
  }

  /// The 2x3 output-to-input affine map for one image, drawn from `generator`.
  func drawTransform(height: Int, width: Int, generator: inout SeededGenerator) -> [Float] {
    let theta = Double(generator.uniform(-rotationDegrees, rotationDegrees)) * .pi / 180
    let tx = Double(generator.uniform(-heightShift, heightShift)) * Double(height)
    let ty = Double(generator.uniform(-widthShift, widthShift)) * Double(width)
    let zx = Double(generator.uniform(1 - zoom, 1 + zoom))
    let zy = Double(generator.uniform(1 - zoom, 1 + zoom))
    let (c, s) = (cos(theta), sin(theta))
    // rotation · shift · zoom = [[c zx, -s zy, c tx - s ty], [s zx, c zy, s tx + c ty]]
    let a = [c * zx, -s * zy, c * tx - s * ty, s * zx, c * zy, s * tx + c * ty]
    let ox = Double(height) / 2 - 0.5
    let oy = Double(width) / 2 - 0.5
    // offset(o) · A · offset(-o)
    let offsetX = a[2] + ox - a[0] * ox - a[1] * oy
    let offsetY = a[5] + oy - a[3] * ox - a[4] * oy
    let map = [a[0], a[1], offsetX, a[3], a[4], offsetY]
    guard horizontalFlip, generator.uniform(0, 1) < 0.5 else { return map.map(Float.init) }
    // Output column c reads the transformed image's column (width - 1 - c).
    let last = Double(width - 1)
    return [map[0], -map[1], map[2] + map[1] * last, map[3], -map[4], map[5] + map[4] * last]
      .map(Float.init)
  }

  /// Resamples `count` images [height, width, channels] from `source` into `target`, drawing the
  /// transforms in image order from `generator` so the result does not depend on threading.
  public func apply(
    _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int,
    shape: TensorShape, generator: inout SeededGenerator
  ) {
    let (h, w, channels) = (shape[0], shape[1], shape[2])
    let transforms = (0..<count).map { _ in
      drawTransform(height: h, width: w, generator: &generator)
    }
    let size = h * w * channels
    Parallel.forEachChunk(count) { n, _ in
      RandomAffine.warp(source + n * size, into: target + n * size, h, w, channels, transforms[n])
    }
  }

  /// Bilinear resampling with edge replication ('nearest' fill).
  static func warp(
    _ image: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ h: Int, _ w: Int,
    _ channels: Int, _ m: [Float]
  ) {
    let maxRow = Float(h - 1)
    let maxColumn = Float(w - 1)
    for r in 0..<h {
      for col in 0..<w {
        let y = min(max(m[0] * Float(r) + m[1] * Float(col) + m[2], 0), maxRow)
        let x = min(max(m[3] * Float(r) + m[4] * Float(col) + m[5], 0), maxColumn)
        let r0 = Int(y)
        let c0 = Int(x)
        let r1 = min(r0 + 1, h - 1)
        let c1 = min(c0 + 1, w - 1)
        let fy = y - Float(r0)
        let fx = x - Float(c0)
        for ch in 0..<channels {
          let top =
            image[(r0 * w + c0) * channels + ch] * (1 - fx) + image[(r0 * w + c1) * channels + ch]
            * fx
          let bottom =
            image[(r1 * w + c0) * channels + ch] * (1 - fx) + image[(r1 * w + c1) * channels + ch]
            * fx
          out[(r * w + col) * channels + ch] = top * (1 - fy) + bottom * fy
        }
      }
    }
  }
}
