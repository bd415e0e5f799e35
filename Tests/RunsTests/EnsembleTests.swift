import Foundation
import TestSupport
import XCTest

@testable import Runs

/// Soft voting on hand-made predictions: the averaged probabilities, what the ensemble fixes and
/// breaks against the member best on validation, agreement, and the members it refuses.
final class EnsembleTests: XCTestCase {
  private func record(_ directory: String) throws -> RunRecord {
    try RunRecord(loading: RunPaths(directory: directory))
  }

  func testAveragingFixesAndBreaksKnownRows() throws {
    let (b, a) = try EnsembleFixtures.knownPair(outputRoot: try scratch())
    let ensemble = try Ensemble(members: [try record(b), try record(a)])
    // Row 4: classes 5 and 6 tie at 0.5; the lowest wins, as the engine's argmax does.
    XCTAssertEqual(ensemble.evaluation.predictions, [1, 1, 2, 3, 5])
    XCTAssertEqual(ensemble.evaluation.probabilities[0], 0.45, accuracy: 1e-6)
    XCTAssertEqual(ensemble.evaluation.probabilities[1], 0.55, accuracy: 1e-6)
    XCTAssertEqual(ensemble.evaluation.probabilities[4 * 10 + 5], 0.5)
    XCTAssertEqual(ensemble.evaluation.accuracy, 0.8)
    let expectedLoss = [0.45, 0.65, 1, 0.55, 0.5].map { -log($0) }.reduce(0, +) / 5
    XCTAssertEqual(ensemble.evaluation.loss, expectedLoss, accuracy: 1e-4)
    XCTAssertEqual(ensemble.memberEvaluations.map(\.accuracy), [0.8, 0.4])
    XCTAssertEqual(ensemble.bestMember, 1, "member a: the higher validation accuracy")
    XCTAssertEqual(ensemble.fixes, [1, 3, 4])
    XCTAssertEqual(ensemble.breaks, [0])
    XCTAssertEqual(ensemble.agreement, [[1, 0.2], [0.2, 1]])
    XCTAssertEqual(ensemble.unanimous, [false, false, true, false, false])
    XCTAssertEqual(ensemble.accuracy(on: [2]), 1)
    XCTAssertEqual(ensemble.accuracy(on: [0, 1, 3, 4]), 0.75)
    XCTAssertNil(ensemble.accuracy(on: []))
  }

  func testTheBestMemberIsChosenByValidationNotTest() throws {
    let (b, a) = try EnsembleFixtures.knownPair(outputRoot: try scratch())
    let members = [try record(b), try record(a)]
    // b is better on test (0.8 against 0.4), a on validation (0.9 against 0.8): a is chosen,
    // whichever order they are given in.
    XCTAssertGreaterThan(
      members[0].summary.testAccuracy ?? 0, members[1].summary.testAccuracy ?? 1)
    XCTAssertEqual(Ensemble.bestByValidation(members), 1)
    XCTAssertEqual(Ensemble.bestByValidation(members.reversed()), 0)
    XCTAssertEqual(try Ensemble(members: members.reversed()).fixes, [1, 3, 4])
  }

  func testFewerThanTwoMembersAreRejected() throws {
    let (b, _) = try EnsembleFixtures.knownPair(outputRoot: try scratch())
    XCTAssertThrowsError(try Ensemble(members: [try record(b)])) { error in
      XCTAssertEqual("\(error)", "an ensemble needs at least two members; 1 given")
    }
    XCTAssertThrowsError(try Ensemble(members: [])) { error in
      XCTAssertEqual(error as? RunError, .tooFewMembers(count: 0))
    }
  }

  func testMismatchedTestSetsAreRejectedNamingTheRunAndRow() throws {
    let root = try scratch()
    let (b, _) = try EnsembleFixtures.knownPair(outputRoot: root)
    let relabelled = try EnsembleFixtures.member(
      outputRoot: root, runID: "20261125-100000-000c", validation: 0.5, test: 0.5,
      rows: [
        EnsembleFixtures.row(0, label: 0, [0: 1]), EnsembleFixtures.row(1, label: 1, [1: 1]),
        EnsembleFixtures.row(2, label: 2, [2: 1]), EnsembleFixtures.row(3, label: 7, [7: 1]),
        EnsembleFixtures.row(4, label: 5, [5: 1]),
      ])
    XCTAssertThrowsError(try Ensemble(members: [try record(b), try record(relabelled)])) {
      XCTAssertEqual(
        "\($0)",
        "\(relabelled)/predictions.csv:5: run 20261125-100000-000c was tested on another test "
          + "set: test row 3 has label 7, run 20261125-100000-000b's has 3")
    }
    let shorter = try EnsembleFixtures.member(
      outputRoot: root, runID: "20261125-100000-000d", validation: 0.5, test: 0.5,
      rows: [EnsembleFixtures.row(0, label: 0, [0: 1])])
    XCTAssertThrowsError(try Ensemble(members: [try record(b), try record(shorter)])) {
      XCTAssertEqual(
        "\($0)",
        "\(shorter)/predictions.csv: run 20261125-100000-000d was tested on another test set: "
          + "1 test rows, run 20261125-100000-000b has 5")
    }
  }

  func testUnfinishedRunsAndEnsemblesAreNotMembers() throws {
    let root = try scratch()
    let (b, a) = try EnsembleFixtures.knownPair(outputRoot: root)
    var failed = try record(a)
    failed.summary.status = .failed
    XCTAssertThrowsError(try Ensemble(members: [try record(b), failed])) {
      XCTAssertEqual(
        $0 as? RunError,
        .notCompleted(runID: "20261125-100000-000a", status: .failed, use: "ensembles"))
    }
    var ensemble = try record(a)
    ensemble.summary.ensemble = EnsembleTag(members: ["x", "y"], bestMember: "x")
    XCTAssertThrowsError(try Ensemble(members: [try record(b), ensemble])) {
      XCTAssertEqual(
        "\($0)", "run 20261125-100000-000a cannot be an ensemble member: it is an ensemble itself")
    }
  }

  func testNamesFollowTheExperimentNameRule() throws {
    let (b, a) = try EnsembleFixtures.knownPair(outputRoot: try scratch())
    XCTAssertEqual(Ensemble.defaultName([try record(b), try record(a)]), "ensemble-tiny")
    XCTAssertNoThrow(try Ensemble.validate(name: "seeds-1.2_x"))
    for bad in ["", "../up", "a/b", "-x", "a b"] {
      XCTAssertThrowsError(try Ensemble.validate(name: bad), bad)
    }
  }

  func testOldSummariesReadWithoutAnEnsembleAndIndexAsRuns() throws {
    let (b, _) = try EnsembleFixtures.knownPair(outputRoot: try scratch())
    let summary = try record(b).summary
    XCTAssertNil(summary.ensemble)
    XCTAssertEqual(summary.indexRow(directory: b).kind, .training)
  }
}
