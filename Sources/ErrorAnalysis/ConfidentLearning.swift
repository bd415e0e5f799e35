import Foundation

/// Confident learning (Northcutt, Jiang and Chuang 2021, "Confident Learning: Estimating
/// Uncertainty in Dataset Labels"), as cleanlab 2.9 computes it: label quality scores, and the
/// label issues `find_label_issues(filter_by="prune_by_noise_rate")` flags with its defaults.
///
/// Probabilities are [count, classCount], read as Double; every rounding and tie rule follows
/// cleanlab's, so that the flagged set is the same, not merely similar.
public struct ConfidentLearning: Sendable {
  public let classCount: Int
  public let labels: [Int]
  private let p: [Double]

  /// Analyses `probabilities` against the given `labels`.
  public init(probabilities: [Float], labels: [Int32], classCount: Int) {
    precondition(probabilities.count == labels.count * classCount)
    self.classCount = classCount
    self.labels = labels.map(Int.init)
    p = probabilities.map(Double.init)
  }

  private func probability(_ n: Int, _ k: Int) -> Double { p[n * classCount + k] }

  /// The most likely class of example `n`, the first on ties (numpy's argmax).
  public func predicted(_ n: Int) -> Int {
    var best = 0
    for k in 1..<classCount where probability(n, k) > probability(n, best) { best = k }
    return best
  }

  /// The most likely class of example `n` other than its given label, the first on ties: the
  /// label confident learning suggests instead.
  public func likeliestOther(_ n: Int) -> Int {
    let given = labels[n]
    var best = given == 0 ? 1 : 0
    for k in 0..<classCount where k != given && probability(n, k) > probability(n, best) {
      best = k
    }
    return best
  }

  // MARK: - Scores

  /// p(given label): cleanlab's "self_confidence". Low means suspect.
  public var selfConfidence: [Double] { labels.indices.map { probability($0, labels[$0]) } }

  /// (p(given) − max other p + 1) / 2: cleanlab's "normalized_margin", in [0, 1].
  public var normalizedMargin: [Double] {
    labels.indices.map { n in
      (probability(n, labels[n]) - probability(n, likeliestOther(n)) + 1) / 2
    }
  }

  // MARK: - The confident joint

  /// Per class, the mean probability of that class over the examples labelled with it, at least
  /// 2e-6 (cleanlab's confident thresholds); 2, which no probability reaches, for a class no
  /// example has.
  public var thresholds: [Double] {
    var sums = [Double](repeating: 0, count: classCount)
    var counts = [Int](repeating: 0, count: classCount)
    for (n, label) in labels.enumerated() {
      sums[label] += probability(n, label)
      counts[label] += 1
    }
    return (0..<classCount).map { max(counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 2, 2e-6) }
  }

  /// The calibrated confident joint C[given][true]: counts of examples labelled `given` whose
  /// probability of `true` reaches its threshold (the largest such class when several do),
  /// every diagonal at least 1, then scaled so each row sums to its label's count, rounded
  /// preserving row totals.
  public var confidentJoint: [[Int]] {
    let thresholds = thresholds
    var joint = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    for (n, label) in labels.enumerated() {
      let confident = (0..<classCount).filter { probability(n, $0) >= thresholds[$0] - 1e-6 }
      guard let first = confident.first else { continue }
      let guess = confident.count > 1 ? predicted(n) : first
      joint[label][guess] += 1
    }
    for k in 0..<classCount { joint[k][k] = max(joint[k][k], 1) }
    var labelCounts = [Double](repeating: 0, count: classCount)
    for label in labels { labelCounts[label] += 1 }
    let scaled = (0..<classCount).map { row -> [Double] in
      let total = max(Double(joint[row].reduce(0, +)), 1e-6)
      return joint[row].map { Double($0) / total * labelCounts[row] }
    }
    let sum = max(scaled.joined().reduce(0, +), 1e-6)
    return scaled.map { row in
      Self.roundPreservingSum(row.map { $0 / sum * Double(labels.count) })
    }
  }

  // MARK: - Label issues

  /// Whether each example's label is flagged as an issue (prune by noise rate).
  public var issues: [Bool] {
    let joint = confidentJoint
    // prune[true][given]: how many examples labelled `given` to flag as really `true`.
    let prune = Self.keepAtLeastOnePerClass(transposed(joint))
    var flagged = [Bool](repeating: false, count: labels.count)
    for given in 0..<classCount {
      let members = labels.indices.filter { labels[$0] == given }
      // A class of one example keeps it (cleanlab's min_examples_per_class).
      guard members.count > 1 else { continue }
      for truth in 0..<classCount where truth != given && prune[truth][given] > 0 {
        let margins = members.map {
          (index: $0, value: probability($0, truth) - probability($0, given))
        }
        let chosen = margins.sorted {
          $0.value > $1.value || ($0.value == $1.value && $0.index < $1.index)
        }.prefix(prune[truth][given])
        for example in chosen { flagged[example.index] = true }
      }
    }
    // An example is flagged only when another class beats its given label by more than 1e-6.
    for n in labels.indices where flagged[n] {
      let given = labels[n]
      let raised = probability(n, given) + 1e-6
      let beaten = (0..<classCount).contains {
        probability(n, $0) > raised || ($0 < given && probability(n, $0) == raised)
      }
      if !beaten { flagged[n] = false }
    }
    return flagged
  }

  private func transposed(_ matrix: [[Int]]) -> [[Int]] {
    (0..<classCount).map { column in matrix.map { $0[column] } }
  }

  /// cleanlab's `_keep_at_least_n_per_class` with n = 1 and frac_noise = 1 on
  /// counts[true][given]: a column whose diagonal is 0 gets 1 there, and its other entries lose
  /// 1 / max(non-zero entries − 1, 1) each, floored at 0 and truncated to integers.
  static func keepAtLeastOnePerClass(_ counts: [[Int]]) -> [[Int]] {
    let size = counts.count
    var result = counts
    for column in 0..<size where counts[column][column] < 1 {
      let nonZero = (0..<size).filter { counts[$0][column] != 0 }.count
      let share = 1 / Double(max(nonZero - 1, 1))
      for row in 0..<size {
        result[row][column] = Int(max(Double(counts[row][column]) - share, 0))
      }
      result[column][column] = 1
    }
    return result
  }

  /// Rounds each value to the nearest integer, then moves the rounded total to the rounded
  /// total of the values by changing the entries rounded furthest the wrong way first
  /// (cleanlab's `round_preserving_sum`; numpy rounds halves to even). Ties go by index, where
  /// numpy's unstable sort may pick another of equal entries.
  static func roundPreservingSum(_ values: [Double]) -> [Int] {
    var ints = values.map { $0.rounded(.toNearestOrEven) }
    let target = values.reduce(0, +).rounded(.toNearestOrEven)
    var total = ints.reduce(0, +).rounded(.toNearestOrEven)
    while abs(total - target) > 1e-6 {
      let difference = (target - total).rounded(.toNearestOrEven)
      let increment: Double = difference < 0 ? -1 : 1
      let changes = min(Int(abs(difference)), values.count)
      // Raising takes the largest shortfalls first, lowering the largest excesses.
      let ascending = values.indices.sorted {
        let (a, b) = (values[$0] - ints[$0], values[$1] - ints[$1])
        return a < b || (a == b && $0 < $1)
      }
      let order = increment > 0 ? Array(ascending.reversed()) : ascending
      for index in order.prefix(changes) { ints[index] += increment }
      total = ints.reduce(0, +).rounded(.toNearestOrEven)
    }
    return ints.map { Int($0) }
  }
}
