import Foundation
import Hummingbird
import HummingbirdTesting
import Runs
import TestSupport
import XCTest

@testable import Server

final class SafetyTests: XCTestCase {
  func testNothingOutsideTheOutputFolderIsServed() async throws {
    let (catalog, alpha, _) = try ServerFixture.runs()
    let root = catalog.workspace.outputRoot
    // A secret beside the output folder, and links to it from inside.
    let secret = (root as NSString).deletingLastPathComponent + "/secret.txt"
    try write("secret", to: secret)
    try? FileManager.default.removeItem(atPath: root + "/out-link.txt")
    try FileManager.default.createSymbolicLink(
      atPath: root + "/out-link.txt", withDestinationPath: secret)
    try? FileManager.default.removeItem(atPath: root + "/in-link.html")
    try FileManager.default.createSymbolicLink(
      atPath: root + "/in-link.html", withDestinationPath: alpha.report)
    let run = "/runs/\(alpha.runID)"
    try await ServerFixture.test { client in
      for uri in [
        "/output/../secret.txt", "/output/%2e%2e/secret.txt", "/output/%2E%2E/secret.txt",
        "/output/.%2e/secret.txt", "/output/%2Fetc%2Fpasswd", "/output//etc/passwd",
        "/output/out-link.txt", "\(run)/../../../../secret.txt", "\(run)/%2e%2e/%2e%2e/index.html",
        "\(run)/figures", "/output/runs", "/output/runs%2F..%2F..%2Fsecret.txt",
      ] {
        try await client.execute(uri: uri, method: .get) { response in
          XCTAssertEqual(response.status, .notFound, uri)
          XCTAssertFalse(response.text.contains("secret"), uri)
        }
      }
      for uri in [
        "/output/in-link.html", "/output/index.html", "\(run)/report.html", "\(run)/config.yaml",
      ] {
        try await client.execute(uri: uri, method: .get) {
          XCTAssertEqual($0.status, .ok, uri)
        }
      }
    }
  }

  func testPagesEscapeTextAndLoadOnlyTheServersOwnAssets() async throws {
    let (_, alpha, _) = try ServerFixture.runs()
    try await ServerFixture.test { client in
      for page in ["/", "/runs/\(alpha.runID)/report", "/runs/\(alpha.runID)/draw"] {
        let html = try await client.execute(uri: page, method: .get) { response in
          XCTAssertEqual(response.status, .ok, page)
          return response.text
        }
        // Every script and style sheet is one of ours, and is there.
        let references = html.matches(of: /(?:src|href)="([^"]+)"/).map { String($0.1) }
        for reference in references where reference.hasSuffix(".js") || reference.hasSuffix(".css")
        {
          XCTAssert(reference.hasPrefix("/assets/"), "\(page) loads \(reference)")
          try await client.execute(uri: reference, method: .get) {
            XCTAssertEqual($0.status, .ok, reference)
          }
        }
        XCTAssertFalse(html.contains("http://") && html.contains("<script src=\"http"), page)
      }
      // The tiny run's description holds markup, shown escaped in its report.
      let report = try await client.execute(uri: "/runs/\(alpha.runID)/report", method: .get) {
        $0.text
      }
      XCTAssert(report.contains("tiny &lt;b&gt;test&lt;/b&gt; run"), "escaped description")
      XCTAssertFalse(report.contains("http-equiv=\"refresh\""), "the events replace the reload")
      XCTAssert(report.contains("/assets/live.js"))
      try await client.execute(uri: "/assets/nothing.js", method: .get) {
        XCTAssertEqual($0.status, .notFound)
      }
    }
  }

  func testRequestsChangeNothingInTheOutputFolder() async throws {
    let (catalog, alpha, beta) = try ServerFixture.runs()
    func snapshot() throws -> [String: Date] {
      var files: [String: Date] = [:]
      let root = catalog.workspace.outputRoot
      for case let path as String in FileManager.default.enumerator(atPath: root)! {
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + path)
        files[path] = attributes[.modificationDate] as? Date
      }
      return files
    }
    let before = try snapshot()
    try await ServerFixture.test { client in
      for uri in [
        "/", "/api/runs", "/api/runs/\(alpha.runID)", "/api/runs/\(alpha.runID)/metrics",
        "/api/runs/\(alpha.runID)/events", "/runs/\(alpha.runID)/report",
        "/runs/\(alpha.runID)/draw", "/compare?runs=\(alpha.runID),\(beta.runID)",
      ] {
        try await client.execute(uri: uri, method: .get) { XCTAssertEqual($0.status, .ok, uri) }
      }
      try await client.execute(
        uri: "/api/runs/\(alpha.runID)/predict", method: .post,
        headers: [.contentType: "application/json"],
        body: ByteBuffer(
          string: "[" + Array(repeating: "0", count: 784).joined(separator: ",") + "]")
      ) { XCTAssertEqual($0.status, .ok) }
    }
    XCTAssertEqual(try snapshot(), before)
  }
}
