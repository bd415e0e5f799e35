import Foundation
import TestSupport
import XCTest

/// `report ensemble` and `ensemble:` in a declared comparison, through the binary: two tiny
/// experiments trained by the comparison, averaged, listed, shown, compared, and written as
/// valid notebooks.
final class EnsembleCommandLineTests: XCTestCase {
  func testEnsemblesAreBuiltListedShownAndCompared() throws {
    let dir = try scratch(name)
    let out = dir + "/out"
    for (name, seed) in [("tiny", 1), ("tiny2", 2)] {
      try write(
        """
        seed: \(seed)
        dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 300, test_subset: 100}
        model: [{conv2d: {filters: 2, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
        training: {epochs: 1, batch_size: 50}
        """, to: "\(dir)/\(name).yaml")
    }
    try write("compare: [tiny, tiny2]\nensemble: [tiny, tiny2]\n", to: dir + "/pair.yaml")
    let common = ["--output", out, "--experiments", dir]
    let python = notebookPython()
    let format = python == nil ? [] : ["--format", "both"]

    // The comparison trains both, builds their ensemble, and shows it as a third entry.
    let compared = try runReport(["run", "pair"] + common + format)
    XCTAssertEqual(compared.status, 0, compared.error)
    XCTAssert(compared.error.contains("built ensemble ensemble-tiny-tiny2"), compared.error)
    let comparison = try String(
      contentsOfFile: out + "/compare/pair/index.html", encoding: .utf8)
    XCTAssert(comparison.contains("ensemble-tiny-tiny2: no training curves: an ensemble"))
    XCTAssert(comparison.contains("confusion_2.png"), "a confusion matrix for the ensemble")

    // The ensemble's page, written in both formats like the comparison's.
    let listed = try runReport(["list", "--json", "--experiment", "ensemble-tiny-tiny2"] + common)
    XCTAssert(listed.output.contains("\"kind\" : \"ensemble\""), listed.output)
    let rows = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
    let directory = try XCTUnwrap(rows.first?["directory"] as? String)
    XCTAssert(
      try String(contentsOfFile: directory + "/report.html", encoding: .utf8).contains(
        "test labels choose nothing"))
    if let python {
      for notebook in [directory + "/report.ipynb", out + "/compare/pair/index.ipynb"] {
        XCTAssertNil(try notebookValidationError(notebook, python: python), notebook)
      }
    }

    // The same members named by run id and experiment name: the ensemble already built.
    let all = try runReport(["list", "--json", "--experiment", "tiny"] + common)
    let tinyRun = try XCTUnwrap(
      (try JSONSerialization.jsonObject(with: Data(all.output.utf8)) as? [[String: Any]])?
        .first?["run_id"] as? String)
    let again = try runReport(["ensemble", tinyRun, "tiny2"] + common)
    XCTAssertEqual(again.status, 0, again.error)
    XCTAssert(again.error.contains("reusing ensemble"), again.error)
    XCTAssertEqual(
      again.output.trimmingCharacters(in: .whitespacesAndNewlines), directory + "/report.html")

    // Listed and shown like a run, marked as an ensemble.
    let table = try runReport(["list"] + common)
    XCTAssert(table.output.contains("ensemble-tiny-tiny2 (ensemble)"), table.output)
    let shown = try runReport(["show", "ensemble-tiny-tiny2"] + common)
    XCTAssertEqual(shown.status, 0, shown.error)
    XCTAssert(shown.output.contains("\"best_member\""), shown.output)
    XCTAssert(shown.output.contains("\"\(tinyRun)\""), shown.output)

    // Compared by name like any experiment.
    let versus = try runReport(["compare", "tiny", "ensemble-tiny-tiny2"] + common)
    XCTAssertEqual(versus.status, 0, versus.error)
    XCTAssert(
      try String(
        contentsOfFile: out + "/compare/tiny-vs-ensemble-tiny-tiny2/index.html", encoding: .utf8
      ).contains("ensemble-tiny-tiny2: no training curves: an ensemble"))

    // One member is not an ensemble; an ensemble is not a member.
    let alone = try runReport(["ensemble", tinyRun] + common)
    XCTAssertNotEqual(alone.status, 0)
    XCTAssert(
      alone.error.contains("an ensemble needs at least two members; 1 given"), alone.error)
    let nested = try runReport(["ensemble", "ensemble-tiny-tiny2", "tiny"] + common)
    XCTAssertNotEqual(nested.status, 0)
    XCTAssert(nested.error.contains("it is an ensemble itself"), nested.error)
    let badName = try runReport(["ensemble", "tiny", "tiny2", "--name", "a/b"] + common)
    XCTAssertNotEqual(badName.status, 0)
    XCTAssert(badName.error.contains("ensemble name 'a/b'"), badName.error)
  }
}
