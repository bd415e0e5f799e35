import Foundation

/// A matrix heatmap with the value in every cell: the paper's Fig 4 confusion matrix (rows true,
/// columns predicted), optionally row-normalised, or a diverging map for the difference of two
/// matrices.
public struct Heatmap: Figure {
  /// values[row][column].
  public var values: [[Double]]
  public var rowLabels: [String], columnLabels: [String]
  public var title: String
  public var xLabel = "Predicted", yLabel = "True"
  public var colormap = Colormap.blues
  /// Divide each row by its sum and show percentages.
  public var normalizeRows = false
  /// Centre the colour scale on zero (use with `Colormap.redBlue`).
  public var diverging = false
  public var side = 620.0

  public init(values: [[Double]], rowLabels: [String], columnLabels: [String], title: String) {
    (self.values, self.rowLabels, self.columnLabels, self.title) = (
      values, rowLabels, columnLabels, title
    )
  }

  /// A confusion-matrix heatmap from integer counts[true][predicted].
  public init(confusion: [[Int]], classNames: [String], title: String) {
    self.init(
      values: confusion.map { $0.map(Double.init) }, rowLabels: classNames,
      columnLabels: classNames, title: title)
  }

  private var labelWidth: Double {
    max(40, min(130, Double((rowLabels.map(\.count).max() ?? 1)) * 7 + 14))
  }
  public var size: (width: Double, height: Double) {
    (side + labelWidth + 40, side + labelWidth + 50)
  }

  /// The matrix as shown: row-normalised when asked.
  public var displayed: [[Double]] {
    guard normalizeRows else { return values }
    return values.map { row in
      let total = row.filter(\.isFinite).reduce(0, +)
      return row.map { total > 0 ? $0 / total : 0 }
    }
  }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: size.width / 2, y: 24, size: 15, align: .center, bold: true,
      maxWidth: size.width - 20)
    let rows = values.count
    let columns = values.first?.count ?? 0
    guard rows > 0, columns > 0 else {
      canvas.text(
        "empty matrix", x: size.width / 2, y: size.height / 2, size: 14, color: .axis,
        align: .center)
      return
    }
    let matrix = displayed
    let finite = matrix.flatMap { $0 }.filter(\.isFinite)
    let largest = finite.map(abs).max() ?? 0
    let low = diverging ? -largest : min(finite.min() ?? 0, 0)
    let high = diverging ? largest : max(finite.max() ?? 0, low)
    let cell = min(side / Double(columns), side / Double(rows))
    let left = labelWidth + 20
    let top = 44.0
    let fontSize = min(14, cell * 0.36)
    let annotate = cell >= 16
    for r in 0..<rows {
      for c in 0..<columns {
        let value = matrix[r][c]
        let t = high > low ? (value - low) / (high - low) : (diverging ? 0.5 : 0)
        let color = value.isFinite ? colormap.color(at: t) : Color(hex: 0xcccccc)
        let x = left + Double(c) * cell
        let y = top + Double(r) * cell
        canvas.fill(x: x, y: y, width: cell, height: cell, color: color)
        guard annotate else { continue }
        let text =
          value.isFinite
          ? (normalizeRows ? String(format: "%.0f%%", value * 100) : Axis.format(value)) : "–"
        canvas.text(
          text, x: x + cell / 2, y: y + cell / 2 + fontSize * 0.35, size: fontSize,
          color: color.luminance > 0.5 ? .text : .white, align: .center, maxWidth: cell - 2)
      }
    }
    canvas.stroke(
      x: left, y: top, width: cell * Double(columns), height: cell * Double(rows), color: .axis)
    // Thin out tick labels so that at least 12 points separate neighbours.
    let every = max(1, Int(ceil(12 / cell)))
    let tickSize = min(12, max(7, cell * 0.4))
    let gridBottom = top + cell * Double(rows)
    let longColumnLabels = columnLabels.contains { $0.count > 2 }
    for c in stride(from: 0, to: min(columns, columnLabels.count), by: every) {
      let center = left + (Double(c) + 0.5) * cell
      if longColumnLabels {
        // Read bottom to top, ending just under the grid.
        canvas.text(
          columnLabels[c], x: center + tickSize * 0.35, y: gridBottom + 6, size: tickSize,
          color: .axis,
          align: .right, maxWidth: labelWidth - 10, angle: -.pi / 2)
      } else {
        canvas.text(
          columnLabels[c], x: center, y: gridBottom + 16, size: tickSize, color: .axis,
          align: .center)
      }
    }
    for r in stride(from: 0, to: rows, by: every) where r < rowLabels.count {
      canvas.text(
        rowLabels[r], x: left - 6, y: top + (Double(r) + 0.5) * cell + tickSize * 0.35,
        size: tickSize, color: .axis, align: .right, maxWidth: labelWidth - 10)
    }
    canvas.text(
      xLabel, x: left + cell * Double(columns) / 2,
      y: gridBottom + (longColumnLabels ? labelWidth : 24) + 14, size: 13, align: .center,
      bold: true)
    canvas.text(
      yLabel, x: 18, y: top + cell * Double(rows) / 2, size: 13, align: .center, bold: true,
      angle: -.pi / 2)
  }
}
