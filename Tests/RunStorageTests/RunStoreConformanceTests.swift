import Foundation
import XCTest

@testable import RunStorage

/// One test body, both stores: every `RunStore` behaves the same on SQLite and PostgreSQL.
final class RunStoreConformanceTests: XCTestCase {
  /// Set in the environment of the child processes `testEightProcesses...` starts.
  private static let childStore = "RUN_STORAGE_TEST_CHILD_STORE"
  private static let childIndex = "RUN_STORAGE_TEST_CHILD_INDEX"
  private static let runsPerChild = 60

  func testStatusAndSortAreTypedAndFiltered() throws {
    for location in try freshStores(#function) {
      let store = try location.open()
      try store.record(row("a", accuracy: 0.5))
      try store.record(row("b", status: .failed, accuracy: nil))
      try store.record(row("c", accuracy: 0.7))
      XCTAssertEqual(
        try store.runs(status: .completed).map(\.runID).sorted(), ["a", "c"], "\(location)")
      XCTAssertEqual(try store.runs(status: .failed).first?.status, .failed, "\(location)")
      XCTAssertEqual(
        try store.runs(sort: .testAccuracy, descending: true).map(\.runID), ["c", "a", "b"],
        "\(location)")
      XCTAssertEqual(
        try store.runs(sort: .testAccuracy, descending: false).map(\.runID), ["a", "c", "b"],
        "\(location)")
      XCTAssertEqual(
        try store.runs(sort: .runID, descending: false).map(\.runID), ["a", "b", "c"],
        "\(location)")
      XCTAssertEqual(try store.runs(cacheKey: "k-b").map(\.runID), ["b"], "\(location)")
      XCTAssertEqual(try store.runs(experiment: "y").count, 0, "\(location)")
    }
    XCTAssertNil(RunColumn(rawValue: "size; DROP TABLE runs"))
  }

  func testEveryColumnReadsBackAsRecorded() throws {
    for location in try freshStores(#function) {
      let store = try location.open()
      var run = row("it's; DROP TABLE runs; --")
      run.testLoss = .nan
      run.valAccuracy = nil
      run.seed = Int64.max
      run.seconds = 1e-7
      run.directory = "/shared/ütf-8 ✓"
      try store.record(run)
      let back = try XCTUnwrap(try store.runs().first, "\(location)")
      // Compared as text: NaN is not equal to itself.
      XCTAssertEqual(
        "\(try RunColumn.values(of: back))", "\(try RunColumn.values(of: run))", "\(location)")
      XCTAssert(back.testLoss?.isNaN == true, "\(location)")
    }
  }

  func testRecordingAgainReplacesTheRow() throws {
    for location in try freshStores(#function) {
      let store = try location.open()
      try store.record(row("a", status: .running, accuracy: nil))
      try store.record(row("a", status: .completed, accuracy: 0.8))
      let runs = try store.runs()
      XCTAssertEqual(runs.count, 1, "\(location)")
      XCTAssertEqual(runs.first?.status, .completed, "\(location)")
      XCTAssertEqual(runs.first?.testAccuracy, 0.8, "\(location)")
    }
  }

  func testReplaceAllLeavesExactlyTheGivenRows() throws {
    for location in try freshStores(#function) {
      let store = try location.open()
      try store.record(row("old"))
      try store.replaceAll(with: [row("a"), row("b")])
      XCTAssertEqual(
        try store.runs(sort: .runID, descending: false).map(\.runID), ["a", "b"], "\(location)")
      // A second connection sees the same rows: the transaction committed.
      XCTAssertEqual(try location.open().runs().count, 2, "\(location)")
    }
  }

  func testColumnsAreIndexedRunsCodingKeys() throws {
    var run = row("a")
    (run.valAccuracy, run.sweep, run.trial, run.sweepParameters) = (0.1, "s", 1, "{}")
    (run.groupHash, run.kind) = ("g", .ensemble)
    let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(run))
    let keys = try XCTUnwrap(encoded as? [String: Any]).keys.sorted()
    XCTAssertEqual(RunColumn.allCases.map(\.rawValue).sorted(), keys)
    // A field added to IndexedRun without its column fails here.
    XCTAssertEqual(Mirror(reflecting: run).children.count, RunColumn.allCases.count)
  }

  func testEveryColumnSortsBothWaysMissingValuesLast() throws {
    // Ranked so that every column but run_id orders the runs c, a, b.
    func ranked(_ id: String, _ rank: Int) -> IndexedRun {
      let text = ["p", "q", "r"][rank]
      let number = Double(rank + 1)
      return IndexedRun(
        runID: id, experiment: text, status: [.completed, .failed, .running][rank],
        valAccuracy: number, testAccuracy: number, testLoss: number, parameters: rank + 1,
        seconds: number, startedAt: text, seed: Int64(rank + 1), configHash: text,
        cacheKey: text, directory: text, groupHash: text, sweep: text, trial: rank + 1,
        sweepParameters: text, kind: rank < 2 ? .ensemble : .training)
    }
    let rows = [ranked("a", 1), ranked("b", 2), ranked("c", 0)]
    for location in try freshStores(#function) {
      let store = try location.open()
      try store.replaceAll(with: rows)
      for column in RunColumn.allCases {
        let (ascending, descending): ([String], [String])
        switch column {
        case .runID: (ascending, descending) = (["a", "b", "c"], ["c", "b", "a"])
        // Two ensembles (tied, so by run id), then a trained run: no value, last either way.
        case .kind: (ascending, descending) = (["a", "c", "b"], ["a", "c", "b"])
        default: (ascending, descending) = (["c", "a", "b"], ["b", "a", "c"])
        }
        XCTAssertEqual(
          try store.runs(sort: column, descending: false).map(\.runID), ascending,
          "\(location) \(column.rawValue)")
        XCTAssertEqual(
          try store.runs(sort: column, descending: true).map(\.runID), descending,
          "\(location) \(column.rawValue)")
      }
    }
  }

  func testKindIsStoredAsBeforeAndOldRowsReadBack() throws {
    // A trained run's row has no kind (NULL, no JSON key), as rows written before `RunKind`.
    var ensemble = row("e")
    ensemble.kind = .ensemble
    let kind = try XCTUnwrap(RunColumn.allCases.firstIndex(of: .kind))
    XCTAssertEqual("\(try RunColumn.values(of: row("t"))[kind])", "\(ColumnValue.null)")
    XCTAssertEqual(
      "\(try RunColumn.values(of: ensemble)[kind])", "\(ColumnValue.text("ensemble"))")
    let json = String(decoding: try JSONEncoder().encode([row("t"), ensemble]), as: UTF8.self)
    XCTAssertEqual(json.components(separatedBy: #""kind":"ensemble""#).count, 2, json)
    XCTAssertEqual(json.components(separatedBy: #""kind""#).count, 2, json)
    for location in try freshStores(#function) {
      try location.open().replaceAll(with: [])
      let insert = { (id: String, kind: String) in
        "INSERT INTO runs (\(RunColumn.names)) VALUES ('\(id)', 'x', 'completed', 0.9, 0.9, 0.1, "
          + "1, 1, 't', 1, 'h', 'k', 'd', NULL, NULL, NULL, NULL, \(kind))"
      }
      let statements = [insert("old", "NULL"), insert("ens", "'ensemble'")]
      switch location {
      case .sqlite(let path):
        let store = try SQLiteRunStore(path: path)
        for sql in statements { try store.execute(sql) }
      case .postgreSQL(let server):
        let connection = try PostgreSQLConnection(server)
        for sql in statements { try connection.execute(sql) }
      }
      let rows = try location.open().runs(sort: .runID, descending: false)
      XCTAssertEqual(rows.map(\.kind), [.ensemble, .training], "\(location)")
      XCTAssertEqual(rows.map(\.runID), ["ens", "old"], "\(location)")
    }
    XCTAssertThrowsError(
      try RunColumn.run(
        from: try RunColumn.values(of: row("u")).enumerated().map {
          $0.offset == kind ? .text("distilled") : $0.element
        }, store: "test")
    ) { error in
      XCTAssert("\(error)".contains("unknown run kind 'distilled'"), "\(error)")
    }
  }

  func testAnOlderTableGainsMissingColumnsOnOpenAndKeepsItsRows() throws {
    // An index created before sweeps and ensembles (no group_hash, sweep, trial,
    // sweep_parameters, kind), holding a run, opens, gains them, and records and reads them; the
    // old row reads them as nil.
    let added: Set = ["group_hash", "sweep", "trial", "sweep_parameters", "kind"]
    let old = RunColumn.allCases.filter { !added.contains($0.rawValue) }
    let oldRow =
      "INSERT INTO runs (\(old.map(\.rawValue).joined(separator: ", "))) VALUES "
      + "('old', 'x', 'completed', 0.9, 0.9, 0.1, 1, 1, 't', 1, 'h', 'k', 'd')"
    for location in try freshStores(#function) {
      try location.open().replaceAll(with: [])
      switch location {
      case .sqlite(let path):
        let store = try SQLiteRunStore(path: path)
        try store.execute("DROP TABLE runs")
        try store.execute(RunColumn.createTable(columns: old, types: SQLiteRunStore.type))
        try store.execute(oldRow)
      case .postgreSQL(let server):
        let connection = try PostgreSQLConnection(server)
        try connection.execute("DROP TABLE runs")
        try connection.execute(
          RunColumn.createTable(columns: old, types: PostgreSQLRunStore.type))
        try connection.execute(oldRow)
      }
      var run = row("new", status: .pruned)
      (run.groupHash, run.sweep, run.trial, run.sweepParameters) = (
        "g", "s", 3, #"{"training.epochs":"2"}"#
      )
      run.kind = .ensemble
      try location.open().record(run)
      let rows = try location.open().runs(sort: .runID, descending: false)
      XCTAssertEqual(rows.map(\.runID), ["new", "old"], "\(location)")
      XCTAssertEqual(rows.first?.status, .pruned, "\(location)")
      XCTAssertEqual(rows.first?.trial, 3, "\(location)")
      XCTAssertEqual(rows.first?.sweepParameters, #"{"training.epochs":"2"}"#, "\(location)")
      XCTAssertNil(rows.last?.groupHash, "\(location)")
      XCTAssertNil(rows.last?.trial, "\(location)")
      XCTAssertEqual(rows.first?.kind, .ensemble, "\(location)")
      XCTAssertEqual(rows.last?.kind, .training, "\(location)")
      XCTAssertEqual(rows.last?.testAccuracy, 0.9, "\(location)")
    }
  }

  /// When started as a child by the test below, records runs into the given store; otherwise
  /// there is nothing to do.
  func testChildRecordsRunsWhenStartedByTheEightProcessTest() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let uri = environment[Self.childStore], let index = environment[Self.childIndex]
    else { return }
    let location = try RunStoreLocation(parsing: uri)
    for j in 0..<Self.runsPerChild {
      // Opened anew for every run, as `report run` does: schema creation races too.
      try location.open().record(row("run\(index)-\(j)"))
    }
  }

  func testEightProcessesRecordingAtOnceLoseNothing() throws {
    for location in try freshStores(#function) {
      let processes = try (0..<8).map { i -> Process in
        let process = Process()
        process.executableURL = Bundle.main.executableURL
        process.arguments = [
          "RunStorageTests.RunStoreConformanceTests/"
            + "testChildRecordsRunsWhenStartedByTheEightProcessTest"
        ]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childStore] = "\(location)"  // no password in tests
        environment[Self.childIndex] = String(i)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
      }
      for process in processes {
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "a child process failed on \(location)")
      }
      let runs = try location.open().runs()
      XCTAssertEqual(runs.count, 8 * Self.runsPerChild, "\(location)")
      XCTAssertEqual(Set(runs.map(\.runID)).count, 8 * Self.runsPerChild, "\(location)")
    }
  }
}
