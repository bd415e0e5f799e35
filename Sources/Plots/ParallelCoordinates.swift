import Foundation

/// Parallel coordinates: one vertical axis per dimension and one line per item crossing them,
/// coloured by a value through a colormap with a colour bar (a sweep: one axis per parameter,
/// the last for the metric, one line per trial). Dashed lines mark items stopped early.
public struct ParallelCoordinates: Figure {
  /// One axis: a value per line, numeric or one of a few categories.
  public struct Dimension {
    public var name: String
    /// One value per line; for categories, the index into `categories`.
    public var values: [Double]
    /// Names of the categories, bottom to top, when the axis is categorical.
    public var categories: [String]?
    /// Log-scaled positions (learning rates).
    public var logarithmic: Bool

    /// A numeric axis.
    public init(name: String, values: [Double], logarithmic: Bool = false) {
      (self.name, self.values, self.categories, self.logarithmic) = (
        name, values, nil, logarithmic
      )
    }

    /// A categorical axis: each line's value is one of the categories, evenly spaced, which
    /// are `order` (bottom to top) and then any other label in order of appearance.
    public init(name: String, labels: [String], order: [String] = []) {
      var categories = order
      for label in labels where !categories.contains(label) { categories.append(label) }
      self.name = name
      self.values = labels.map { label in Double(categories.firstIndex(of: label) ?? 0) }
      self.categories = categories
      logarithmic = false
    }
  }

  public var dimensions: [Dimension]
  /// Each line's colour value (the metric).
  public var colorValues: [Double]
  /// What the colour shows, written beside the colour bar.
  public var colorLabel: String
  /// Lines drawn dashed (stopped early); none when empty.
  public var dashed: [Bool] = []
  public var colormap = Colormap.viridis
  public var title: String
  public var width = 760.0, height = 420.0

  /// A chart of `dimensions`, one line per index of their values, coloured by `colorValues`.
  public init(
    dimensions: [Dimension], colorValues: [Double], colorLabel: String, title: String
  ) {
    (self.dimensions, self.colorValues, self.colorLabel, self.title) = (
      dimensions, colorValues, colorLabel, title
    )
  }

  public var size: (width: Double, height: Double) { (width, height) }

  /// Where each axis's values fall, 0 at the bottom and 1 at the top.
  private func positions(_ dimension: Dimension) -> (
    fraction: (Double) -> Double,
    ticks: [(
      Double, String
    )]
  ) {
    if let categories = dimension.categories {
      let span = Double(max(categories.count - 1, 1))
      let offset = categories.count == 1 ? 0.5 : 0
      return (
        { $0 / span + offset },
        categories.enumerated().map { (Double($0.offset) / span + offset, $0.element) }
      )
    }
    let axis = Axis(
      covering: dimension.values, logarithmic: dimension.logarithmic, targetTicks: 5)
    return ({ axis.fraction($0) }, axis.ticks.map { (axis.fraction($0), axis.label($0)) })
  }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: width / 2, y: 24, size: 15, align: .center, bold: true, maxWidth: width - 20)
    let area = PlotArea(left: 96, top: 62, width: width - 226, height: height - 112)
    let finite = colorValues.filter(\.isFinite)
    let low = finite.min() ?? 0
    let high = finite.max() ?? 1
    func color(_ value: Double) -> Color {
      guard value.isFinite else { return .grid }
      return colormap.color(at: high > low ? (value - low) / (high - low) : 0.5)
    }
    let step = dimensions.count > 1 ? area.width / Double(dimensions.count - 1) : 0
    let scales = dimensions.map(positions)
    let lines = colorValues.count
    // Worst first, so the best lines are drawn on top.
    let order = (0..<lines).sorted {
      (colorValues[$0].isFinite ? colorValues[$0] : -.infinity)
        < (colorValues[$1].isFinite ? colorValues[$1] : -.infinity)
    }
    for line in order {
      let points = dimensions.indices.compactMap { d -> (Double, Double)? in
        guard dimensions[d].values.indices.contains(line), dimensions[d].values[line].isFinite
        else { return nil }
        let fraction = min(max(scales[d].fraction(dimensions[d].values[line]), 0), 1)
        return (area.left + Double(d) * step, area.y(fraction))
      }
      let isDashed = dashed.indices.contains(line) && dashed[line]
      for (a, b) in zip(points, points.dropFirst()) {
        canvas.line(
          from: a, to: b, color: color(colorValues[line]), width: 2, dash: isDashed ? [6, 4] : [])
      }
    }
    for (d, dimension) in dimensions.enumerated() {
      let x = area.left + Double(d) * step
      canvas.line(from: (x, area.top), to: (x, area.bottom), color: .axis, width: 1.2)
      for (fraction, label) in scales[d].ticks {
        let y = area.y(fraction)
        canvas.line(from: (x - 3, y), to: (x + 3, y), color: .axis)
        canvas.text(label, x: x + 5, y: y + 4, size: 9, color: .axis, maxWidth: step * 0.45 + 40)
      }
      canvas.text(
        dimension.name, x: x, y: area.top - 12, size: 10, align: .center, bold: true,
        maxWidth: min(max(step, 90), 180) - 6)
    }
    drawColorBar(on: canvas, x: area.right + 70, area: area, low: low, high: high)
  }

  private func drawColorBar(
    on canvas: Canvas, x: Double, area: PlotArea, low: Double, high: Double
  ) {
    let steps = 64
    let slice = area.height / Double(steps)
    for i in 0..<steps {
      let t = Double(i) / Double(steps - 1)
      canvas.fill(
        x: x, y: area.bottom - Double(i + 1) * slice, width: 14, height: slice + 0.5,
        color: colormap.color(at: t))
    }
    canvas.stroke(x: x, y: area.top, width: 14, height: area.height, color: .axis)
    canvas.text(Axis.format(high), x: x + 18, y: area.top + 8, size: 9, color: .axis)
    canvas.text(Axis.format(low), x: x + 18, y: area.bottom, size: 9, color: .axis)
    canvas.text(
      colorLabel, x: x + 7, y: area.bottom + 22, size: 10, align: .center, maxWidth: 100)
  }
}
