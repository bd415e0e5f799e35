import CCairo
import Foundation

/// Output formats: PNG raster, or SVG and PDF vector through Cairo's own surfaces.
public enum FigureFormat: String, Sendable, CaseIterable {
  case png, svg, pdf

  /// The format a file name's extension names, if any.
  public init?(path: String) { self.init(rawValue: (path as NSString).pathExtension.lowercased()) }
}

/// An RGBA colour with components in 0...1.
public struct Color: Equatable, Sendable {
  public var red: Double, green: Double, blue: Double, alpha: Double

  /// A colour from components in 0...1.
  public init(_ red: Double, _ green: Double, _ blue: Double, alpha: Double = 1) {
    (self.red, self.green, self.blue, self.alpha) = (red, green, blue, alpha)
  }

  /// A colour from 0xRRGGBB.
  public init(hex: UInt32, alpha: Double = 1) {
    self.init(
      Double(hex >> 16 & 0xff) / 255, Double(hex >> 8 & 0xff) / 255, Double(hex & 0xff) / 255,
      alpha: alpha)
  }

  /// Relative luminance (ITU-R BT.709), used to pick readable text colours.
  public var luminance: Double { 0.2126 * red + 0.7152 * green + 0.0722 * blue }

  public static let black = Color(0, 0, 0), white = Color(1, 1, 1)
  public static let text = Color(hex: 0x222222), grid = Color(hex: 0xe6e6e6),
    axis = Color(hex: 0x555555)
  /// Wrong predictions and failure markers.
  public static let error = Color(hex: 0xd62728)
}

/// Errors from drawing or writing a figure.
public enum PlotError: Error, CustomStringConvertible, Equatable {
  /// Cairo could not create or write the surface.
  case cairo(path: String, status: String)
  /// The figure's input cannot be drawn.
  case invalidInput(String)

  public var description: String {
    switch self {
    case .cairo(let path, let status): return "\(path): cannot write figure: \(status)"
    case .invalidInput(let reason): return "cannot draw figure: \(reason)"
    }
  }
}

/// Horizontal text anchoring.
public enum TextAlignment: Sendable { case left, center, right }

/// One drawing surface and its Cairo context: the only type that owns Cairo objects. Both are
/// released in `deinit`. Coordinates are in points; `scale` multiplies pixels for sharp images on
/// high-density screens.
public final class Canvas {
  /// Width and height in points.
  public let width: Double, height: Double
  let surface: OpaquePointer
  let context: OpaquePointer
  private let format: FigureFormat
  private let path: String?

  /// A canvas for `format`; vector formats stream to `path`, PNG is written by `finish`.
  init(
    width: Double, height: Double, scale: Double = 1, format: FigureFormat = .png,
    path: String? = nil
  ) throws {
    self.width = width
    self.height = height
    self.format = format
    self.path = path
    switch format {
    case .png:
      surface = cairo_image_surface_create(
        CAIRO_FORMAT_ARGB32, Int32((width * scale).rounded()), Int32((height * scale).rounded()))
    case .svg:
      surface = cairo_svg_surface_create(path ?? "", width, height)
    case .pdf:
      surface = cairo_pdf_surface_create(path ?? "", width, height)
      // A fixed date keeps regenerated PDFs byte-identical.
      cairo_pdf_surface_set_metadata(
        surface, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z")
    }
    let status = cairo_surface_status(surface)
    guard status == CAIRO_STATUS_SUCCESS else {
      cairo_surface_destroy(surface)
      throw PlotError.cairo(
        path: path ?? "(memory)", status: String(cString: cairo_status_to_string(status)))
    }
    context = cairo_create(surface)
    if format == .png { cairo_scale(context, scale, scale) }
    cairo_select_font_face(
      context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
    fill(x: 0, y: 0, width: width, height: height, color: .white)
  }

  deinit {
    cairo_destroy(context)
    cairo_surface_destroy(surface)
  }

  /// Finishes the file: writes the PNG, or flushes the vector surface.
  func finish() throws {
    let target = path ?? "(memory)"
    if format == .png, let path {
      let status = cairo_surface_write_to_png(surface, path)
      guard status == CAIRO_STATUS_SUCCESS else {
        throw PlotError.cairo(path: target, status: String(cString: cairo_status_to_string(status)))
      }
    }
    cairo_surface_finish(surface)
    let status = cairo_surface_status(surface)
    guard status == CAIRO_STATUS_SUCCESS else {
      throw PlotError.cairo(path: target, status: String(cString: cairo_status_to_string(status)))
    }
  }

  // MARK: - Drawing primitives

  func setColor(_ c: Color) { cairo_set_source_rgba(context, c.red, c.green, c.blue, c.alpha) }

  /// Fills a rectangle.
  func fill(x: Double, y: Double, width: Double, height: Double, color: Color) {
    setColor(color)
    cairo_rectangle(context, x, y, width, height)
    cairo_fill(context)
  }

  /// Outlines a rectangle.
  func stroke(
    x: Double, y: Double, width: Double, height: Double, color: Color, lineWidth: Double = 1,
    dash: [Double] = []
  ) {
    setColor(color)
    cairo_set_line_width(context, lineWidth)
    cairo_set_dash(context, dash, Int32(dash.count), 0)
    cairo_rectangle(context, x, y, width, height)
    cairo_stroke(context)
    cairo_set_dash(context, [], 0, 0)
  }

  /// A straight line, optionally dashed.
  func line(
    from a: (Double, Double), to b: (Double, Double), color: Color, width: Double = 1,
    dash: [Double] = []
  ) {
    setColor(color)
    cairo_set_line_width(context, width)
    cairo_set_dash(context, dash, Int32(dash.count), 0)
    cairo_move_to(context, a.0, a.1)
    cairo_line_to(context, b.0, b.1)
    cairo_stroke(context)
    cairo_set_dash(context, [], 0, 0)
  }

  /// A polyline through `points`; nil points break the line.
  func polyline(_ points: [(Double, Double)?], color: Color, width: Double = 2) {
    setColor(color)
    cairo_set_line_width(context, width)
    cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
    var drawing = false
    for point in points {
      guard let (x, y) = point else {
        drawing = false
        continue
      }
      if drawing { cairo_line_to(context, x, y) } else { cairo_move_to(context, x, y) }
      drawing = true
    }
    cairo_stroke(context)
  }

  /// A filled polygon (bands).
  func polygon(_ points: [(Double, Double)], color: Color) {
    guard let first = points.first else { return }
    setColor(color)
    cairo_move_to(context, first.0, first.1)
    for (x, y) in points.dropFirst() { cairo_line_to(context, x, y) }
    cairo_close_path(context)
    cairo_fill(context)
  }

  /// A filled circle.
  func circle(x: Double, y: Double, radius: Double, color: Color, outline: Color? = nil) {
    setColor(color)
    // Without a fresh path, cairo_arc joins the current point left by earlier text to the
    // circle with a line (stray white strokes across the plot, once outlined).
    cairo_new_path(context)
    cairo_arc(context, x, y, radius, 0, 2 * .pi)
    if let outline {
      cairo_fill_preserve(context)
      setColor(outline)
      cairo_set_line_width(context, 1.5)
      cairo_stroke(context)
    } else {
      cairo_fill(context)
    }
  }

  /// Width of `text` at `size` points.
  func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
    useFont(size: size, bold: bold)
    var extents = cairo_text_extents_t()
    cairo_text_extents(context, text, &extents)
    return extents.x_advance
  }

  private func useFont(size: Double, bold: Bool) {
    cairo_select_font_face(
      context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
      bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
    cairo_set_font_size(context, size)
  }

  /// Draws `text` with its baseline at `y`, anchored at `x`; shrinks it to fit `maxWidth` and
  /// rotates it by `angle` radians about the anchor when asked.
  func text(
    _ text: String, x: Double, y: Double, size: Double = 12, color: Color = .text,
    align: TextAlignment = .left,
    bold: Bool = false, maxWidth: Double? = nil, angle: Double = 0
  ) {
    var size = size
    var width = textWidth(text, size: size, bold: bold)
    if let maxWidth, width > maxWidth, width > 0 {
      size = max(4, size * maxWidth / width)
      width = textWidth(text, size: size, bold: bold)
    }
    useFont(size: size, bold: bold)
    setColor(color)
    cairo_save(context)
    cairo_translate(context, x, y)
    cairo_rotate(context, angle)
    let dx: Double
    switch align {
    case .left: dx = 0
    case .center: dx = -width / 2
    case .right: dx = -width
    }
    cairo_move_to(context, dx, 0)
    cairo_show_text(context, text)
    cairo_restore(context)
  }

  /// Draws a greyscale image (`pixels` row-major, 0...255) into a rectangle through `colormap`,
  /// scaled with nearest-neighbour filtering so digits stay crisp, with no seams between pixels.
  func image(
    _ pixels: ArraySlice<UInt8>, rows: Int, columns: Int, x: Double, y: Double, width: Double,
    height: Double, colormap: Colormap
  ) {
    let lut: [UInt32] = (0..<256).map { level in
      let c = colormap.color(at: Double(level) / 255)
      return 0xff00_0000 | UInt32(c.red * 255 + 0.5) << 16 | UInt32(c.green * 255 + 0.5) << 8
        | UInt32(c.blue * 255 + 0.5)
    }
    let start = pixels.startIndex
    paintCells(
      CAIRO_FORMAT_RGB24, rows: rows, columns: columns, x: x, y: y, width: width, height: height
    ) { r, c in lut[Int(pixels[start + r * columns + c])] }
  }

  /// Draws `intensities` (row-major, 0...1) over a rectangle in `color`, each cell as opaque as
  /// its intensity times `opacity`, with nearest-neighbour scaling: a saliency map over its digit.
  func overlay(
    _ intensities: [Float], rows: Int, columns: Int, x: Double, y: Double, width: Double,
    height: Double, color: Color, opacity: Double
  ) {
    guard intensities.count == rows * columns else { return }
    paintCells(
      CAIRO_FORMAT_ARGB32, rows: rows, columns: columns, x: x, y: y, width: width, height: height
    ) { r, c in
      // Cairo's ARGB32 is premultiplied by alpha.
      let alpha = min(max(Double(intensities[r * columns + c]), 0), 1) * opacity
      func channel(_ value: Double) -> UInt32 { UInt32(value * alpha * 255 + 0.5) }
      return channel(1) << 24 | channel(color.red) << 16 | channel(color.green) << 8
        | channel(color.blue)
    }
  }

  /// Paints a `rows` × `columns` image of `format` whose cell (r, c) is the 32-bit pixel
  /// `cell(r, c)` over a rectangle, scaled with nearest-neighbour filtering.
  private func paintCells(
    _ format: cairo_format_t, rows: Int, columns: Int, x: Double, y: Double, width: Double,
    height: Double, cell: (Int, Int) -> UInt32
  ) {
    guard rows > 0, columns > 0 else { return }
    let image = cairo_image_surface_create(format, Int32(columns), Int32(rows))
    defer { cairo_surface_destroy(image) }
    guard cairo_surface_status(image) == CAIRO_STATUS_SUCCESS,
      let data = cairo_image_surface_get_data(image)
    else { return }
    let stride = Int(cairo_image_surface_get_stride(image))
    for r in 0..<rows {
      (data + r * stride).withMemoryRebound(to: UInt32.self, capacity: columns) { row in
        for c in 0..<columns { row[c] = cell(r, c) }
      }
    }
    cairo_surface_mark_dirty(image)
    cairo_save(context)
    cairo_rectangle(context, x, y, width, height)
    cairo_clip(context)
    cairo_translate(context, x, y)
    cairo_scale(context, width / Double(columns), height / Double(rows))
    cairo_set_source_surface(context, image, 0, 0)
    cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_NEAREST)
    cairo_paint(context)
    cairo_restore(context)
  }
}
