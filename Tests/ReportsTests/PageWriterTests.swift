import Foundation
import Notebook
import TestSupport
import XCTest

@testable import Reports

final class PageWriterTests: XCTestCase {
  func testEachFormatWritesItsFilesAndNamesTheMainOne() throws {
    let dir = try scratch()
    let page = dir + "/report.html"
    let notebook = Notebook(title: "t", cells: [.heading("h")])
    XCTAssertEqual(
      try PageWriter(format: .ipynb).write(notebook, page: page), dir + "/report.ipynb")
    XCTAssertFalse(FileManager.default.fileExists(atPath: page), "ipynb alone writes no HTML")
    let text = try String(contentsOfFile: dir + "/report.ipynb", encoding: .utf8)
    XCTAssert(text.contains("\"nbformat_minor\" : 5"), text)
    try FileManager.default.removeItem(atPath: dir + "/report.ipynb")
    XCTAssertEqual(try PageWriter(format: .html).write(notebook, page: page), page)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/report.ipynb"))
    XCTAssertEqual(try PageWriter(format: .both).write(notebook, page: page), page)
    XCTAssert(FileManager.default.fileExists(atPath: dir + "/report.ipynb"))
  }

  func testAMissingFigureLeavesBothFilesAsTheyWere() throws {
    let dir = try scratch()
    let page = dir + "/index.html"
    try PageWriter(format: .both).write(Notebook(title: "before"), page: page)
    let html = try Data(contentsOf: URL(fileURLWithPath: page))
    let ipynb = try Data(contentsOf: URL(fileURLWithPath: dir + "/index.ipynb"))
    let broken = Notebook(
      title: "after", cells: [.figure(path: "figures/gone.png", caption: "c", alt: "a")])
    XCTAssertThrowsError(try PageWriter(format: .both).write(broken, page: page)) {
      XCTAssert("\($0)".contains(dir + "/figures/gone.png: figure not found"), "\($0)")
    }
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: page)), html)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/index.ipynb")), ipynb)
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: dir).sorted(),
      ["index.html", "index.ipynb"], "no temporary file is left")
  }
}
