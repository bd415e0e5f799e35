import AtomicFiles
import CSQLite
import Foundation

/// The run index in SQLite: one row per run folder, in `<output>/runs.sqlite`. WAL journaling
/// and a busy timeout let several processes record at once.
public final class SQLiteRunStore: RunStore {
  private var db: OpaquePointer?
  /// The database file.
  public let path: String

  /// Opens (creating) the index under `outputRoot`: `<outputRoot>/runs.sqlite`.
  public convenience init(outputRoot: String) throws {
    try self.init(path: outputRoot + "/runs.sqlite")
  }

  /// Opens (creating) the index at `path`, creating its directory.
  public init(path: String) throws {
    self.path = path
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty { try Directory.create(directory) }
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
    try execute(RunColumn.createTable(types: Self.type))
    try addMissingColumns()
    try execute("CREATE INDEX IF NOT EXISTS runs_cache ON runs(cache_key, status)")
  }

  /// SQLite's type for each kind of column.
  static func type(_ type: RunColumn.SQLType) -> String {
    switch type {
    case .text: return "TEXT"
    case .real: return "REAL"
    case .integer: return "INTEGER"
    }
  }

  /// The columns the `runs` table has now.
  private func presentColumns() throws -> Set<String> {
    let stmt = try statement("SELECT name FROM pragma_table_info('runs')", [])
    defer { sqlite3_finalize(stmt) }
    var present: Set<String> = []
    while sqlite3_step(stmt) == SQLITE_ROW {
      present.insert(sqlite3_column_text(stmt, 0).map { String(cString: $0) } ?? "")
    }
    return present
  }

  /// Adds the columns an index written by an older `report` lacks, holding the write lock so
  /// that two processes opening it at once do not both add them.
  private func addMissingColumns() throws {
    guard !Set(RunColumn.allCases.map(\.rawValue)).isSubset(of: try presentColumns()) else {
      return
    }
    try execute("BEGIN IMMEDIATE")
    do {
      let present = try presentColumns()
      for column in RunColumn.allCases where !present.contains(column.rawValue) {
        try execute("ALTER TABLE runs ADD COLUMN \(column.definition(types: Self.type))")
      }
      try execute("COMMIT")
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  deinit { sqlite3_close(db) }

  private func fail(_ what: String) -> RunStoreError {
    RunStoreError.database(path: path, reason: "\(what): \(String(cString: sqlite3_errmsg(db)))")
  }

  /// Runs `sql`, waiting while another process holds the database: the busy timeout does not
  /// cover switching to WAL or creating the schema, which two processes may do at once.
  func execute(_ sql: String) throws {
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

  private func statement(_ sql: String, _ bind: [ColumnValue]) throws -> OpaquePointer? {
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw fail(sql) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    for (i, value) in bind.enumerated() {
      let index = Int32(i + 1)
      switch value {
      case .text(let v): sqlite3_bind_text(stmt, index, v, -1, transient)
      case .integer(let v): sqlite3_bind_int64(stmt, index, v)
      // SQLite would store NaN as NULL; the text reads back as NaN (`RunColumn`).
      case .real(let v) where v.isNaN: sqlite3_bind_text(stmt, index, "NaN", -1, transient)
      case .real(let v): sqlite3_bind_double(stmt, index, v)
      case .null: sqlite3_bind_null(stmt, index)
      }
    }
    return stmt
  }

  /// Inserts or replaces one run.
  public func record(_ row: IndexedRun) throws {
    let placeholders = Array(repeating: "?", count: RunColumn.allCases.count).joined(separator: ",")
    let stmt = try statement(
      "INSERT OR REPLACE INTO runs (\(RunColumn.names)) VALUES (\(placeholders))",
      try RunColumn.values(of: row))
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

  /// The runs `filter` admits, sorted, at most `limit` after `offset` when a limit is given.
  public func runs(
    _ filter: RunFilter, sort: RunColumn, descending: Bool, limit: Int?, offset: Int
  ) throws -> [IndexedRun] {
    let (clause, values) = filter.whereClause(.sqlite)
    let sql =
      "SELECT \(RunColumn.names) FROM runs\(clause) "
      + RunColumn.orderBy(sort, descending: descending, limit: limit, offset: offset)
    let stmt = try statement(sql, values)
    defer { sqlite3_finalize(stmt) }
    var result: [IndexedRun] = []
    while true {
      let status = sqlite3_step(stmt)
      if status == SQLITE_DONE { return result }
      guard status == SQLITE_ROW else { throw fail(sql) }
      let row = (0..<Int32(RunColumn.allCases.count)).map { i -> ColumnValue in
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, i))
        default: return .text(sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? "")
        }
      }
      result.append(try RunColumn.run(from: row, store: path))
    }
  }

  /// How many runs `filter` admits.
  public func count(_ filter: RunFilter) throws -> Int {
    let (clause, values) = filter.whereClause(.sqlite)
    let sql = "SELECT COUNT(*) FROM runs" + clause
    let stmt = try statement(sql, values)
    defer { sqlite3_finalize(stmt) }
    guard sqlite3_step(stmt) == SQLITE_ROW else { throw fail(sql) }
    return Int(sqlite3_column_int64(stmt, 0))
  }
}
