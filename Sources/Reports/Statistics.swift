import Foundation

/// Mean, spread and a 95% confidence interval of a metric over seeds.
public struct SeedStatistics: Sendable, Equatable {
  public let count: Int
  public let mean: Double
  /// Sample standard deviation (n - 1); 0 for one value.
  public let standardDeviation: Double
  /// Half-width of the 95% t-interval of the mean; nil below `minimumSeedsForInterval` values.
  public let halfWidth95: Double?

  /// With two values the t-quantile is 12.7: the interval spans most of any scale and says
  /// nothing, so none is given below three.
  public static let minimumSeedsForInterval = 3

  public init(_ values: [Double]) {
    count = values.count
    mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    let m = mean
    standardDeviation =
      values.count > 1
      ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : 0
    halfWidth95 =
      values.count >= Self.minimumSeedsForInterval
      ? studentT975(Double(values.count - 1)) * standardDeviation
        / Double(values.count).squareRoot() : nil
  }
}

extension SeedStatistics {
  /// The 95% interval of a fraction (an accuracy) in percent, clamped to 0-100%, or why there is
  /// none.
  var percentIntervalText: String {
    guard let halfWidth = halfWidth95 else {
      return count == 2 ? "too wide below 3 seeds" : "–"
    }
    let low = max(mean - halfWidth, 0)
    let high = min(mean + halfWidth, 1)
    guard low == mean - halfWidth, high == mean + halfWidth else {
      return String(format: "%.2f–%.2f%%", low * 100, high * 100)
    }
    return String(format: "± %.2f", halfWidth * 100)
  }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (two-sided 95%), from the
/// standard table, linearly interpolated; 1.96 in the limit.
func studentT975(_ df: Double) -> Double {
  let table: [Double] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
    2.045, 2.042,
  ]
  guard df >= 1 else { return .nan }
  if df >= 30 { return 2.042 + (1.960 - 2.042) * min(1, (df - 30) / 90) }
  let lower = Int(df.rounded(.down))
  let fraction = df - Double(lower)
  return lower >= 30
    ? table[29] : table[lower - 1] + (table[min(lower, 29)] - table[lower - 1]) * fraction
}

/// The difference of two experiments' means with a Welch 95% interval and a plain verdict.
public struct Difference: Sendable {
  public let points: Double
  public let interval: ClosedRange<Double>?
  public let verdict: String

  /// b - a, in accuracy points (percent).
  public init(_ a: [Double], _ b: [Double]) {
    let sa = SeedStatistics(a)
    let sb = SeedStatistics(b)
    points = (sb.mean - sa.mean) * 100
    guard sa.count > 1, sb.count > 1 else {
      interval = nil
      verdict = String(
        format:
          "%+.2f points; no confidence interval with %d and %d runs (train both with --seeds 5)",
        points, sa.count, sb.count)
      return
    }
    let va = sa.standardDeviation * sa.standardDeviation / Double(sa.count)
    let vb = sb.standardDeviation * sb.standardDeviation / Double(sb.count)
    let se = (va + vb).squareRoot()
    // Welch–Satterthwaite degrees of freedom.
    let df =
      se > 0
      ? pow(va + vb, 2) / (va * va / Double(sa.count - 1) + vb * vb / Double(sb.count - 1))
      : Double(sa.count + sb.count - 2)
    let half = studentT975(df) * se * 100
    let range = (points - half)...(points + half)
    interval = range
    let significant = range.lowerBound > 0 || range.upperBound < 0
    verdict = String(
      format: "%+.2f points, 95%% CI [%+.2f, %+.2f]: %@ with %d and %d seeds", points,
      range.lowerBound, range.upperBound,
      significant ? "significant" : "not significant", sa.count, sb.count)
  }
}

/// The middle value (mean of the two middle ones for an even count).
public func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return .nan }
  let sorted = values.sorted()
  let mid = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// A fraction as a percentage with two decimals ("99.58%"), or `missing` when there is none.
public func percentText(_ value: Double?, missing: String = "–") -> String {
  value.map { String(format: "%.2f%%", $0 * 100) } ?? missing
}
