import Foundation
import TestSupport
import XCTest

@testable import RunStorage

/// One test body, both stores: every `RunStore` behaves the same on SQLite and PostgreSQL.
final class RunStoreConformanceTests: XCTestCase {
  /// How many runs each of the eight processes of `testEightProcesses...` records.
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

  func testFiltersPagesAndCountsInTheStore() throws {
    for location in try freshStores(#function) {
      let store = try location.open()
      for (index, tags) in ["Fast,paper", "fast", "fast_x", nil, "paper"].enumerated() {
        var run = row("r\(index)", accuracy: 0.9 + Double(index) / 100)
        (run.tags, run.sweep, run.trial) = (tags, index < 3 ? "s" : nil, index)
        try store.record(run)
      }
      func ids(_ filter: RunFilter, limit: Int? = nil, offset: Int = 0) throws -> [String] {
        try store.runs(
          filter, sort: .testAccuracy, descending: false, limit: limit, offset: offset
        ).map(\.runID)
      }
      // Tags match whole and with their case; '_' is no wildcard.
      XCTAssertEqual(try ids(RunFilter(tag: "fast")), ["r1"], "\(location)")
      XCTAssertEqual(try ids(RunFilter(tag: "paper")), ["r0", "r4"], "\(location)")
      XCTAssertEqual(try ids(RunFilter(tag: "fast_x")), ["r2"], "\(location)")
      XCTAssertEqual(try ids(RunFilter(tag: "fas")), [], "\(location)")
      XCTAssertEqual(try ids(RunFilter(sweep: "s", tag: "Fast")), ["r0"], "\(location)")
      let range = RunFilter.ValueRange(column: .testAccuracy, minimum: 0.905, maximum: 0.925)
      XCTAssertEqual(try ids(RunFilter(range: range)), ["r1", "r2"], "\(location)")
      XCTAssertEqual(
        try ids(RunFilter(range: .init(column: .trial, minimum: 3))), ["r3", "r4"], "\(location)")
      // A page, and the count of everything the filter admits.
      XCTAssertEqual(try ids(RunFilter(), limit: 2, offset: 1), ["r1", "r2"], "\(location)")
      XCTAssertEqual(try ids(RunFilter(), limit: 2, offset: 4), ["r4"], "\(location)")
      XCTAssertEqual(try store.count(RunFilter()), 5, "\(location)")
      XCTAssertEqual(try store.count(RunFilter(sweep: "s")), 3, "\(location)")
      XCTAssertEqual(try store.count(RunFilter(runID: "r3", status: .failed)), 0, "\(location)")
    }
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
    (run.groupHash, run.kind, run.tags) = ("g", .ensemble, "t")
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
        sweepParameters: text, kind: rank < 2 ? .ensemble : .training, tags: text)
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
          + "1, 1, 't', 1, 'h', 'k', 'd', NULL, NULL, NULL, NULL, \(kind), NULL)"
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
    // An index created before sweeps, ensembles and tags (no group_hash, sweep, trial,
    // sweep_parameters, kind, tags), holding a run, opens, gains them, and records and reads
    // them; the old row reads them as nil.
    let added: Set = ["group_hash", "sweep", "trial", "sweep_parameters", "kind", "tags"]
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
      (run.kind, run.tags) = (.ensemble, "a,b")
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
      XCTAssertEqual(rows.first?.tagList, ["a", "b"], "\(location)")
      XCTAssertNil(rows.last?.tags, "\(location)")
      XCTAssertEqual(rows.last?.testAccuracy, 0.9, "\(location)")
    }
  }

  /// Starts one `TestChild record-runs` process per prefix, each recording `count` runs
  /// `<prefix>-<j>` into `location` through connections of its own, all released at once, and
  /// waits for them; fails the test for each that fails.
  private func recordAtOnce(
    _ location: RunStoreLocation, prefixes: [String], count: Int,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let children = try prefixes.map { prefix -> (process: Process, input: Pipe, error: Pipe) in
      let process = Process()
      process.executableURL = testChildExecutable
      // No password in tests.
      process.arguments = ["record-runs", "\(location)", prefix, String(count)]
      let (input, error) = (Pipe(), Pipe())
      (process.standardInput, process.standardOutput, process.standardError) = (
        input, FileHandle.nullDevice, error
      )
      try process.run()
      return (process, input, error)
    }
    // Each waits for a line before its first run. One that already failed has closed its end:
    // its error is reported below, not here.
    signal(SIGPIPE, SIG_IGN)
    for child in children {
      try? child.input.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
    }
    for (prefix, child) in zip(prefixes, children) {
      let complaint = child.error.fileHandleForReading.readDataToEndOfFile()
      child.process.waitUntilExit()
      XCTAssertEqual(
        child.process.terminationStatus, 0,
        "child \(prefix) failed on \(location): \(String(decoding: complaint, as: UTF8.self))",
        file: file, line: line)
    }
  }

  func testEightProcessesRecordingAtOnceLoseNothing() throws {
    for location in try freshStores(#function) {
      try recordAtOnce(location, prefixes: (0..<8).map { "run\($0)" }, count: Self.runsPerChild)
      let runs = try location.open().runs()
      XCTAssertEqual(runs.count, 8 * Self.runsPerChild, "\(location)")
      let lost = Set((0..<8).flatMap { i in (0..<Self.runsPerChild).map { "run\(i)-\($0)" } })
        .subtracting(runs.map(\.runID)).sorted()
      XCTAssert(lost.isEmpty, "\(lost.count) runs lost on \(location), such as \(lost.prefix(5))")
    }
  }

  func testProcessesRecordingTheSameRunsAtOnceLeaveOneRowEach() throws {
    // Four processes replace the same 30 rows at once, as a sweep's trials and a reindex may:
    // recording again replaces, even when the replacements race.
    for location in try freshStores(#function) {
      try recordAtOnce(location, prefixes: Array(repeating: "same", count: 4), count: 30)
      let ids = try location.open().runs(sort: .runID, descending: false).map(\.runID)
      XCTAssertEqual(ids, (0..<30).map { "same-\($0)" }.sorted(), "\(location)")
    }
  }
}
