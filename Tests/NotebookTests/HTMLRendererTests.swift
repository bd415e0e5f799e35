import Foundation
import XCTest

@testable import Notebook

final class HTMLRendererTests: XCTestCase {
  func testEveryTextIsEscaped() throws {
    let hostile = "<script>alert('x')</script> & \"q\""
    let notebook = Notebook(
      title: hostile, subtitle: hostile, facts: [(hostile, hostile)],
      cells: [
        .heading(hostile), .prose([.text(hostile), .strong(hostile), .code(hostile)]),
        .code(hostile, language: "yaml"),
        .table(Table(header: [hostile], rows: [[hostile]], caption: hostile)),
        .callout([.text(hostile)], warning: true),
      ])
    let html = try HTMLRenderer().render(notebook)
    XCTAssertFalse(html.contains("<script>"))
    XCTAssertFalse(html.contains("'x'"))
    XCTAssert(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"))
  }

  func testNoJavaScriptOrNetworkAndPrintStyles() throws {
    let html = try HTMLRenderer().render(
      Notebook(title: "t", cells: [.figure(path: "figures/a.png", caption: "c", alt: "a")]))
    XCTAssertFalse(html.lowercased().contains("<script"))
    XCTAssertFalse(html.contains("http://"))
    XCTAssertFalse(html.contains("https://"))
    XCTAssert(html.contains("@media print"))
    XCTAssert(html.contains("<img src=\"figures/a.png\""))
  }

  func testHighlightedRowAndNumericColumns() throws {
    let table = Table(
      header: ["epoch", "acc"], rows: [["1", "0.9"], ["2", "0.99"]], highlightedRow: 1,
      numericColumns: [1])
    let html = try HTMLRenderer().render(Notebook(title: "t", cells: [.table(table)]))
    XCTAssert(html.contains("<tr class=\"best\"><td>2</td><td class=\"num\">0.99</td></tr>"), html)
  }

  func testRefreshOnlyWhenAskedAndProgressBarsClamped() throws {
    let still = try HTMLRenderer().render(Notebook(title: "t"))
    XCTAssertFalse(still.contains("http-equiv=\"refresh\""), "a finished page must not reload")
    let live = try HTMLRenderer().render(
      Notebook(
        title: "t",
        cells: [
          .progress([.text("epoch 3 of 10 <b>")], done: 3, total: 10),
          .progress([.text("over")], done: 12, total: 10),
        ], refreshSeconds: 15))
    let head = try XCTUnwrap(live.components(separatedBy: "</head>").first)
    XCTAssert(head.contains("<meta http-equiv=\"refresh\" content=\"15\">"), head)
    XCTAssert(live.contains("epoch 3 of 10 &lt;b&gt;"), "progress labels are escaped")
    XCTAssert(live.contains("<progress value=\"3\" max=\"10\">3/10</progress>"), live)
    XCTAssert(live.contains("<progress value=\"10\" max=\"10\">10/10</progress>"), live)
  }

  func testEmbeddingFiguresMakesOneFile() throws {
    let dir = NSTemporaryDirectory() + "notebook-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data([0x89, 0x50, 0x4e, 0x47]).write(to: URL(fileURLWithPath: dir + "/f.png"))
    let renderer = HTMLRenderer(embedImages: true, baseDirectory: dir)
    let html = try renderer.render(
      Notebook(title: "t", cells: [.figure(path: "f.png", caption: "c", alt: "a")]))
    XCTAssert(html.contains("src=\"data:image/png;base64,iVBORw==\""), html)
    XCTAssertThrowsError(
      try renderer.render(
        Notebook(title: "t", cells: [.figure(path: "missing.png", caption: "", alt: "")]))
    ) {
      XCTAssert("\($0)".contains("missing.png: figure not found"), "\($0)")
    }
  }
}
