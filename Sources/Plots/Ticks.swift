import Foundation

/// A numeric axis range with "nice" ticks (1, 2 or 5 times a power of ten), linear or log.
public struct Axis: Sendable {
  /// The visible range.
  public private(set) var lower: Double, upper: Double
  /// Tick positions, inside the range.
  public private(set) var ticks: [Double]
  /// Whether positions are log10-scaled.
  public let logarithmic: Bool

  /// An axis covering `values` (non-finite ones ignored; and non-positive ones on a log axis),
  /// padded to nice bounds; a flat or empty range is widened so it still has ticks.
  /// `integers` keeps the tick step at 1 or more (epochs).
  public init(
    covering values: [Double], logarithmic: Bool = false, targetTicks: Int = 6,
    includeZero: Bool = false, integers: Bool = false
  ) {
    self.logarithmic = logarithmic
    var finite = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
    if includeZero && !logarithmic { finite.append(0) }
    var low = finite.min() ?? 0
    var high = finite.max() ?? 1
    if logarithmic {
      if finite.isEmpty { (low, high) = (0.1, 1) }
      let a = floor(log10(low))
      let b = max(ceil(log10(high)), a + 1)
      let decades = Int(b - a)
      let every = max(1, decades / targetTicks)
      ticks = stride(from: 0, through: decades, by: every).map { pow(10, a + Double($0)) }
      lower = pow(10, a)
      upper = pow(10, b)
      return
    }
    if high - low < 1e-12 {
      let pad = abs(low) > 1e-12 ? abs(low) * 0.05 : 0.5
      (low, high) = (low - pad, high + pad)
    }
    if integers && high - low < 1 { (low, high) = (floor(low), max(ceil(high), floor(low) + 1)) }
    let raw = Axis.niceStep((high - low) / Double(max(targetTicks - 1, 1)))
    let step = integers ? max(raw, 1) : raw
    let first = floor(low / step) * step
    let last = ceil(high / step) * step
    let count = Int(((last - first) / step).rounded())
    ticks = (0...count).map { first + Double($0) * step }
    lower = first
    upper = last
  }

  /// An axis with explicit bounds and ticks at a nice step.
  public init(lower: Double, upper: Double, targetTicks: Int = 6) {
    self.init(covering: [lower, upper], targetTicks: targetTicks)
    self.lower = lower
    self.upper = upper
    ticks = ticks.filter { $0 >= lower - 1e-9 && $0 <= upper + 1e-9 }
  }

  /// A categorical axis: a tick at each of the positions 0..<`count`, with half a step of room
  /// beyond the first and the last.
  public init(categories count: Int) {
    logarithmic = false
    lower = -0.5
    upper = Double(max(count, 1)) - 0.5
    ticks = (0..<count).map(Double.init)
  }

  /// The smallest of 1, 2, 5 x 10^k that is at least `raw`.
  static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let magnitude = pow(10, floor(log10(raw)))
    for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
    return 10 * magnitude
  }

  /// Where `value` falls in the range, 0 at `lower` and 1 at `upper`.
  public func fraction(_ value: Double) -> Double {
    if logarithmic {
      return (log10(max(value, lower)) - log10(lower)) / (log10(upper) - log10(lower))
    }
    return (value - lower) / (upper - lower)
  }

  /// A short label for a tick: no trailing zeros, scientific for tiny or huge numbers.
  public func label(_ value: Double) -> String { Axis.format(value) }

  /// A compact number: 0.001, 0.25, 12, 1.5e-05.
  public static func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude < 1e-3 || magnitude >= 1e6 { return String(format: "%.0e", value) }
    var text = String(format: "%.4f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }
}
