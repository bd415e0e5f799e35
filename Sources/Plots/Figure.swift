import AtomicFiles
import Foundation

/// A chart that knows its size and how to draw itself on a canvas (matplotlib's Artist); the
/// canvas is the renderer.
public protocol Figure {
  /// Width and height in points.
  var size: (width: Double, height: Double) { get }
  /// Draws the whole figure.
  func draw(on canvas: Canvas)
}

extension Figure {
  /// Writes the figure to `path` in the format its extension names (png, svg, pdf); `scale`
  /// multiplies PNG pixels for high-density screens. The file is written to a temporary name and
  /// renamed, so a reader never sees half a figure.
  public func render(to path: String, scale: Double = 1) throws {
    guard let format = FigureFormat(path: path) else {
      throw PlotError.invalidInput("\(path): unknown figure format; use .png, .svg or .pdf")
    }
    do {
      try AtomicFile.replace(path) { temporary in
        let canvas = try Canvas(
          width: size.width, height: size.height, scale: scale, format: format, path: temporary)
        draw(on: canvas)
        try canvas.finish()
      }
    } catch PlotError.cairo(_, let status) {
      throw PlotError.cairo(path: path, status: status)
    } catch FileError.unwritable(_, let reason) {
      throw PlotError.cairo(path: path, status: reason)
    }
  }
}

/// Shared layout for charts with axes: the plot rectangle inside margins.
struct PlotArea {
  var left: Double, top: Double, width: Double, height: Double
  var right: Double { left + width }
  var bottom: Double { top + height }

  func x(_ fraction: Double) -> Double { left + fraction * width }
  func y(_ fraction: Double) -> Double { bottom - fraction * height }

  /// Draws the frame, grid lines and tick labels for a y axis, and for an x axis when given.
  func drawAxes(
    on canvas: Canvas, x xAxis: Axis?, y yAxis: Axis, xLabel: String?, yLabel: String?,
    showXTickLabels: Bool = true
  ) {
    for tick in yAxis.ticks {
      let py = y(yAxis.fraction(tick))
      canvas.line(from: (left, py), to: (right, py), color: .grid)
      canvas.text(yAxis.label(tick), x: left - 6, y: py + 4, size: 10, color: .axis, align: .right)
    }
    if let xAxis {
      for tick in xAxis.ticks {
        let px = x(xAxis.fraction(tick))
        canvas.line(from: (px, top), to: (px, bottom), color: .grid)
        if showXTickLabels {
          canvas.text(
            xAxis.label(tick), x: px, y: bottom + 15, size: 10, color: .axis, align: .center)
        }
      }
    }
    canvas.stroke(x: left, y: top, width: width, height: height, color: .axis, lineWidth: 1)
    if let xLabel {
      canvas.text(
        xLabel, x: left + width / 2, y: bottom + 34, size: 12, align: .center, maxWidth: width)
    }
    if let yLabel {
      canvas.text(
        yLabel, x: left - 48, y: top + height / 2, size: 12, align: .center, maxWidth: height,
        angle: -.pi / 2)
    }
  }
}

/// One entry of a legend.
struct LegendEntry {
  var label: String, color: Color, dashed: Bool = false, marker: Bool = false
}

/// Draws a legend in whichever corner of `area` covers the fewest of `points` (matplotlib's
/// loc="best").
func drawLegend(
  _ entries: [LegendEntry], in area: PlotArea, avoiding points: [(Double, Double)],
  on canvas: Canvas
) {
  guard !entries.isEmpty else { return }
  let rowHeight = 17.0
  let textWidth = entries.map { canvas.textWidth($0.label, size: 10) }.max() ?? 0
  let width = min(textWidth + 40, area.width - 16)
  let height = Double(entries.count) * rowHeight + 8
  let corners = [
    (area.right - width - 8, area.top + 8), (area.left + 8, area.top + 8),
    (area.right - width - 8, area.bottom - height - 8), (area.left + 8, area.bottom - height - 8),
  ]
  let (x, y) =
    corners.min { a, b in
      func covered(_ c: (Double, Double)) -> Int {
        points.filter { $0.0 >= c.0 && $0.0 <= c.0 + width && $0.1 >= c.1 && $0.1 <= c.1 + height }
          .count
      }
      return covered(a) < covered(b)
    } ?? corners[0]
  canvas.fill(x: x, y: y, width: width, height: height, color: Color(1, 1, 1, alpha: 0.9))
  canvas.stroke(x: x, y: y, width: width, height: height, color: .grid)
  for (i, entry) in entries.enumerated() {
    let rowY = y + 4 + Double(i) * rowHeight + rowHeight / 2
    if entry.marker {
      canvas.circle(x: x + 17, y: rowY, radius: 4, color: entry.color)
    } else {
      canvas.line(
        from: (x + 6, rowY), to: (x + 28, rowY), color: entry.color, width: 2.5,
        dash: entry.dashed ? [5, 3] : [])
    }
    canvas.text(entry.label, x: x + 34, y: rowY + 4, size: 10, maxWidth: width - 38)
  }
}
