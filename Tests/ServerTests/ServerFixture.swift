import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Runs
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Server

/// Two tiny trained runs (experiments `alpha`, tagged `first`, and `beta`, tagged `second`, with
/// different seeds), trained once for every test here.
enum ServerFixture {
  private static var trained: (catalog: RunCatalog, alpha: RunPaths, beta: RunPaths)?
  private static let lock = NSLock()

  static func runs() throws -> (catalog: RunCatalog, alpha: RunPaths, beta: RunPaths) {
    lock.lock()
    defer { lock.unlock() }
    if let trained { return trained }
    let dir = try scratch("ServerFixture")
    let tiny = tinyExperimentYAML(epochs: 3).replacingOccurrences(
      of: "subset: 600", with: "subset: 2000")
    try write(tiny + "\ntags: [first, shared]\n", to: dir + "/alpha.yaml")
    try write(
      tiny.replacingOccurrences(of: "seed: 3", with: "seed: 4") + "\ntags: [second, shared]\n",
      to: dir + "/beta.yaml")
    let workspace = RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter())
    let trainer = RunTrainer(workspace: workspace)
    let library = ExperimentLibrary(directory: dir)
    let alpha = try trainer.start(try library.load("alpha")).paths
    let beta = try trainer.start(try library.load("beta")).paths
    trained = (workspace.catalog, alpha, beta)
    return trained!
  }

  /// Runs `test` against the app over the fixture's runs, in process.
  static func test(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
    async throws
  {
    let server = RunServer(catalog: try runs().catalog)
    try await Application(router: server.router()).test(.router, test)
  }
}

/// A response's body as text, and as JSON.
extension TestResponse {
  var text: String { String(buffer: body) }

  func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

  /// The `error` member of a JSON error body.
  func errorReason() throws -> String {
    try XCTUnwrap((try json() as? [String: Any])?["error"] as? String, text)
  }
}
