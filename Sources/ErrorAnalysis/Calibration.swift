import Foundation

/// How well a model's confidence matches its accuracy: a reliability diagram of equal-width
/// confidence bins and the expected calibration error (Guo et al. 2017, "On Calibration of Modern
/// Neural Networks", Section 2).
///
/// The confidence of an example is its largest class probability; bin `b` of `binCount` holds
/// the confidences in (b / binCount, (b + 1) / binCount], the first bin also 0. The ECE is
/// sum over bins of (count / total) · |accuracy − mean confidence|.
public struct Reliability: Equatable, Sendable {
  /// One confidence bin.
  public struct Bin: Equatable, Sendable {
    /// The bin's confidence interval, (lower, upper].
    public var lower: Double, upper: Double
    /// Examples whose confidence falls in the bin.
    public var count: Int
    /// Their mean confidence and the fraction of them predicted correctly (0 when empty).
    public var meanConfidence: Double, accuracy: Double
  }

  /// The bins, lowest confidence first.
  public let bins: [Bin]
  /// The expected calibration error, in [0, 1].
  public let expectedCalibrationError: Double

  /// The reliability of `probabilities` [count, classCount] against `labels`.
  public init(probabilities: [Float], labels: [Int32], classCount: Int, binCount: Int = 10) {
    precondition(binCount > 0 && probabilities.count == labels.count * classCount)
    var counts = [Int](repeating: 0, count: binCount)
    var confidenceSums = [Double](repeating: 0, count: binCount)
    var correct = [Int](repeating: 0, count: binCount)
    for (n, label) in labels.enumerated() {
      let row = probabilities[(n * classCount)..<((n + 1) * classCount)]
      let predicted = row.indices.max { row[$0] < row[$1] }! - n * classCount
      let confidence = Double(row.max()!)
      let bin = max(0, min(binCount - 1, Int((confidence * Double(binCount)).rounded(.up)) - 1))
      counts[bin] += 1
      confidenceSums[bin] += confidence
      if predicted == Int(label) { correct[bin] += 1 }
    }
    let total = Double(max(labels.count, 1))
    bins = (0..<binCount).map { b in
      let count = counts[b]
      return Bin(
        lower: Double(b) / Double(binCount), upper: Double(b + 1) / Double(binCount), count: count,
        meanConfidence: count > 0 ? confidenceSums[b] / Double(count) : 0,
        accuracy: count > 0 ? Double(correct[b]) / Double(count) : 0)
    }
    expectedCalibrationError = bins.reduce(0) {
      $0 + Double($1.count) / total * abs($1.accuracy - $1.meanConfidence)
    }
  }
}

/// Temperature scaling (Guo et al. 2017, Section 4.2): one scalar T > 0 that divides the logits,
/// fitted to minimise the negative log-likelihood on held-out data. It changes how sure the
/// model is, never what it predicts.
///
/// Only probabilities are recorded, and log p = z − logsumexp(z) differs from the logits z by a
/// constant per example, which softmax ignores: softmax(log p / T) = softmax(z / T). Probabilities
/// are clipped below at `floor` before the logarithm, since a float softmax can underflow to 0.
public struct TemperatureScaling: Equatable, Sendable {
  /// The fitted temperature: above 1 the model was overconfident, below 1 underconfident.
  public let temperature: Double

  /// Probabilities below this are taken as this before the logarithm.
  public static let floor = 1e-30

  /// A known temperature.
  public init(temperature: Double) {
    precondition(temperature > 0)
    self.temperature = temperature
  }

  /// Fits T on `probabilities` [count, classCount] and their `labels`.
  ///
  /// The NLL is convex in β = 1 / T (its second derivative is the variance of the log
  /// probabilities under the scaled distribution), so Newton's method on β, halved back whenever a
  /// step does not lower the NLL, finds the one minimum; β stays in [1e-3, 1e3].
  public init(fitting probabilities: [Float], labels: [Int32], classCount: Int) {
    let logits = Self.logProbabilities(probabilities)
    var beta = 1.0
    var current = Self.objective(logits, labels, classCount, beta: beta)
    for _ in 0..<100 {
      let step =
        current.second > 0 ? current.first / current.second : current.first.sign == .minus ? -1 : 1
      var candidate = min(max(beta - step, 1e-3), 1e3)
      var next = Self.objective(logits, labels, classCount, beta: candidate)
      var halvings = 0
      while next.value > current.value, halvings < 60 {
        candidate = (beta + candidate) / 2
        next = Self.objective(logits, labels, classCount, beta: candidate)
        halvings += 1
      }
      let converged = abs(candidate - beta) <= 1e-12 * max(1, beta)
      if next.value <= current.value { (beta, current) = (candidate, next) }
      if converged || abs(current.first) < 1e-12 { break }
    }
    temperature = 1 / beta
  }

  /// `probabilities` [count, classCount] with their logarithms divided by T, renormalised.
  public func apply(_ probabilities: [Float], classCount: Int) -> [Float] {
    let logits = Self.logProbabilities(probabilities)
    var scaled = [Float](repeating: 0, count: probabilities.count)
    for start in stride(from: 0, to: logits.count, by: classCount) {
      let row = logits[start..<(start + classCount)].map { $0 / temperature }
      let top = row.max()!
      let exps = row.map { exp($0 - top) }
      let sum = exps.reduce(0, +)
      for k in 0..<classCount { scaled[start + k] = Float(exps[k] / sum) }
    }
    return scaled
  }

  /// The mean negative log-likelihood of `labels` after scaling by T.
  public func negativeLogLikelihood(_ probabilities: [Float], labels: [Int32], classCount: Int)
    -> Double
  {
    Self.objective(
      Self.logProbabilities(probabilities), labels, classCount, beta: 1 / temperature
    ).value
  }

  private static func logProbabilities(_ probabilities: [Float]) -> [Double] {
    probabilities.map { log(max(Double($0), floor)) }
  }

  /// The mean NLL at β and its first and second derivatives in β.
  private static func objective(
    _ logits: [Double], _ labels: [Int32], _ classCount: Int, beta: Double
  )
    -> (value: Double, first: Double, second: Double)
  {
    var (value, first, second) = (0.0, 0.0, 0.0)
    for (n, label) in labels.enumerated() {
      let row = logits[(n * classCount)..<((n + 1) * classCount)]
      let top = row.max()!
      let exps = row.map { exp(beta * ($0 - top)) }
      let sum = exps.reduce(0, +)
      var mean = 0.0
      var meanSquare = 0.0
      for (k, z) in row.enumerated() {
        let q = exps[k] / sum
        mean += q * z
        meanSquare += q * z * z
      }
      let given = row[row.startIndex + Int(label)]
      value += -(beta * (given - top)) + log(sum)
      first += mean - given
      second += meanSquare - mean * mean
    }
    let count = Double(max(labels.count, 1))
    return (value / count, first / count, second / count)
  }
}
