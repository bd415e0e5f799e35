import Foundation
import TestSupport
import XCTest

@testable import RunStorage

/// A fresh scratch directory for one test.
func scratch(_ name: String) throws -> String {
  let dir = NSTemporaryDirectory() + "report-runstorage-\(name.filter(\.isLetter))-\(getpid())"
  try? FileManager.default.removeItem(atPath: dir)
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}

/// A completed run `id` with the given status and accuracy.
func row(_ id: String, status: RunStatus = .completed, accuracy: Double? = 0.9) -> IndexedRun {
  IndexedRun(
    runID: id, experiment: "x", status: status, valAccuracy: accuracy, testAccuracy: accuracy,
    testLoss: 0.1, parameters: 1, seconds: 1, startedAt: "t-\(id)", seed: 1, configHash: "h",
    cacheKey: "k-\(id)", directory: "d-\(id)")
}

/// Empty stores of both kinds for the test `name`: an SQLite file in a scratch directory, and a
/// PostgreSQL schema of its own on the test server.
func freshStores(_ name: String) throws -> [RunStoreLocation] {
  [
    .sqlite(path: try scratch(name) + "/runs.sqlite"),
    try RunStoreLocation(parsing: try TestServices.postgreSQLSchema(name)),
  ]
}
