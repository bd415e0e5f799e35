import Foundation
import RunStorage
import TestSupport
import XCTest

@testable import Reports
@testable import Runs

/// An ensemble built from hand-made runs: its run folder, index row, page (HTML and notebook),
/// index.html entry, reuse, and redrawing.
final class EnsembleReportTests: XCTestCase {
  func testAnEnsembleIsRecordedListedAndReportedLikeARun() throws {
    let root = try scratch() + "/out"
    let (b, a) = try EnsembleFixtures.knownPair(outputRoot: root)
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: root, reporter: RunPageReporter(format: .both)))
    try runner.workspace.catalog.reindex()
    // An experiment name: all its completed runs of its newest configuration, oldest first.
    let members = try runner.workspace.catalog.ensembleMembers(["tiny", "20261125-100000-000a"])
    XCTAssertEqual(members.map(\.directory), [a, b])
    let built = try EnsembleBuilder(workspace: runner.workspace).build(members)
    let (paths, reused) = (built.paths, built.reused)
    XCTAssertFalse(reused)
    XCTAssert(paths.directory.hasPrefix(root + "/runs/ensemble-tiny/"), paths.directory)

    let record = try RunRecord(loading: paths)
    XCTAssertEqual(record.experiment.name, "ensemble-tiny")
    XCTAssertEqual(record.summary.status, .completed)
    XCTAssertEqual(
      record.summary.ensemble,
      EnsembleTag(
        members: ["20261125-100000-000a", "20261125-100000-000b"],
        bestMember: "20261125-100000-000a"))
    XCTAssertEqual(record.summary.testAccuracy, 0.8)
    XCTAssertEqual(try XCTUnwrap(try record.evaluation()).predictions, [1, 1, 2, 3, 5])
    XCTAssertEqual(
      try XCTUnwrap(try record.evaluation()).loss, try XCTUnwrap(record.summary.testLoss),
      accuracy: 1e-6)

    let rows = try runner.workspace.catalog.runs()
    XCTAssertEqual(rows.filter { $0.kind == .ensemble }.map(\.runID), [paths.runID])
    XCTAssertEqual(rows.filter { $0.kind == .training }.count, 2)
    let index = try String(contentsOfFile: root + "/index.html", encoding: .utf8)
    XCTAssert(index.contains("ensemble-tiny (ensemble)"), index)

    let page = try String(contentsOfFile: paths.report, encoding: .utf8)
    for text in [
      "Members were chosen by you; the best member is the one with the highest validation "
        + "accuracy; test labels choose nothing.",
      "the ensemble fixes 3 test images it gets wrong and breaks 1 it gets right",
      "All 2 members predict the same class for 1 of 5 test images (20.00%)",
      "figures/fig4_confusion.png", "figures/ensemble_fixes.png", "figures/ensemble_breaks.png",
      "figures/ensemble_agreement.png",
    ] {
      XCTAssert(page.contains(text), "the page lacks: \(text)")
    }
    if let python = notebookPython() {
      XCTAssertNil(
        try notebookValidationError(PageWriter.notebookPath(forPage: paths.report), python: python))
    }

    // The same members under the same name: the ensemble already built.
    let again = try EnsembleBuilder(workspace: runner.workspace).build(members)
    XCTAssertEqual(again.paths.directory, paths.directory)
    XCTAssert(again.reused)
    // Rendering again redraws the ensemble's page, not a trained run's.
    try FileManager.default.removeItem(atPath: paths.report)
    try RunPageReporter().render(record)
    XCTAssert(
      try String(contentsOfFile: paths.report, encoding: .utf8).contains(
        EnsembleReport.selectionNote))
    // Reindexing keeps it an ensemble.
    try runner.workspace.catalog.reindex()
    XCTAssertEqual(
      try runner.workspace.catalog.runs().filter { $0.kind == .ensemble }.map(\.runID),
      [paths.runID])
  }

  func testANameThatOrdinaryRunsUseIsRefusedBeforeAnythingIsWritten() throws {
    let root = try scratch() + "/out"
    let (b, a) = try EnsembleFixtures.knownPair(outputRoot: root)
    let runner = RunTrainer(workspace: RunWorkspace(outputRoot: root, reporter: RunPageReporter()))
    try runner.workspace.catalog.reindex()
    let members = [RunPaths(directory: b), RunPaths(directory: a)]
    XCTAssertThrowsError(
      try EnsembleBuilder(workspace: runner.workspace).build(members, name: "tiny")
    ) {
      XCTAssertEqual(
        "\($0)", "ensemble name 'tiny': runs of the experiment 'tiny' are recorded under it")
    }
    XCTAssertThrowsError(
      try EnsembleBuilder(workspace: runner.workspace).build(members, name: "../x"))
    XCTAssertThrowsError(
      try EnsembleBuilder(workspace: runner.workspace).build([RunPaths(directory: b)])
    ) {
      XCTAssertEqual($0 as? RunError, .tooFewMembers(count: 1))
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: root + "/runs").sorted(), ["tiny"])
  }
}
