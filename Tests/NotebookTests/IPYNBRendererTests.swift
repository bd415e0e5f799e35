import Foundation
import TestSupport
import XCTest

@testable import Notebook

final class IPYNBRendererTests: XCTestCase {
  private func document(_ notebook: Notebook, in directory: String = ".") throws -> [String: Any] {
    let data = try IPYNBRenderer(baseDirectory: directory).render(notebook)
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  private func cells(_ document: [String: Any]) throws -> [[String: Any]] {
    try XCTUnwrap(document["cells"] as? [[String: Any]])
  }

  private func source(_ cell: [String: Any]) throws -> String {
    try XCTUnwrap(cell["source"] as? [String]).joined()
  }

  /// Where two texts first differ: "line N: <a's line> against <b's line>".
  private func firstDifference(_ a: Data, _ b: Data) -> String {
    let (linesA, linesB) = (lines(a), lines(b))
    let line = (0..<max(linesA.count, linesB.count)).first {
      $0 >= linesA.count || $0 >= linesB.count || linesA[$0] != linesB[$0]
    }
    guard let line else { return "nowhere" }
    let (atA, atB) = (linesA.dropFirst(line).first, linesB.dropFirst(line).first)
    return "line \(line + 1): \(atA ?? "(end)") against \(atB ?? "(end)")"
  }

  /// `data` as lines of text.
  private func lines(_ data: Data) -> [Substring] {
    String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
  }

  private func figureDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "ipynb-\(name.filter(\.isLetter))-\(getpid())"
    try FileManager.default.createDirectory(
      atPath: dir + "/figures", withIntermediateDirectories: true)
    try Data([0x89, 0x50, 0x4e, 0x47]).write(to: URL(fileURLWithPath: dir + "/figures/a.png"))
    return dir
  }

  func testNotebookIsNbformat45WithAPythonKernelAndUniqueCellIDs() throws {
    let notebook = Notebook(
      title: "Run", subtitle: "completed", facts: [("Seed", "3")],
      cells: [.heading("Results"), .prose([.text("a")]), .heading("Results")])
    let json = try document(notebook)
    XCTAssertEqual(json["nbformat"] as? Int, 4)
    XCTAssertEqual(json["nbformat_minor"] as? Int, 5)
    let metadata = try XCTUnwrap(json["metadata"] as? [String: Any])
    let kernel = try XCTUnwrap(metadata["kernelspec"] as? [String: String])
    XCTAssertEqual(kernel["name"], "python3")
    XCTAssertEqual((metadata["language_info"] as? [String: String])?["name"], "python")
    let all = try cells(json)
    XCTAssertEqual(all.count, 4, "the header, then one cell per notebook cell")
    let ids = all.compactMap { $0["id"] as? String }
    XCTAssertEqual(ids.count, all.count)
    XCTAssertEqual(Set(ids).count, ids.count, "ids are unique: \(ids)")
    for id in ids {
      XCTAssert(
        (1...64).contains(id.count)
          && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) },
        id)
    }
    XCTAssertEqual(
      try source(all[0]), "# Run\n\ncompleted\n\n- **Seed:** 3", "the header's facts as a list")
    XCTAssertEqual(try source(all[1]), "## Results")
    XCTAssertEqual(all[2]["cell_type"] as? String, "markdown")
  }

  func testTheSameNotebookGivesTheSameBytesInAnotherProcess() throws {
    // Swift seeds Dictionary and Set hashing once per process, so only another process can show
    // output ordered by a hash: `TestChild render-notebook` renders a notebook with every kind
    // of cell, three times, each under its own seed (never the fixed one
    // SWIFT_DETERMINISTIC_HASHING asks for).
    let dir = try figureDirectory()
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_DETERMINISTIC_HASHING"] = nil
    let renderings = try (0..<3).map { _ -> Data in
      let child = try runTestChild(["render-notebook", dir], environment: environment)
      XCTAssertEqual(child.status, 0, child.error)
      return child.output
    }
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: renderings[0]) as? [String: Any], "not JSON")
    XCTAssertEqual(try cells(json).count, 12, "the fixture's cells were not all rendered")
    for other in renderings.dropFirst() where other != renderings[0] {
      XCTFail("the renderings differ: " + firstDifference(renderings[0], other))
    }
  }

  func testMarkdownSpecialsInTextAreEscaped() throws {
    let hostile = "<b>x</b> *a* _b_ `c` [d](e) # $1 | ~f~ & \\"
    let all = try cells(
      document(
        Notebook(
          title: hostile,
          cells: [
            .heading(hostile), .prose([.text(hostile)]), .callout([.text(hostile)], warning: true),
            .prose([.text("1. not a list\nand one line")]), .prose([.text("- not a bullet")]),
          ])))
    let escaped = ##"\<b\>x\</b\> \*a\* \_b\_ \`c\` \[d\](e) \# \$1 \| \~f\~ \& \\"##
    XCTAssertEqual(try source(all[0]), "# " + escaped)
    XCTAssertEqual(try source(all[1]), "## " + escaped)
    XCTAssertEqual(try source(all[2]), escaped)
    XCTAssertEqual(try source(all[3]), "> **⚠** " + escaped, "warnings are marked")
    XCTAssertEqual(try source(all[4]), #"1\. not a list and one line"#)
    XCTAssertEqual(try source(all[5]), #"\- not a bullet"#)
  }

  func testInlineCodeStrongAndLinks() throws {
    let all = try cells(
      document(
        Notebook(
          title: "t",
          cells: [
            .prose([
              .text("run "), .code("a`b"), .text(" is "), .strong(" best "),
              .link("its [report]", href: "../runs/a b/report.html"),
            ])
          ])))
    XCTAssertEqual(
      try source(all[1]), "run ``a`b`` is  **best** [its \\[report\\]](../runs/a%20b/report.html)")
  }

  func testLinksToPagesThatAlsoExistAsNotebooksPointToTheNotebooks() throws {
    let dir = try figureDirectory()
    try Data().write(to: URL(fileURLWithPath: dir + "/figures/both.ipynb"))
    let all = try cells(
      document(
        Notebook(
          title: "t",
          cells: [
            .prose([
              .link("a", href: "figures/both.html"), .link("b", href: "figures/html-only.html"),
              .link("c", href: "https://example.org/both.html"),
            ])
          ]), in: dir))
    XCTAssertEqual(
      try source(all[1]),
      "[a](figures/both.ipynb)[b](figures/html-only.html)[c](https://example.org/both.html)")
  }

  func testConfigurationIsAFencedBlockLongerThanAnyBacktickRunInIt() throws {
    let yaml = "a: 1\nb: \"```\"\n"
    let all = try cells(document(Notebook(title: "t", cells: [.code(yaml, language: "yaml")])))
    XCTAssertEqual(try source(all[1]), "````yaml\na: 1\nb: \"```\"\n````")
    XCTAssertEqual(
      all[1]["source"] as? [String], ["````yaml\n", "a: 1\n", "b: \"```\"\n", "````"],
      "sources are stored as lines, as Jupyter stores them")
  }

  func testTablesAreGitHubMarkdownWithCellsEscapedAndTheBestRowBold() throws {
    let table = Table(
      header: ["name", "acc"], rows: [["a|b", "0.9"], ["c", "0.99"], ["short"]],
      highlightedRow: 1, numericColumns: [1], caption: "per *run*")
    let all = try cells(document(Notebook(title: "t", cells: [.table(table)])))
    XCTAssertEqual(
      try source(all[1]),
      """
      | name | acc |
      | --- | ---: |
      | a\\|b | 0.9 |
      | **c** | **0.99** |
      | short |  |

      *per \\*run\\**
      """)
  }

  func testFiguresAreEmbeddedAsPNGOutputsOfCodeCells() throws {
    let dir = try figureDirectory()
    let all = try cells(
      document(
        Notebook(
          title: "t",
          cells: [
            .figure(path: "figures/a.png", caption: "Fig 1. *Accuracy*", alt: "a"),
            .figureRow([
              (path: "figures/a.png", caption: "left"), (path: "figures/a.png", caption: ""),
            ]),
          ]), in: dir))
    XCTAssertEqual(all.count, 6, "header, then each figure's code cell and caption (if any)")
    let code = all[1]
    XCTAssertEqual(code["cell_type"] as? String, "code")
    XCTAssert(code["execution_count"] is NSNull, "never run: execution_count is null")
    XCTAssertEqual(
      try source(code), "from IPython.display import Image\nImage(filename=\"figures/a.png\")")
    let outputs = try XCTUnwrap(code["outputs"] as? [[String: Any]])
    XCTAssertEqual(outputs.count, 1)
    XCTAssertEqual(outputs[0]["output_type"] as? String, "display_data")
    let data = try XCTUnwrap(outputs[0]["data"] as? [String: String])
    XCTAssertEqual(data["image/png"], "iVBORw==")
    XCTAssertEqual(data["text/plain"], "Fig 1. *Accuracy*")
    XCTAssertEqual(try source(all[2]), #"*Fig 1. \*Accuracy\**"#)
    XCTAssertEqual(all[3]["cell_type"] as? String, "code")
    XCTAssertEqual(try source(all[4]), "*left*")
    XCTAssertEqual(all[5]["cell_type"] as? String, "code", "no caption cell for no caption")
  }

  func testAMissingFigureIsAnErrorNamingTheFile() throws {
    let dir = try figureDirectory()
    XCTAssertThrowsError(
      try IPYNBRenderer(baseDirectory: dir).render(
        Notebook(title: "t", cells: [.figure(path: "figures/gone.png", caption: "", alt: "")]))
    ) {
      XCTAssertEqual($0 as? NotebookError, .missingFigure(dir + "/figures/gone.png"))
      XCTAssert("\($0)".contains("figures/gone.png: figure not found"), "\($0)")
    }
  }

  func testProgressIsABarWithItsCountClamped() throws {
    let all = try cells(
      document(
        Notebook(
          title: "t",
          cells: [
            .progress([.text("epoch 3 of 10")], done: 3, total: 10),
            .progress([.text("over")], done: 12, total: 10),
          ], refreshSeconds: 15)))
    XCTAssertEqual(try source(all[1]), "epoch 3 of 10 `██████░░░░░░░░░░░░░░` 3/10 (30%)")
    XCTAssertEqual(try source(all[2]), "over `████████████████████` 10/10 (100%)")
  }
}
