import Datasets
import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Runs
import TestSupport
import XCTest

@testable import Server

final class PredictTests: XCTestCase {
  private func prediction(_ response: TestResponse) throws -> Prediction {
    XCTAssertEqual(response.status, .ok, response.text)
    return try JSONDecoder().decode(Prediction.self, from: Data(response.text.utf8))
  }

  func testAPNGGetsWhatReportPredictComputes() async throws {
    let (_, alpha, _) = try ServerFixture.runs()
    let dir = try scratch()
    let model = try TrainedModel(run: try RunRecord(loading: alpha))
    for drawn in try DrawnDigit.testDigits(5, in: dir) {
      let path = drawn.png
      let digit = try TrainedModel.digit(fromPNG: path)
      let expected = model.probabilities([digit])[0]
      let png = try Data(contentsOf: URL(fileURLWithPath: path))
      try await ServerFixture.test { client in
        try await client.execute(
          uri: "/api/runs/\(alpha.runID)/predict", method: .post,
          headers: [.contentType: "image/png"], body: ByteBuffer(bytes: png)
        ) { response in
          let answer = try self.prediction(response)
          XCTAssertEqual(answer.probabilities, expected)
          XCTAssertEqual(answer.image, digit, "the image the model saw")
          XCTAssertEqual(answer.class, expected.indices.max { expected[$0] < expected[$1] })
          XCTAssertEqual(answer.classes.count, 10)
        }
      }
    }
  }

  func testJSONPixelsArePredictedAsGiven() async throws {
    let (_, alpha, _) = try ServerFixture.runs()
    let (_, test) = try IDXDataset.mnist.load(
      directory: repositoryRoot + "/data/mnist", verifyChecksums: false)
    let pixels = test.image(0).map { Float($0) / 255 }
    let expected = try TrainedModel(run: try RunRecord(loading: alpha)).probabilities(
      scaled: [pixels])[0]
    let body = try JSONEncoder().encode(pixels)
    try await ServerFixture.test { client in
      try await client.execute(
        uri: "/api/runs/\(alpha.runID)/predict", method: .post,
        headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body)
      ) { response in
        XCTAssertEqual(try self.prediction(response).probabilities, expected)
      }
    }
  }

  func testBadBodiesAreRefusedWithTheReason() async throws {
    let (_, alpha, _) = try ServerFixture.runs()
    let uri = "/api/runs/\(alpha.runID)/predict"
    try await ServerFixture.test { client in
      let cases: [(String, [UInt8], String)] = [
        ("image/png", Array("not a png".utf8), "not a PNG image"),
        ("application/json", Array("[0.5, 0.5]".utf8), "holds 2 numbers; a digit is 784"),
        ("application/json", Array("{\"a\": 1}".utf8), "an array of 784 numbers"),
        (
          "application/json",
          Array(("[" + Array(repeating: "2", count: 784).joined(separator: ",") + "]").utf8),
          "in [0, 1]"
        ),
        ("image/png", [UInt8](repeating: 255, count: 100), "not a PNG image"),
      ]
      for (type, body, reason) in cases {
        try await client.execute(
          uri: uri, method: .post, headers: [.contentType: type], body: ByteBuffer(bytes: body)
        ) { response in
          XCTAssertEqual(response.status, .badRequest, reason)
          XCTAssert(try response.errorReason().contains(reason), response.text)
        }
      }
      // Over 2 MB: 413 before any decoding.
      try await client.execute(
        uri: uri, method: .post, headers: [.contentType: "image/png"],
        body: ByteBuffer(repeating: 0, count: Predictor.largestBody + 1)
      ) { XCTAssertEqual($0.status, .contentTooLarge) }
      try await client.execute(
        uri: "/api/runs/nope/predict", method: .post, body: ByteBuffer(string: "[]")
      ) { response in
        XCTAssertEqual(response.status, .notFound)
        XCTAssertEqual(try response.errorReason(), "no run 'nope'")
      }
    }
  }

  func testARunThatDidNotCompleteCannotPredict() async throws {
    let (catalog, alpha, _) = try ServerFixture.runs()
    // A copy of the run, recorded as interrupted, in a workspace of its own.
    let dir = try scratch()
    let copy = RunPaths(directory: dir + "/out/runs/alpha/" + alpha.runID + "-copy")
    try FileManager.default.createDirectory(
      atPath: dir + "/out/runs/alpha", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: alpha.directory, toPath: copy.directory)
    var summary = try RunSummary.read(from: copy)
    summary.runID = copy.runID
    summary.status = .interrupted
    try summary.write(to: copy)
    let workspace = RunWorkspace(
      outputRoot: dir + "/out", reporter: catalog.workspace.reporter)
    try workspace.catalog.reindex()
    let app = Application(router: RunServer(catalog: workspace.catalog).router())
    try await app.test(.router) { client in
      try await client.execute(
        uri: "/api/runs/\(copy.runID)/predict", method: .post,
        headers: [.contentType: "application/json"],
        body: ByteBuffer(
          string: "[" + Array(repeating: "0", count: 784).joined(separator: ",") + "]")
      ) { response in
        XCTAssertEqual(response.status, .conflict, response.text)
        XCTAssert(try response.errorReason().contains("interrupted"), response.text)
      }
    }
  }
}
