import Foundation

/// Line chart of one or more series over epochs (or any x), with legend, nice ticks, light grid,
/// optional log scale, a highlighted point, vertical event markers, shaded bands, and an optional
/// second panel (the learning rate) sharing the x axis. Used for the paper's Fig 3a and 3b.
public struct LineChart: Figure {
  /// One line.
  public struct Series {
    public var name: String
    /// x positions; 1, 2, 3... when nil.
    public var x: [Double]?
    public var y: [Double]
    /// Palette colour by position when nil.
    public var color: Color?
    public var dashed: Bool
    /// A shaded band (for example mean ± standard deviation over seeds).
    public var band: (lower: [Double], upper: [Double])?
    /// Draws a dot at every point, for lines through few measured values.
    public var marksPoints: Bool

    public init(
      name: String, x: [Double]? = nil, y: [Double], color: Color? = nil, dashed: Bool = false,
      band: (lower: [Double], upper: [Double])? = nil, marksPoints: Bool = false
    ) {
      (self.name, self.x, self.y, self.color, self.dashed, self.band) = (
        name, x, y, color, dashed, band
      )
      self.marksPoints = marksPoints
    }

    func xs() -> [Double] { x ?? y.indices.map { Double($0 + 1) } }
  }

  /// A vertical marker at x, such as a learning-rate cut or an early stop.
  public struct Event {
    public var x: Double, label: String, color: Color
    public init(x: Double, label: String, color: Color = .axis) {
      (self.x, self.label, self.color) = (x, label, color)
    }
  }

  /// A labelled point, such as the best epoch.
  public struct Highlight {
    public var x: Double, y: Double, label: String
    public init(x: Double, y: Double, label: String) {
      (self.x, self.y, self.label) = (x, y, label)
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  public var logScale = false
  /// Draws x on a log10 axis (positive x only), as for sizes spanning decades.
  public var logScaleX = false
  public var highlight: Highlight?
  public var events: [Event] = []
  /// A second, shorter panel below, sharing x, drawn on a log axis (learning rate).
  public var secondary: (label: String, series: [Series])?
  public var width = 640.0, height = 400.0

  public init(title: String, xLabel: String = "Epoch", yLabel: String, series: [Series]) {
    (self.title, self.xLabel, self.yLabel, self.series) = (title, xLabel, yLabel, series)
  }

  public var size: (width: Double, height: Double) {
    (width, height + (secondary == nil ? 0 : 130))
  }

  /// How many non-finite (or, on a log axis, non-positive) values are left out.
  public var skippedValues: Int {
    series.reduce(0) { total, s in
      total
        + zip(s.xs(), s.y).filter { x, y in
          !y.isFinite || (logScale && y <= 0) || (logScaleX && x <= 0)
        }.count
    }
  }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: width / 2, y: 24, size: 15, align: .center, bold: true, maxWidth: width - 20)
    let area = PlotArea(left: 72, top: 40, width: width - 92, height: height - 40 - 58)
    let xValues =
      series.flatMap { $0.xs() } + events.map(\.x) + (secondary?.series.flatMap { $0.xs() } ?? [])
    let xAxis = Axis(
      covering: xValues.isEmpty ? [1] : xValues, logarithmic: logScaleX, targetTicks: 8,
      integers: xValues.allSatisfy { $0 == $0.rounded() })
    let yValues = series.flatMap { s in s.y + (s.band.map { $0.lower + $0.upper } ?? []) }
    let yAxis = Axis(covering: yValues, logarithmic: logScale)
    area.drawAxes(
      on: canvas, x: xAxis, y: yAxis, xLabel: secondary == nil ? xLabel : nil, yLabel: yLabel,
      showXTickLabels: secondary == nil)
    func point(_ x: Double, _ y: Double) -> (Double, Double)? {
      guard y.isFinite, x.isFinite, !logScale || y > 0, !logScaleX || x > 0 else { return nil }
      return (area.x(xAxis.fraction(x)), area.y(yAxis.fraction(y)))
    }
    for event in events {
      let px = area.x(xAxis.fraction(event.x))
      canvas.line(
        from: (px, area.top), to: (px, area.bottom), color: event.color, width: 1, dash: [4, 3])
      let fitsRight = px + 3 + min(canvas.textWidth(event.label, size: 9), 110) < area.right
      canvas.text(
        event.label, x: fitsRight ? px + 3 : px - 3, y: area.top + 12, size: 9, color: event.color,
        align: fitsRight ? .left : .right, maxWidth: 110)
    }
    var drawn: [(Double, Double)] = []
    for (i, s) in series.enumerated() {
      let color = s.color ?? Palette.color(i)
      let xs = s.xs()
      if let band = s.band {
        let upper = zip(xs, band.upper).compactMap { point($0, $1) }
        let lower = zip(xs, band.lower).compactMap { point($0, $1) }.reversed()
        canvas.polygon(upper + lower, color: Color(color.red, color.green, color.blue, alpha: 0.2))
      }
      let points = zip(xs, s.y).map { point($0, $1) }
      drawn += points.compactMap { $0 }
      if s.dashed {
        for (a, b) in zip(points, points.dropFirst()) {
          if let a, let b { canvas.line(from: a, to: b, color: color, width: 2, dash: [6, 4]) }
        }
      } else {
        canvas.polyline(points, color: color)
      }
      // A lone point (a single epoch) would be invisible as a line.
      let visible = points.compactMap { $0 }
      if s.marksPoints || visible.count == 1 {
        for p in visible { canvas.circle(x: p.0, y: p.1, radius: 3.5, color: color) }
      }
    }
    if let highlight, let p = point(highlight.x, highlight.y) {
      canvas.circle(x: p.0, y: p.1, radius: 5.5, color: .white, outline: .text)
      let right = p.0 + 8 + canvas.textWidth(highlight.label, size: 10) < area.right
      canvas.text(
        highlight.label, x: right ? p.0 + 9 : p.0 - 9, y: p.1 + 16, size: 10,
        align: right ? .left : .right, bold: true)
    }
    // The legend also keeps clear of the highlighted point and its label.
    var marked: [(Double, Double)] = []
    if let highlight, let p = point(highlight.x, highlight.y) {
      for offset in -6...6 { marked.append((p.0 + Double(offset) * 10, p.1 + 8)) }
      marked.append(p)
    }
    drawLegend(
      series.enumerated().map {
        LegendEntry(label: $1.name, color: $1.color ?? Palette.color($0), dashed: $1.dashed)
      }, in: area, avoiding: drawn + marked, on: canvas)
    if skippedValues > 0 {
      canvas.text(
        "\(skippedValues) non-finite value\(skippedValues == 1 ? "" : "s") not drawn",
        x: area.right, y: height - 8, size: 9, color: .error, align: .right)
    }
    if let secondary { drawSecondary(secondary, xAxis: xAxis, on: canvas) }
  }

  private func drawSecondary(
    _ panel: (label: String, series: [Series]), xAxis: Axis, on canvas: Canvas
  ) {
    let area = PlotArea(left: 72, top: height - 10, width: width - 92, height: 84)
    let values = panel.series.flatMap(\.y)
    let axis = Axis(
      covering: values, logarithmic: values.allSatisfy { $0 > 0 } && !values.isEmpty, targetTicks: 3
    )
    area.drawAxes(on: canvas, x: xAxis, y: axis, xLabel: xLabel, yLabel: nil)
    canvas.text(panel.label, x: area.left + 6, y: area.top + 13, size: 10, color: .axis)
    for (i, s) in panel.series.enumerated() {
      let points = zip(s.xs(), s.y).map { x, y -> (Double, Double)? in
        guard y.isFinite, !axis.logarithmic || y > 0 else { return nil }
        return (area.x(xAxis.fraction(x)), area.y(axis.fraction(y)))
      }
      canvas.polyline(points, color: s.color ?? Palette.color(i + 4), width: 1.5)
    }
  }
}
