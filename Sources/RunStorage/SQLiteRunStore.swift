import AtomicFiles
import CSQLite
import Foundation

/// The run index in SQLite: one row per run folder, in `<output>/runs.sqlite`. WAL journaling
/// and a busy timeout let several processes record at once.
public final class SQLiteRunStore: RunStore {
  private var db: OpaquePointer?
  public let path: String

  /// Opens (creating) the index under `outputRoot`.
  public init(outputRoot: String) throws {
    path = outputRoot + "/runs.sqlite"
    try Directory.create(outputRoot)
    guard
      sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        == SQLITE_OK
    else {
      let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
      sqlite3_close(db)
      throw FileError.unwritable(path: path, reason: reason)
    }
    sqlite3_busy_timeout(db, 15_000)
    try execute("PRAGMA journal_mode=WAL")
    try execute(
      """
      CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY, experiment TEXT NOT NULL, status TEXT NOT NULL, val_accuracy REAL, test_accuracy REAL,
        test_loss REAL, parameters INTEGER NOT NULL, seconds REAL NOT NULL, started_at TEXT NOT NULL, seed INTEGER NOT NULL,
        config_hash TEXT NOT NULL, cache_key TEXT NOT NULL, directory TEXT NOT NULL, group_hash TEXT,
        sweep TEXT, trial INTEGER, sweep_parameters TEXT)
      """)
    try execute("CREATE INDEX IF NOT EXISTS runs_cache ON runs(cache_key, status)")
    try addMissingColumns()
  }

  /// Columns added after the first schema (in it for new indexes), appended to indexes created
  /// before them; their rows read as NULL until `replaceAll` rebuilds them from the run folders.
  static let addedColumns = [
    ("group_hash", "TEXT"), ("sweep", "TEXT"), ("trial", "INTEGER"), ("sweep_parameters", "TEXT"),
  ]

  private func addMissingColumns() throws {
    let stmt = try statement("PRAGMA table_info(runs)", [])
    var present: Set<String> = []
    while sqlite3_step(stmt) == SQLITE_ROW {
      present.insert(sqlite3_column_text(stmt, 1).map { String(cString: $0) } ?? "")
    }
    sqlite3_finalize(stmt)
    for (name, type) in Self.addedColumns where !present.contains(name) {
      do {
        try execute("ALTER TABLE runs ADD COLUMN \(name) \(type)")
      } catch {
        // Another process may have added it between the check and the statement.
        guard try columnExists(name) else { throw error }
      }
    }
  }

  private func columnExists(_ name: String) throws -> Bool {
    let stmt = try statement("SELECT 1 FROM pragma_table_info('runs') WHERE name = ?", [name])
    defer { sqlite3_finalize(stmt) }
    return sqlite3_step(stmt) == SQLITE_ROW
  }

  deinit { sqlite3_close(db) }

  /// Every column, in the order `record` binds and `runs` reads them.
  private static let columns =
    "run_id, experiment, status, val_accuracy, test_accuracy, test_loss, parameters, seconds, "
    + "started_at, seed, config_hash, cache_key, directory, group_hash, sweep, trial, "
    + "sweep_parameters"

  private func fail(_ what: String) -> RunStoreError {
    RunStoreError.database(path: path, reason: "\(what): \(String(cString: sqlite3_errmsg(db)))")
  }

  /// Runs `sql`, waiting while another process holds the database: the busy timeout does not
  /// cover switching to WAL or creating the schema, which two processes may do at once.
  private func execute(_ sql: String) throws {
    let deadline = Date().addingTimeInterval(15)
    while true {
      let status = sqlite3_exec(db, sql, nil, nil, nil)
      if status == SQLITE_OK { return }
      guard status == SQLITE_BUSY || status == SQLITE_LOCKED, Date() < deadline else {
        throw fail(sql)
      }
      usleep(10_000)
    }
  }

  private func statement(_ sql: String, _ bind: [Any?]) throws -> OpaquePointer? {
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw fail(sql) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    for (i, value) in bind.enumerated() {
      let index = Int32(i + 1)
      switch value {
      case let v as String: sqlite3_bind_text(stmt, index, v, -1, transient)
      case let v as Int: sqlite3_bind_int64(stmt, index, Int64(v))
      case let v as Int64: sqlite3_bind_int64(stmt, index, v)
      case let v as Double: sqlite3_bind_double(stmt, index, v)
      default: sqlite3_bind_null(stmt, index)
      }
    }
    return stmt
  }

  /// Inserts or replaces one run.
  public func record(_ row: IndexedRun) throws {
    let stmt = try statement(
      "INSERT OR REPLACE INTO runs (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      [
        row.runID, row.experiment, row.status.rawValue, row.valAccuracy, row.testAccuracy,
        row.testLoss, row.parameters, row.seconds, row.startedAt, row.seed, row.configHash,
        row.cacheKey, row.directory, row.groupHash, row.sweep, row.trial, row.sweepParameters,
      ])
    defer { sqlite3_finalize(stmt) }
    guard sqlite3_step(stmt) == SQLITE_DONE else { throw fail("recording run \(row.runID)") }
  }

  /// Rebuilds the whole table from `rows` in one transaction.
  public func replaceAll(with rows: [IndexedRun]) throws {
    try execute("BEGIN IMMEDIATE")
    do {
      try execute("DELETE FROM runs")
      for row in rows { try record(row) }
      try execute("COMMIT")
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  /// Runs, filtered and sorted.
  public func runs(
    experiment: String?, status: RunStatus?, cacheKey: String?, sort: RunSortColumn,
    descending: Bool
  ) throws -> [IndexedRun] {
    var clauses: [String] = []
    var values: [Any?] = []
    for (column, value) in [
      ("experiment", experiment), ("status", status?.rawValue), ("cache_key", cacheKey),
    ] {
      if let value {
        clauses.append("\(column) = ?")
        values.append(value)
      }
    }
    let sql =
      "SELECT \(Self.columns) FROM runs"
      + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
      + " ORDER BY \(sort.rawValue) \(descending ? "DESC" : "ASC"), run_id"
    let stmt = try statement(sql, values)
    defer { sqlite3_finalize(stmt) }
    var result: [IndexedRun] = []
    func text(_ i: Int32) -> String {
      sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? ""
    }
    func optionalText(_ i: Int32) -> String? {
      sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : text(i)
    }
    func real(_ i: Int32) -> Double? {
      sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, i)
    }
    while sqlite3_step(stmt) == SQLITE_ROW {
      guard let status = RunStatus(rawValue: text(2)) else {
        throw RunStoreError.unknownStatus(path: path, runID: text(0), status: text(2))
      }
      result.append(
        IndexedRun(
          runID: text(0), experiment: text(1), status: status, valAccuracy: real(3),
          testAccuracy: real(4), testLoss: real(5),
          parameters: Int(sqlite3_column_int64(stmt, 6)), seconds: sqlite3_column_double(stmt, 7),
          startedAt: text(8),
          seed: sqlite3_column_int64(stmt, 9), configHash: text(10), cacheKey: text(11),
          directory: text(12), groupHash: optionalText(13), sweep: optionalText(14),
          trial: sqlite3_column_type(stmt, 15) == SQLITE_NULL
            ? nil : Int(sqlite3_column_int64(stmt, 15)),
          sweepParameters: optionalText(16)))
    }
    return result
  }
}
