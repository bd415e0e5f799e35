import Foundation

/// A network drawn as a column of boxes, one per layer, with its type, settings, output shape and
/// parameter count, joined by arrows: the paper's Fig 1 sketch of a CNN.
public struct ModelDiagram: Figure {
  /// One layer's box.
  public struct Box {
    public var kind: String, settings: String, outputShape: [Int], parameters: Int
    /// Where the layer's weights came from and whether they train ("loaded, frozen"): drawn in
    /// the box, whose border is then drawn heavier (dashed when frozen).
    public var origin: Origin?
    public init(
      kind: String, settings: String, outputShape: [Int], parameters: Int, origin: Origin? = nil
    ) {
      (self.kind, self.settings, self.outputShape, self.parameters) = (
        kind, settings, outputShape, parameters
      )
      self.origin = origin
    }
  }

  /// A layer whose weights another run gave it.
  public enum Origin: Sendable {
    case loaded, loadedFrozen

    var label: String { self == .loaded ? "loaded" : "loaded, frozen" }
  }

  /// Names the run that marked layers came from, under the total (nil draws no legend).
  public var originLegend: String?

  public var inputShape: [Int]
  public var boxes: [Box]
  public var title: String
  public var width = 560.0

  public init(inputShape: [Int], boxes: [Box], title: String) {
    (self.inputShape, self.boxes, self.title) = (inputShape, boxes, title)
  }

  private let boxHeight = 38.0, gap = 14.0
  public var size: (width: Double, height: Double) {
    (width, 50 + Double(boxes.count + 1) * (boxHeight + gap) + 30 + (originLegend == nil ? 0 : 18))
  }

  private static let originColor = Color(hex: 0x1f5f9f)

  private func color(_ kind: String) -> Color {
    switch kind {
    case let k where k.hasPrefix("Conv"): return Color(hex: 0xdbe9f6)
    case let k where k.contains("Pool"): return Color(hex: 0xfde2c8)
    case "BatchNormalization": return Color(hex: 0xd9f0d3)
    case "Dense": return Color(hex: 0xe8dff5)
    default: return Color(hex: 0xeeeeee)
    }
  }

  private static func shape(_ dims: [Int]) -> String {
    dims.map(String.init).joined(separator: "×")
  }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: width / 2, y: 26, size: 15, align: .center, bold: true, maxWidth: width - 20)
    let left = 40.0
    let boxWidth = width - 80
    var y = 44.0
    let rows = [Box(kind: "Input", settings: "", outputShape: inputShape, parameters: 0)] + boxes
    for (i, box) in rows.enumerated() {
      if i > 0 {
        let x = width / 2
        canvas.line(from: (x, y - gap), to: (x, y - 2), color: .axis, width: 1.5)
        canvas.polygon([(x - 4, y - 7), (x + 4, y - 7), (x, y - 1)], color: .axis)
      }
      canvas.fill(x: left, y: y, width: boxWidth, height: boxHeight, color: color(box.kind))
      if let origin = box.origin {
        canvas.stroke(
          x: left, y: y, width: boxWidth, height: boxHeight, color: Self.originColor,
          lineWidth: 2.5, dash: origin == .loadedFrozen ? [6, 3] : [])
        canvas.text(
          origin.label, x: left + boxWidth - 10, y: y + 12, size: 9, color: Self.originColor,
          align: .right, bold: true)
      } else {
        canvas.stroke(x: left, y: y, width: boxWidth, height: boxHeight, color: .axis)
      }
      let heading = box.settings.isEmpty ? box.kind : "\(box.kind)  \(box.settings)"
      canvas.text(heading, x: left + 10, y: y + 16, size: 11, bold: true, maxWidth: boxWidth * 0.62)
      canvas.text(
        "→ \(ModelDiagram.shape(box.outputShape))", x: left + 10, y: y + 31, size: 10, color: .axis)
      if box.parameters > 0 {
        canvas.text(
          "\(box.parameters.withThousandsSeparators) params", x: left + boxWidth - 10,
          y: y + (box.origin == nil ? 24 : 30),
          size: 10, color: .axis, align: .right)
      }
      y += boxHeight + gap
    }
    let total = boxes.reduce(0) { $0 + $1.parameters }
    canvas.text(
      "Total parameters: \(total.withThousandsSeparators)", x: width / 2, y: y + 12, size: 12,
      align: .center, bold: true)
    if let originLegend {
      canvas.text(
        originLegend, x: width / 2, y: y + 30, size: 10, color: Self.originColor, align: .center,
        maxWidth: width - 20)
    }
  }
}

extension Int {
  /// 692682 -> "692,682", independent of locale.
  public var withThousandsSeparators: String {
    let digits = String(abs(self))
    var groups: [String] = []
    var end = digits.endIndex
    while end > digits.startIndex {
      let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
      groups.insert(String(digits[start..<end]), at: 0)
      end = start
    }
    return (self < 0 ? "-" : "") + groups.joined(separator: ",")
  }
}
