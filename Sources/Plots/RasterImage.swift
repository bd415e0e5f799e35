import CCairo

/// A PNG read into memory as 8-bit RGBA, for reading users' digit images and checking rendered
/// figures pixel by pixel.
public struct RasterImage: Sendable {
  public let width: Int, height: Int
  /// Row-major RGBA bytes, alpha un-premultiplied.
  public let rgba: [UInt8]

  /// Reads a PNG file through Cairo and libpng.
  public init(pngPath path: String) throws {
    let surface = cairo_image_surface_create_from_png(path)
    defer { cairo_surface_destroy(surface) }
    try self.init(surface: surface, source: path)
  }

  /// Decodes PNG bytes held in memory (an upload); `source` names them in errors.
  public init(pngData bytes: [UInt8], source: String) throws {
    var reader = PNGBytesReader(bytes: bytes)
    let surface = withUnsafeMutablePointer(to: &reader) { context in
      cairo_image_surface_create_from_png_stream(
        { context, target, length in
          guard let context, let target else { return CAIRO_STATUS_READ_ERROR }
          let reader = context.assumingMemoryBound(to: PNGBytesReader.self)
          return reader.pointee.read(into: target, count: Int(length))
            ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_READ_ERROR
        }, context)
    }
    defer { cairo_surface_destroy(surface) }
    try self.init(surface: surface, source: source)
  }

  private init(surface: OpaquePointer?, source: String) throws {
    let status = cairo_surface_status(surface)
    guard status == CAIRO_STATUS_SUCCESS else {
      throw PlotError.invalidInput(
        "\(source): not a readable PNG (\(String(cString: cairo_status_to_string(status))))")
    }
    cairo_surface_flush(surface)
    width = Int(cairo_image_surface_get_width(surface))
    height = Int(cairo_image_surface_get_height(surface))
    let stride = Int(cairo_image_surface_get_stride(surface))
    let format = cairo_image_surface_get_format(surface)
    guard let data = cairo_image_surface_get_data(surface) else {
      throw PlotError.invalidInput("\(source): image has no pixel data")
    }
    var pixels = [UInt8](repeating: 0, count: width * height * 4)
    for y in 0..<height {
      for x in 0..<width {
        // Cairo stores native-endian 32-bit premultiplied ARGB (or RGB24 with an unused byte).
        let word = (data + y * stride).withMemoryRebound(to: UInt32.self, capacity: width) { $0[x] }
        let alpha = format == CAIRO_FORMAT_ARGB32 ? UInt32(word >> 24) : 255
        func channel(_ shift: UInt32) -> UInt8 {
          let v = (word >> shift) & 0xff
          return alpha == 0 ? 0 : UInt8(min(255, v * 255 / alpha))
        }
        let i = (y * width + x) * 4
        (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = (
          channel(16), channel(8), channel(0), UInt8(alpha)
        )
      }
    }
    rgba = pixels
  }

  /// The colour at (x, y).
  public func color(x: Int, y: Int) -> Color {
    let i = (y * width + x) * 4
    return Color(
      Double(rgba[i]) / 255, Double(rgba[i + 1]) / 255, Double(rgba[i + 2]) / 255,
      alpha: Double(rgba[i + 3]) / 255)
  }
}

/// Hands PNG bytes to Cairo's stream reader piece by piece.
private struct PNGBytesReader {
  let bytes: [UInt8]
  var offset = 0

  /// Copies the next `count` bytes into `target`; false when fewer are left.
  mutating func read(into target: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
    guard count <= bytes.count - offset else { return false }
    bytes.withUnsafeBufferPointer { source in
      target.update(from: source.baseAddress! + offset, count: count)
    }
    offset += count
    return true
  }
}
