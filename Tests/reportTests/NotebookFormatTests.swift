import Foundation
import TestSupport
import XCTest

/// `--format ipynb|both`: the Jupyter notebooks the binary writes pass `nbformat`'s validator.
final class NotebookFormatTests: XCTestCase {
  private func python() throws -> String {
    guard let python = notebookPython() else {
      throw XCTSkip(
        "\(notebookPythonVariable) is unset and \(repositoryRoot)/.venv-tests is missing: run "
          + "scripts/setup.sh to make the nbformat validator's venv")
    }
    return python
  }

  func testTheValidatorRejectsAnInvalidNotebook() throws {
    let dir = try scratch(name)
    let path = dir + "/bad.ipynb"
    try write(
      #"{"cells": [{"cell_type": "markdown", "id": "not valid!", "metadata": {}, "source": ""}], "#
        + #""metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#, to: path)
    let error = try notebookValidationError(path, python: try python())
    XCTAssert(error?.contains("not valid!") == true, error ?? "accepted a bad cell id")
  }

  func testRunRenderAndCompareWriteValidNotebooks() throws {
    let python = try python()
    let dir = try scratch(name)
    try write(
      """
      seed: 1
      dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 300, test_subset: 100}
      model: [{conv2d: {filters: 2, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """, to: dir + "/tiny.yaml")
    let out = dir + "/out"
    let run = try runReport([
      "run", dir + "/tiny.yaml", "--output", out, "--format", "ipynb", "--seeds", "2",
    ])
    XCTAssertEqual(run.status, 0, run.error)
    let notebooks = run.output.split(separator: "\n").map(String.init)
    XCTAssertEqual(notebooks.count, 2, run.output)
    for notebook in notebooks {
      XCTAssert(notebook.hasSuffix("/report.ipynb"), notebook)
      XCTAssertNil(try notebookValidationError(notebook, python: python))
      let html = (notebook as NSString).deletingLastPathComponent + "/report.html"
      XCTAssertFalse(FileManager.default.fileExists(atPath: html), "ipynb alone: no \(html)")
    }
    // The index stays HTML, and links to the notebooks: the only reports written.
    let index = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
    XCTAssertEqual(index.components(separatedBy: "/report.ipynb\"").count, 3, index)
    XCTAssertFalse(index.contains("/report.html\""), "a link to a report never written: \(index)")
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: notebooks[0])))
        as? [String: Any])
    let outputs = (json["cells"] as? [[String: Any]] ?? []).flatMap {
      $0["outputs"] as? [[String: Any]] ?? []
    }
    XCTAssertGreaterThanOrEqual(
      outputs.filter { ($0["data"] as? [String: Any])?["image/png"] is String }.count, 5,
      "the run's figures are embedded")

    let rendered = try runReport(["render", "tiny", "--output", out, "--format", "both"])
    XCTAssertEqual(rendered.status, 0, rendered.error)
    let page = rendered.output.trimmingCharacters(in: .whitespacesAndNewlines)
    XCTAssert(
      page.hasSuffix("/report.html") && notebooks.contains(page.dropLast(4) + "ipynb"), page)
    XCTAssert(FileManager.default.fileExists(atPath: page))

    let compared = try runReport(["compare", "tiny", "--output", out, "--format", "both"])
    XCTAssertEqual(compared.status, 0, compared.error)
    let comparison = compared.output.trimmingCharacters(in: .whitespacesAndNewlines)
    XCTAssertEqual(comparison, out + "/compare/tiny/index.html")
    XCTAssert(FileManager.default.fileExists(atPath: comparison))
    XCTAssertNil(try notebookValidationError(out + "/compare/tiny/index.ipynb", python: python))
  }
}
