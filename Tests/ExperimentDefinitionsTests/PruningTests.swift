import XCTest

@testable import ExperimentDefinitions

/// Median stopping and successive halving on hand-computed cases.
final class PruningTests: XCTestCase {
  func testMedianStoppingPrunesBelowTheOthersMedianFromMinEpochs() {
    let rule = EarlyTermination(rule: .median, minEpochs: 2, minTrials: 2)
    // Others' best up to epoch 2: 0.80, 0.90, 0.70 -> median 0.80.
    XCTAssertNotNil(rule.decision(epoch: 2, own: 0.79, others: [0.80, 0.90, 0.70], maximize: true))
    XCTAssertNil(rule.decision(epoch: 2, own: 0.80, others: [0.80, 0.90, 0.70], maximize: true))
    // Before min_epochs nothing is pruned, however bad.
    XCTAssertNil(rule.decision(epoch: 1, own: 0.10, others: [0.80, 0.90, 0.70], maximize: true))
    // Even count: median of 0.6 and 0.8 is 0.7.
    XCTAssertNotNil(rule.decision(epoch: 3, own: 0.69, others: [0.6, 0.8], maximize: true))
    XCTAssertNil(rule.decision(epoch: 3, own: 0.71, others: [0.6, 0.8], maximize: true))
    // Fewer than min_trials others: wait.
    XCTAssertNil(rule.decision(epoch: 3, own: 0.1, others: [0.9], maximize: true))
    // Losses: smaller is better; median of 0.3, 0.5, 0.4 is 0.4.
    let reason = rule.decision(epoch: 2, own: 0.45, others: [0.3, 0.5, 0.4], maximize: false)
    XCTAssertEqual(
      reason,
      "median stopping at epoch 2: best so far 0.4500 is worse than the median 0.4000 of 3 other "
        + "trials")
    XCTAssertNil(rule.decision(epoch: 2, own: 0.35, others: [0.3, 0.5, 0.4], maximize: false))
  }

  func testSuccessiveHalvingKeepsTheTopFractionAtRungsOnly() {
    let rule = EarlyTermination(rule: .asha, minEpochs: 1, reductionFactor: 3)
    XCTAssertEqual((1...30).filter(rule.isRung), [1, 3, 9, 27])
    // Alone at a rung: it is the best, it goes on.
    XCTAssertNil(rule.decision(epoch: 1, own: 0.2, others: [], maximize: true))
    // 2 trials: keep max(1, 2 / 3) = 1, the best.
    XCTAssertNotNil(rule.decision(epoch: 1, own: 0.5, others: [0.6], maximize: true))
    XCTAssertNil(rule.decision(epoch: 1, own: 0.7, others: [0.6], maximize: true))
    // 6 trials: keep 6 / 3 = 2; the others' 0.9 and 0.8 -> threshold 0.8 (ties go on).
    let others = [0.9, 0.8, 0.6, 0.5, 0.4]
    XCTAssertNil(rule.decision(epoch: 3, own: 0.85, others: others, maximize: true))
    XCTAssertNil(rule.decision(epoch: 3, own: 0.8, others: others, maximize: true))
    XCTAssertEqual(
      rule.decision(epoch: 3, own: 0.75, others: others, maximize: true),
      "successive halving at rung epoch 3: best so far 0.7500 is not in the top 2 of 6 trials "
        + "(threshold 0.8000)")
    // Between rungs nothing happens.
    XCTAssertNil(rule.decision(epoch: 2, own: 0.1, others: others, maximize: true))
    // Losses: keep the 2 smallest of 0.1, 0.2, 0.3, 0.4, 0.5, 0.6.
    XCTAssertNil(
      rule.decision(epoch: 9, own: 0.2, others: [0.1, 0.3, 0.4, 0.5, 0.6], maximize: false))
    XCTAssertNotNil(
      rule.decision(epoch: 9, own: 0.3, others: [0.1, 0.2, 0.4, 0.5, 0.6], maximize: false))
    // Rungs start at min_epochs: 2, 4, 8 with factor 2.
    let halving = EarlyTermination(rule: .asha, minEpochs: 2, reductionFactor: 2)
    XCTAssertEqual((1...10).filter(halving.isRung), [2, 4, 8])
  }
}
