import Foundation
import HummingbirdTesting
import XCTest

@testable import Server

final class RunsAPITests: XCTestCase {
  private func listing(_ client: some TestClientProtocol, _ query: String) async throws
    -> (total: Int, ids: [String], rows: [[String: Any]])
  {
    try await client.execute(uri: "/api/runs?" + query, method: .get) { response in
      XCTAssertEqual(response.status, .ok, response.text)
      let page = try XCTUnwrap(try response.json() as? [String: Any])
      let rows = try XCTUnwrap(page["runs"] as? [[String: Any]])
      return (page["total"] as? Int ?? -1, rows.compactMap { $0["run_id"] as? String }, rows)
    }
  }

  func testListsSortsFiltersAndPagesTheRuns() async throws {
    let (_, alpha, beta) = try ServerFixture.runs()
    try await ServerFixture.test { client in
      let all = try await self.listing(client, "sort=experiment&order=asc")
      XCTAssertEqual(all.total, 2)
      XCTAssertEqual(all.ids, [alpha.runID, beta.runID])
      let reversed = try await self.listing(client, "sort=experiment&order=desc")
      XCTAssertEqual(reversed.ids, [beta.runID, alpha.runID])
      let betaOnly = try await self.listing(client, "experiment=beta")
      XCTAssertEqual(betaOnly.ids, [beta.runID])
      let first = try await self.listing(client, "tag=first")
      XCTAssertEqual(first.ids, [alpha.runID])
      let shared = try await self.listing(client, "tag=shared")
      XCTAssertEqual(shared.total, 2)
      let partial = try await self.listing(client, "tag=fir")
      XCTAssertEqual(partial.total, 0, "tags match whole")
      let running = try await self.listing(client, "status=running")
      XCTAssertEqual(running.total, 0)
      let page = try await self.listing(client, "sort=experiment&order=asc&limit=1&offset=1")
      XCTAssertEqual(page.total, 2)
      XCTAssertEqual(page.ids, [beta.runID])
      // A metric range: the first run's test accuracy alone, then nothing above 100%.
      let accuracy = try XCTUnwrap(all.rows[0]["test_accuracy"] as? Double)
      let other = try XCTUnwrap(all.rows[1]["test_accuracy"] as? Double)
      if accuracy != other {
        let only = try await self.listing(
          client, "metric=test_accuracy&min=\(accuracy)&max=\(accuracy)")
        XCTAssertEqual(only.ids, [alpha.runID])
      }
      let none = try await self.listing(client, "metric=test_accuracy&min=1.01")
      XCTAssertEqual(none.total, 0)
      // Each row carries its validation curve, one value an epoch.
      XCTAssertEqual((all.rows[0]["val_accuracy_curve"] as? [Double])?.count, 3)
      XCTAssertEqual(all.rows[0]["tags"] as? String, "first,shared")
    }
  }

  func testBadQueryParametersAreNamedInA400() async throws {
    try await ServerFixture.test { client in
      for (query, named) in [
        ("sort=colour", "sort=colour"), ("status=asleep", "status=asleep"),
        ("order=up", "order=up"), ("limit=0", "limit=0"), ("limit=x", "limit=x"),
        ("metric=run_id", "metric=run_id"), ("metric=seconds&min=abc", "min=abc"),
        ("min=0.5", "give metric="),
      ] {
        try await client.execute(uri: "/api/runs?" + query, method: .get) { response in
          XCTAssertEqual(response.status, .badRequest, query)
          XCTAssert(try response.errorReason().contains(named), "\(query): \(response.text)")
        }
      }
    }
  }

  func testOneRunItsMetricsAndAnUnknownRun() async throws {
    let (_, alpha, _) = try ServerFixture.runs()
    try await ServerFixture.test { client in
      try await client.execute(uri: "/api/runs/\(alpha.runID)", method: .get) { response in
        let summary = try XCTUnwrap(try response.json() as? [String: Any])
        XCTAssertEqual(summary["run_id"] as? String, alpha.runID)
        XCTAssertEqual(summary["status"] as? String, "completed")
        XCTAssertEqual(summary["tags"] as? [String], ["first", "shared"])
      }
      try await client.execute(uri: "/api/runs/\(alpha.runID)/metrics", method: .get) {
        let log = try XCTUnwrap(try $0.json() as? [String: Any])
        XCTAssertEqual((log["epochs"] as? [[String: Any]])?.count, 3)
      }
      for uri in [
        "/api/runs/no-such-run", "/api/runs/no-such-run/metrics", "/runs/x%2F..%2F/report",
      ] {
        try await client.execute(uri: uri, method: .get) { response in
          XCTAssertEqual(response.status, .notFound, uri)
          XCTAssertEqual(response.headers[.contentType], "application/json; charset=utf-8", uri)
          XCTAssert(try response.errorReason().hasPrefix("no run"), response.text)
        }
      }
    }
  }

  func testEventsSendEveryEpochInOrderThenTheEnd() async throws {
    let (_, alpha, _) = try ServerFixture.runs()
    try await ServerFixture.test { client in
      try await client.execute(uri: "/api/runs/\(alpha.runID)/events", method: .get) { response in
        XCTAssertEqual(response.headers[.contentType], "text/event-stream")
        let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(
          events.map { $0.components(separatedBy: "\n")[0] },
          [
            "event: epoch", "event: epoch", "event: epoch", "event: end",
          ])
        let epochs = try events.dropLast().map { event -> Int in
          let data = String(event.components(separatedBy: "\n")[1].dropFirst("data: ".count))
          let metrics = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
          return try XCTUnwrap(metrics["epoch"] as? Int)
        }
        XCTAssertEqual(epochs, [1, 2, 3])
        XCTAssertEqual(events.last, "event: end\ndata: {\"status\":\"completed\"}")
      }
    }
  }

  func testComparesSelectedRunsWithTheCompareCommandsPage() async throws {
    let (_, alpha, beta) = try ServerFixture.runs()
    try await ServerFixture.test { client in
      try await client.execute(
        uri: "/compare?runs=\(alpha.runID),\(beta.runID)", method: .get
      ) { response in
        XCTAssertEqual(response.status, .ok, response.text)
        XCTAssert(response.text.contains("Comparison: \(alpha.runID), \(beta.runID)"))
        XCTAssert(response.text.contains("data:image/png;base64,"), "one self-contained page")
      }
      try await client.execute(uri: "/compare?runs=\(alpha.runID),nope", method: .get) {
        XCTAssertEqual($0.status, .notFound)
      }
      try await client.execute(uri: "/compare?runs=\(alpha.runID)", method: .get) {
        XCTAssertEqual($0.status, .badRequest)
      }
    }
  }
}
