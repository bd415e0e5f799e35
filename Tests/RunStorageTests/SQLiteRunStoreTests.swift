import CSQLite
import Foundation
import XCTest

@testable import RunStorage

final class SQLiteRunStoreTests: XCTestCase {
  /// Set in the environment of the child processes `testTwoProcesses...` starts.
  private static let childDirectory = "RUN_STORAGE_TEST_CHILD_DIRECTORY"
  private static let childIndex = "RUN_STORAGE_TEST_CHILD_INDEX"

  private func scratch(_ name: String = #function) throws -> String {
    let dir = NSTemporaryDirectory() + "report-runstorage-\(name.filter(\.isLetter))-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  private func row(_ id: String, status: RunStatus = .completed, accuracy: Double? = 0.9)
    -> IndexedRun
  {
    IndexedRun(
      runID: id, experiment: "x", status: status, valAccuracy: accuracy, testAccuracy: accuracy,
      testLoss: 0.1, parameters: 1, seconds: 1, startedAt: "t-\(id)", seed: 1, configHash: "h",
      cacheKey: "k-\(id)", directory: "d-\(id)")
  }

  func testStatusAndSortAreTypedAndFiltered() throws {
    let store = try SQLiteRunStore(outputRoot: try scratch())
    try store.record(row("a", accuracy: 0.5))
    try store.record(row("b", status: .failed, accuracy: nil))
    try store.record(row("c", accuracy: 0.7))
    XCTAssertEqual(try store.runs(status: .completed).map(\.runID).sorted(), ["a", "c"])
    XCTAssertEqual(try store.runs(status: .failed).first?.status, .failed)
    XCTAssertEqual(
      try store.runs(sort: .testAccuracy, descending: true).map(\.runID), ["c", "a", "b"])
    XCTAssertEqual(try store.runs(sort: .runID, descending: false).map(\.runID), ["a", "b", "c"])
    XCTAssertEqual(RunSortColumn(rawValue: "test_accuracy"), .testAccuracy)
    XCTAssertNil(RunSortColumn(rawValue: "size; DROP TABLE runs"))
  }

  /// When started as a child by the test below, records 50 runs into the given directory;
  /// otherwise there is nothing to do.
  func testChildRecordsRunsWhenStartedByTheTwoProcessTest() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let dir = environment[Self.childDirectory], let index = environment[Self.childIndex]
    else { return }
    for j in 0..<50 { try SQLiteRunStore(outputRoot: dir).record(row("run\(index)-\(j)")) }
  }

  func testTwoProcessesRecordingAtOnceAreBothIndexed() throws {
    let dir = try scratch()
    // Two real processes of this test binary, each opening the store and recording 50 runs, as
    // two `report run` processes do; the schema and WAL set-up race as well as the inserts.
    let processes = try (0..<2).map { i -> Process in
      let process = Process()
      process.executableURL = Bundle.main.executableURL
      process.arguments = [
        "RunStorageTests.SQLiteRunStoreTests/testChildRecordsRunsWhenStartedByTheTwoProcessTest"
      ]
      var environment = ProcessInfo.processInfo.environment
      environment[Self.childDirectory] = dir
      environment[Self.childIndex] = String(i)
      process.environment = environment
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      return process
    }
    for process in processes {
      process.waitUntilExit()
      XCTAssertEqual(process.terminationStatus, 0, "a child process failed")
    }
    let runs = try SQLiteRunStore(outputRoot: dir).runs()
    XCTAssertEqual(runs.count, 100)
    XCTAssertEqual(Set(runs.map(\.runID)).count, 100)
  }

  func testAnIndexFromBeforeSweepsGainsTheNewColumnsAndKeepsItsRows() throws {
    let dir = try scratch()
    var db: OpaquePointer?
    XCTAssertEqual(sqlite3_open(dir + "/runs.sqlite", &db), SQLITE_OK)
    let old = """
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY, experiment TEXT NOT NULL, status TEXT NOT NULL,
        val_accuracy REAL, test_accuracy REAL, test_loss REAL, parameters INTEGER NOT NULL,
        seconds REAL NOT NULL, started_at TEXT NOT NULL, seed INTEGER NOT NULL,
        config_hash TEXT NOT NULL, cache_key TEXT NOT NULL, directory TEXT NOT NULL);
      INSERT INTO runs VALUES ('old', 'x', 'completed', 0.9, 0.9, 0.1, 1, 1, 't', 1, 'h', 'k', 'd');
      """
    XCTAssertEqual(sqlite3_exec(db, old, nil, nil, nil), SQLITE_OK)
    sqlite3_close(db)
    let store = try SQLiteRunStore(outputRoot: dir)
    var trial = row("new", status: .pruned)
    (trial.groupHash, trial.sweep, trial.trial, trial.sweepParameters) = (
      "g", "x", 3, #"{"training.epochs":"2"}"#
    )
    try store.record(trial)
    let rows = try store.runs(sort: .runID, descending: false)
    XCTAssertEqual(rows.map(\.runID), ["new", "old"])
    XCTAssertEqual(rows[0].status, .pruned)
    XCTAssertEqual(rows[0].groupHash, "g")
    XCTAssertEqual(rows[0].trial, 3)
    XCTAssertEqual(rows[0].sweepParameters, #"{"training.epochs":"2"}"#)
    XCTAssertNil(rows[1].groupHash)
    XCTAssertNil(rows[1].trial)
    // Opening it again finds the columns there.
    XCTAssertEqual(try SQLiteRunStore(outputRoot: dir).runs().count, 2)
  }
}
