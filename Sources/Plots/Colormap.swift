/// A map from [0, 1] to colours, by linear interpolation between evenly spaced stops.
public struct Colormap: Sendable {
  /// The colours at 0, 1/(n-1), ..., 1.
  public let stops: [Color]
  /// The colormap's name, as matplotlib calls it.
  public let name: String

  /// A colormap through `stops`.
  public init(name: String, stops: [Color]) {
    precondition(stops.count >= 2, "a colormap needs two stops")
    self.name = name
    self.stops = stops
  }

  /// The colour at `t`, clamped to [0, 1].
  public func color(at t: Double) -> Color {
    let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
    let position = clamped * Double(stops.count - 1)
    let i = min(Int(position), stops.count - 2)
    let f = position - Double(i)
    let a = stops[i]
    let b = stops[i + 1]
    return Color(
      a.red + (b.red - a.red) * f, a.green + (b.green - a.green) * f, a.blue + (b.blue - a.blue) * f
    )
  }

  /// Black (0) to white (1).
  public static let gray = Colormap(name: "gray", stops: [.black, .white])
  /// White (0) to black (1): ink on paper, as the paper's Fig 5.
  public static let binary = Colormap(name: "binary", stops: [.white, .black])
  /// matplotlib's viridis (perceptually uniform, colour-blind safe), sampled at 9 stops.
  public static let viridis = Colormap(
    name: "viridis",
    stops: [
      0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725,
    ].map { Color(hex: $0) })
  /// ColorBrewer's sequential Blues, the paper's confusion-matrix map.
  public static let blues = Colormap(
    name: "Blues",
    stops: [
      0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b,
    ].map { Color(hex: $0) })
  /// ColorBrewer's sequential Reds, for counts of mistakes.
  public static let reds = Colormap(
    name: "Reds",
    stops: [
      0xfff5f0, 0xfee0d2, 0xfcbba1, 0xfc9272, 0xfb6a4a, 0xef3b2c, 0xcb181d, 0xa50f15, 0x67000d,
    ].map { Color(hex: $0) })
  /// ColorBrewer's diverging red-blue (RdBu reversed: negative red, positive blue), for
  /// differences.
  public static let redBlue = Colormap(
    name: "RdBu",
    stops: [
      0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7, 0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac,
    ].map { Color(hex: $0) })
}

/// The Okabe-Ito palette: eight colours told apart under every common colour-vision deficiency.
public enum Palette {
  public static let colors: [Color] = [
    0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0xf0e442, 0x000000,
  ].map { Color(hex: $0) }

  /// The colour of series `index`, cycling.
  public static func color(_ index: Int) -> Color { colors[index % colors.count] }
}
