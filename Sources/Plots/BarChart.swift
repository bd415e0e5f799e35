import Foundation

/// Vertical bars, one per category, with optional error bars (per-class accuracy, a metric per
/// run with its spread over seeds).
public struct BarChart: Figure {
  public var categories: [String]
  public var values: [Double]
  /// Half-widths of error bars (standard deviation or CI), when known.
  public var errors: [Double]?
  public var title: String, yLabel: String
  /// Index of a bar drawn in the accent colour (the best run).
  public var highlighted: Int?
  /// Fix the y range, for example 0...1 for accuracies; fitted to the data when nil.
  public var yRange: ClosedRange<Double>?
  public var width = 640.0, height = 380.0

  public init(categories: [String], values: [Double], title: String, yLabel: String) {
    (self.categories, self.values, self.title, self.yLabel) = (categories, values, title, yLabel)
  }

  public var size: (width: Double, height: Double) { (width, height) }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: width / 2, y: 24, size: 15, align: .center, bold: true, maxWidth: width - 20)
    let longLabels = categories.contains { $0.count > 6 }
    let area = PlotArea(
      left: 72, top: 40, width: width - 92, height: height - 40 - (longLabels ? 100 : 50))
    let tops = zip(values, errors ?? values.map { _ in 0 }).map { $0 + $1 }
    let bottoms = zip(values, errors ?? values.map { _ in 0 }).map { $0 - $1 }
    let axis =
      yRange.map { Axis(lower: $0.lowerBound, upper: $0.upperBound) }
      ?? Axis(covering: tops + bottoms, includeZero: true)
    area.drawAxes(on: canvas, x: nil, y: axis, xLabel: nil, yLabel: yLabel)
    guard !values.isEmpty else { return }
    let slot = area.width / Double(values.count)
    let barWidth = max(1, slot * 0.7)
    let zero = area.y(axis.fraction(min(max(0, axis.lower), axis.upper)))
    let labelEvery = max(1, Int(ceil(14 / slot)))
    for (i, value) in values.enumerated() {
      let center = area.left + (Double(i) + 0.5) * slot
      let color = i == highlighted ? Palette.color(1) : Palette.color(0)
      if value.isFinite {
        let top = area.y(max(0, min(1, axis.fraction(value))))
        canvas.fill(
          x: center - barWidth / 2, y: min(top, zero), width: barWidth, height: abs(zero - top),
          color: color)
        if let errors, i < errors.count, errors[i].isFinite, errors[i] > 0 {
          let hi = area.y(min(1, axis.fraction(value + errors[i])))
          let lo = area.y(max(0, axis.fraction(value - errors[i])))
          canvas.line(from: (center, hi), to: (center, lo), color: .text, width: 1.5)
          canvas.line(
            from: (center - barWidth / 4, hi), to: (center + barWidth / 4, hi), color: .text,
            width: 1.5)
          canvas.line(
            from: (center - barWidth / 4, lo), to: (center + barWidth / 4, lo), color: .text,
            width: 1.5)
        }
      }
      guard i % labelEvery == 0, i < categories.count else { continue }
      if longLabels {
        canvas.text(
          categories[i], x: center + 4, y: area.bottom + 8, size: 10, color: .axis, align: .right,
          maxWidth: 92, angle: -.pi / 2)
      } else {
        canvas.text(
          categories[i], x: center, y: area.bottom + 16, size: 10, color: .axis, align: .center,
          maxWidth: slot * Double(labelEvery))
      }
    }
  }
}

/// One labelled point per run: accuracy against parameters or training time.
public struct ScatterChart: Figure {
  /// A point and its label.
  public struct Point {
    public var x: Double, y: Double, label: String
    public init(x: Double, y: Double, label: String) {
      (self.x, self.y, self.label) = (x, y, label)
    }
  }

  public var points: [Point]
  public var title: String, xLabel: String, yLabel: String
  public var logX = false
  /// Names of the x positions 0, 1, ...: a categorical x axis, each name under its tick.
  public var xCategories: [String]?
  public var width = 640.0, height = 400.0

  public init(points: [Point], title: String, xLabel: String, yLabel: String) {
    (self.points, self.title, self.xLabel, self.yLabel) = (points, title, xLabel, yLabel)
  }

  public var size: (width: Double, height: Double) { (width, height) }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: width / 2, y: 24, size: 15, align: .center, bold: true, maxWidth: width - 20)
    let area = PlotArea(left: 72, top: 40, width: width - 92, height: height - 98)
    let shown = points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
    let xAxis =
      xCategories.map { Axis(categories: $0.count) }
      ?? Axis(covering: Self.withMargins(shown.map(\.x), logarithmic: logX), logarithmic: logX)
    let yAxis = Axis(covering: Self.withMargins(shown.map(\.y)))
    area.drawAxes(
      on: canvas, x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel,
      showXTickLabels: xCategories == nil)
    if let xCategories {
      for (i, name) in xCategories.enumerated() {
        canvas.text(
          name, x: area.x(xAxis.fraction(Double(i))), y: area.bottom + 15, size: 10,
          color: .axis, align: .center, maxWidth: area.width / Double(xCategories.count) - 4)
      }
    }
    let centers = shown.map { (x: area.x(xAxis.fraction($0.x)), y: area.y(yAxis.fraction($0.y))) }
    for (i, center) in centers.enumerated() {
      canvas.circle(x: center.x, y: center.y, radius: 5, color: Palette.color(i), outline: .white)
    }
    let labels = Self.placeLabels(
      centers, widths: shown.map { canvas.textWidth($0.label, size: 10) },
      plotTop: area.top, plotRight: area.right, canvasWidth: width)
    // Each label in its point's colour: in a cluster, a label may sit nearer another point.
    for (i, (p, label)) in zip(shown, labels).enumerated() {
      canvas.text(
        p.label, x: label.x, y: label.baseline, size: 10, color: Palette.color(i),
        align: label.align, maxWidth: label.maxWidth)
    }
    if shown.count < points.count {
      canvas.text(
        "\(points.count - shown.count) point(s) with non-finite values not drawn", x: area.right,
        y: height - 8, size: 9, color: .error, align: .right)
    }
  }

  /// `values` and two more, 4% of their span beyond each end (of their logarithms on a log
  /// axis): an axis covering them keeps every point off the plot's frame. Values that are all
  /// zero or more (seconds, counts) get no margin below zero.
  static func withMargins(_ values: [Double], logarithmic: Bool = false) -> [Double] {
    let scaled = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
      .map { logarithmic ? log10($0) : $0 }
    guard let low = scaled.min(), let high = scaled.max(), high > low else { return values }
    let margin = (high - low) * 0.04
    let below = low >= 0 && !logarithmic ? max(0, low - margin) : low - margin
    return values + [below, high + margin].map { logarithmic ? pow(10, $0) : $0 }
  }

  /// Where a point's 10-point label goes: beside it, `align`ed at `x` on `baseline`, at most
  /// `maxWidth` wide (the canvas shrinks a longer one).
  struct LabelPlacement: Equatable {
    var x: Double, baseline: Double, align: TextAlignment, maxWidth: Double
  }

  /// Labels for points at `centers` (pixels) with natural `widths`: right of the point when the
  /// label fits inside the plot, else left when it fits on the canvas, else on the roomier side,
  /// shrunk to fit; never above the plot's top; a label that would overlap one placed before
  /// moves down below it.
  static func placeLabels(
    _ centers: [(x: Double, y: Double)], widths: [Double], plotTop: Double,
    plotRight: Double, canvasWidth: Double
  ) -> [LabelPlacement] {
    let gap = 8.0
    let edge = 4.0
    let lineHeight = 12.0
    var placed: [(left: Double, right: Double, baseline: Double)] = []
    var labels: [LabelPlacement] = []
    for (center, width) in zip(centers, widths) {
      let roomRight = canvasWidth - edge - (center.x + gap)
      let roomLeft = center.x - gap - edge
      let right =
        center.x + gap + width < plotRight || (width > roomLeft && roomRight >= roomLeft)
      let maxWidth = right ? roomRight : roomLeft
      let drawn = min(width, maxWidth)
      let left = right ? center.x + gap : center.x - gap - drawn
      // Inside the plot: a point on its top edge must not put its label in the title.
      var baseline = max(center.y - 7, plotTop + 10)
      // Rows of labels never overlap: move below each one this label would cover.
      for other in placed.sorted(by: { $0.baseline < $1.baseline })
      where other.left < left + drawn && left < other.right
        && abs(other.baseline - baseline) < lineHeight
      {
        baseline = other.baseline + lineHeight
      }
      placed.append((left, left + drawn, baseline))
      labels.append(
        LabelPlacement(
          x: right ? center.x + gap : center.x - gap, baseline: baseline,
          align: right ? .left : .right, maxWidth: maxWidth))
    }
    return labels
  }
}
