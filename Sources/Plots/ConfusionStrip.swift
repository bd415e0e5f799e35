import Foundation

/// Small confusion matrices side by side, one per epoch, showing how a model's mistakes change
/// over training; several rows (one per run) share the columns and one colour scale, so runs
/// compare epoch by epoch. Only mistakes are coloured, from white (none) to dark red (the most any
/// off-diagonal cell of the strip holds); the diagonal, right answers, is a flat pale grey so that
/// the errors stand out.
public struct ConfusionStrip: Figure {
  /// One small matrix: counts[true][predicted], nil for a blank panel (a run without that epoch).
  public struct Panel: Sendable {
    public var label: String
    public var counts: [[Int]]?

    /// A panel captioned `label`.
    public init(label: String, counts: [[Int]]?) { (self.label, self.counts) = (label, counts) }

    /// Right answers in the panel: the diagonal's sum.
    var correct: Int { counts.map { m in m.indices.reduce(0) { $0 + m[$1][$1] } } ?? 0 }
    /// Mistakes in the panel: everything off the diagonal.
    var mistakes: Int { (counts?.joined().reduce(0, +) ?? 0) - correct }
  }

  /// One run's panels, labelled on the left when the label is not empty.
  public struct Row: Sendable {
    public var label: String
    public var panels: [Panel]

    /// A row of `panels` labelled `label`.
    public init(label: String, panels: [Panel]) { (self.label, self.panels) = (label, panels) }
  }

  public var rows: [Row]
  public var title: String
  /// The side of each small matrix, in points.
  public var panelSide = 96.0
  /// The colours of mistakes, from none to the most.
  public var colormap = Colormap.reds
  /// The colour of the diagonal.
  public static let diagonal = Color(hex: 0xe0e0e0)

  /// A strip of `rows` under `title`.
  public init(rows: [Row], title: String) { (self.rows, self.title) = (rows, title) }

  /// At most `limit` of `count` items, evenly spaced, always the first and the last: which
  /// epochs a strip shows when there are more than fit.
  public static func sample(_ count: Int, limit: Int) -> [Int] {
    guard count > limit, limit > 1 else { return Array(0..<min(count, max(limit, 0))) }
    return (0..<limit).map {
      Int((Double($0) * Double(count - 1) / Double(limit - 1)).rounded())
    }
  }

  private var gap: Double { 14 }
  private var top: Double { 44 }
  private var captionHeight: Double { 34 }
  private var columns: Int { rows.map(\.panels.count).max() ?? 0 }
  private var labelWidth: Double {
    rows.contains { !$0.label.isEmpty }
      ? min(160, Double(rows.map(\.label.count).max() ?? 0) * 7 + 16) : 0
  }
  private var left: Double { 16 + labelWidth }

  public var size: (width: Double, height: Double) {
    (
      max(320, left + Double(max(columns, 1)) * (panelSide + gap) + 70),
      top + Double(max(rows.count, 1)) * (panelSide + captionHeight) + 8
    )
  }

  /// The largest off-diagonal count of the strip: the darkest colour.
  var largestMistake: Int {
    rows.flatMap(\.panels).compactMap(\.counts).flatMap { m in
      m.indices.flatMap { r in m[r].indices.filter { $0 != r }.map { m[r][$0] } }
    }.max() ?? 0
  }

  /// The colour of a cell holding `count` at (`row`, `column`): white for no mistake, and a
  /// single mistake already a visible pink, so that rare errors are not lost in white.
  func color(count: Int, row: Int, column: Int) -> Color {
    guard row != column else { return Self.diagonal }
    let largest = largestMistake
    guard count > 0, largest > 0 else { return .white }
    return colormap.color(at: 0.15 + 0.85 * Double(count) / Double(largest))
  }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: size.width / 2, y: 24, size: 15, align: .center, bold: true,
      maxWidth: size.width - 20)
    guard columns > 0 else {
      canvas.text(
        "no confusion matrices recorded", x: size.width / 2, y: top + 30, size: 13, color: .axis,
        align: .center)
      return
    }
    for (r, row) in rows.enumerated() {
      let y = top + Double(r) * (panelSide + captionHeight)
      if !row.label.isEmpty {
        canvas.text(
          row.label, x: left - 10, y: y + panelSide / 2 + 4, size: 12, align: .right, bold: true,
          maxWidth: labelWidth - 6)
      }
      for (c, panel) in row.panels.enumerated() {
        let x = left + Double(c) * (panelSide + gap)
        draw(panel, x: x, y: y, on: canvas)
      }
    }
    drawScale(on: canvas)
  }

  private func draw(_ panel: Panel, x: Double, y: Double, on canvas: Canvas) {
    guard let counts = panel.counts, !counts.isEmpty else {
      canvas.stroke(x: x, y: y, width: panelSide, height: panelSide, color: .grid)
      canvas.text(
        "–", x: x + panelSide / 2, y: y + panelSide / 2 + 5, size: 14, color: .axis,
        align: .center)
      canvas.text(
        panel.label, x: x + panelSide / 2, y: y + panelSide + 14, size: 10, color: .axis,
        align: .center, maxWidth: panelSide + gap - 2)
      return
    }
    let cell = panelSide / Double(counts.count)
    for (r, row) in counts.enumerated() {
      for (c, count) in row.enumerated() {
        canvas.fill(
          x: x + Double(c) * cell, y: y + Double(r) * cell, width: cell, height: cell,
          color: color(count: count, row: r, column: c))
      }
    }
    canvas.stroke(x: x, y: y, width: panelSide, height: panelSide, color: .axis, lineWidth: 0.8)
    canvas.text(
      panel.label, x: x + panelSide / 2, y: y + panelSide + 14, size: 10, align: .center,
      maxWidth: panelSide + gap - 2)
    canvas.text(
      "\(panel.mistakes) wrong", x: x + panelSide / 2, y: y + panelSide + 27, size: 10,
      color: .axis, align: .center, maxWidth: panelSide + gap - 2)
  }

  /// The colour scale: from one mistake to the largest mistake count.
  private func drawScale(on canvas: Canvas) {
    let x = left + Double(columns) * (panelSide + gap) + 6
    let height = panelSide
    let steps = 40
    for i in 0..<steps {
      let t = 1 - 0.85 * Double(i) / Double(steps - 1)
      canvas.fill(
        x: x, y: top + Double(i) * height / Double(steps), width: 12,
        height: height / Double(steps) + 0.5, color: colormap.color(at: t))
    }
    canvas.stroke(x: x, y: top, width: 12, height: height, color: .axis, lineWidth: 0.8)
    canvas.text(String(largestMistake), x: x + 16, y: top + 8, size: 10, color: .axis)
    canvas.text(largestMistake > 1 ? "1" : "", x: x + 16, y: top + height, size: 10, color: .axis)
    canvas.text("wrong", x: x, y: top + height + 14, size: 10, color: .axis)
  }
}
