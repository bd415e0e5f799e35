import Foundation
import TestSupport
import XCTest

/// `--store` and `REPORT_STORE`: the commands that read or write the run index work on SQLite
/// and on PostgreSQL alike, and an unreachable store stops them before anything is written.
final class StoreCommandLineTests: XCTestCase {
  private func tinyExperiment(in dir: String) throws -> String {
    let yaml = """
      dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 200, test_subset: 50}
      model: [flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """
    try write(yaml, to: dir + "/tiny.yaml")
    return dir + "/tiny.yaml"
  }

  private func listed(_ arguments: [String], environment: [String: String] = [:]) throws
    -> [[String: Any]]
  {
    let result = try runReport(["list", "--json"] + arguments, environment: environment)
    XCTAssertEqual(result.status, 0, result.error)
    return try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
  }

  func testRunListCompareAndReindexThroughPostgreSQL() throws {
    let dir = try scratch()
    let out = dir + "/out"
    let store = try TestServices.postgreSQLSchema(#function)
    let experiment = try tinyExperiment(in: dir)
    for seed in [1, 2] {
      let run = try runReport(
        ["run", experiment, "--output", out, "--set", "seed=\(seed)"],
        environment: ["REPORT_STORE": store])
      XCTAssertEqual(run.status, 0, run.error)
    }
    let rows = try listed(["--store", store, "--output", out])
    XCTAssertEqual(rows.count, 2)
    XCTAssertEqual(Set(rows.compactMap { $0["status"] as? String }), ["completed"])
    // Nothing went to the embedded default.
    XCTAssertEqual(try listed(["--output", out]).count, 0)
    // compare finds the experiment's seeds in the store.
    let compared = try runReport(["compare", "tiny", "--output", out, "--store", store])
    XCTAssertEqual(compared.status, 0, compared.error)
    // reindex fills either store from the run folders.
    let other = try TestServices.postgreSQLSchema(#function + "Reindexed")
    for target in [other, "sqlite:\(dir)/elsewhere.sqlite"] {
      let reindexed = try runReport(["reindex", "--output", out, "--store", target])
      XCTAssertEqual(reindexed.status, 0, reindexed.error)
      XCTAssert(reindexed.output.hasPrefix("indexed 2 runs in "), reindexed.output)
      XCTAssertEqual(try listed(["--store", target]).count, 2, target)
    }
  }

  func testAnUnreachableStoreStopsARunBeforeItWritesAnything() throws {
    let dir = try scratch()
    let experiment = try tinyExperiment(in: dir)
    let unreachable = "postgresql://ann:secret@127.0.0.1:1/runs"
    let run = try runReport(
      ["run", experiment, "--output", dir + "/out", "--store", unreachable])
    XCTAssertNotEqual(run.status, 0)
    XCTAssert(
      run.error.contains(
        "cannot reach the run store postgresql://ann@127.0.0.1:1/runs (host 127.0.0.1, port 1): "
          + "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"),
      run.error)
    XCTAssert(run.error.contains("Check --store or $REPORT_STORE"), run.error)
    XCTAssertFalse(run.error.contains("secret"), run.error)
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: dir + "/out/runs"), "a run folder was started")
    let list = try runReport(["list"], environment: ["REPORT_STORE": unreachable])
    XCTAssertNotEqual(list.status, 0)
    XCTAssert(list.error.contains("(host 127.0.0.1, port 1)"), list.error)
    let bad = try runReport(["list", "--store", "mysql://db/runs"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssert(
      bad.error.contains(
        "run store 'mysql://db/runs': expected sqlite:PATH or postgresql://user@host:port/database"
          + " (from --store)"), bad.error)
  }
}
