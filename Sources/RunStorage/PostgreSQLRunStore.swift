import Foundation

/// The run index in a PostgreSQL database that a team shares: the `runs` table, created if
/// missing, with the same columns as `SQLiteRunStore` (`RunColumn`). Statements are
/// parameterized; recording is an upsert, so any number of processes record at once.
public final class PostgreSQLRunStore: RunStore {
  private let connection: PostgreSQLConnection
  /// One statement at a time on the connection.
  private let lock = NSLock()
  /// The database, as errors name it (no password).
  public let location: PostgreSQLLocation

  /// Connects to `location` and creates the schema if missing; throws
  /// `RunStoreError.unreachable` with the host, port and server's message when it cannot.
  public init(_ location: PostgreSQLLocation) throws {
    self.location = location
    connection = try PostgreSQLConnection(location)
    try createSchema()
  }

  /// PostgreSQL's type for each kind of column.
  static func type(_ type: RunColumn.SQLType) -> String {
    switch type {
    case .text: return "TEXT"
    case .real: return "DOUBLE PRECISION"
    case .integer: return "BIGINT"
    }
  }

  /// The columns the `runs` table has now (none when there is no table).
  private func presentColumns() throws -> Set<String> {
    Set(
      try connection.execute(
        "SELECT column_name FROM information_schema.columns "
          + "WHERE table_schema = current_schema() AND table_name = 'runs'"
      ).compactMap { $0.first ?? nil })
  }

  /// Creates the table and index, and adds columns an older `report` did not have. When
  /// something is missing, that happens under a transaction-wide advisory lock: concurrent
  /// `CREATE TABLE IF NOT EXISTS` can otherwise collide in PostgreSQL's catalog.
  private func createSchema() throws {
    let columns = Set(RunColumn.allCases.map(\.rawValue))
    guard !columns.isSubset(of: try presentColumns()) else { return }
    try connection.transaction {
      try connection.execute("SELECT pg_advisory_xact_lock(hashtext('report.runs'))")
      try connection.execute(RunColumn.createTable(types: Self.type))
      let present = try presentColumns()
      for column in RunColumn.allCases where !present.contains(column.rawValue) {
        try connection.execute(
          "ALTER TABLE runs ADD COLUMN \(column.definition(types: Self.type))")
      }
      try connection.execute("CREATE INDEX IF NOT EXISTS runs_cache ON runs(cache_key, status)")
    }
  }

  /// The upsert of one row: `INSERT ... ON CONFLICT (run_id) DO UPDATE` every other column.
  private static let upsert: String = {
    let placeholders = (1...RunColumn.allCases.count).map { "$\($0)" }.joined(separator: ", ")
    let updates = RunColumn.allCases.dropFirst().map { "\($0.rawValue) = EXCLUDED.\($0.rawValue)" }
    return "INSERT INTO runs (\(RunColumn.names)) VALUES (\(placeholders)) "
      + "ON CONFLICT (run_id) DO UPDATE SET " + updates.joined(separator: ", ")
  }()

  /// The text PostgreSQL reads for `value` (nil is NULL).
  private static func parameter(_ value: ColumnValue) -> String? {
    switch value {
    case .text(let text): return text
    case .integer(let number): return String(number)
    case .real(let number) where number.isNaN: return "NaN"
    case .real(let number) where number.isInfinite: return number > 0 ? "Infinity" : "-Infinity"
    case .real(let number): return "\(number)"
    case .null: return nil
    }
  }

  private func insert(_ run: IndexedRun) throws {
    try connection.execute(Self.upsert, try RunColumn.values(of: run).map(Self.parameter))
  }

  /// Inserts or replaces one run.
  public func record(_ run: IndexedRun) throws {
    lock.lock()
    defer { lock.unlock() }
    try insert(run)
  }

  /// Replaces every row with `runs` in one transaction: readers see the old rows or the new.
  public func replaceAll(with runs: [IndexedRun]) throws {
    lock.lock()
    defer { lock.unlock() }
    try connection.transaction {
      try connection.execute("DELETE FROM runs")
      for run in runs { try insert(run) }
    }
  }

  /// The runs `filter` admits, sorted, at most `limit` after `offset` when a limit is given.
  public func runs(
    _ filter: RunFilter, sort: RunColumn, descending: Bool, limit: Int?, offset: Int
  ) throws -> [IndexedRun] {
    let (clause, values) = filter.whereClause(.postgresql)
    let parameters = values.map(Self.parameter)
    let sql =
      "SELECT \(RunColumn.names) FROM runs\(clause) "
      + RunColumn.orderBy(sort, descending: descending, limit: limit, offset: offset)
    lock.lock()
    let rows: [[String?]]
    do {
      defer { lock.unlock() }
      rows = try connection.execute(sql, parameters)
    }
    return try rows.map { row in
      let values = zip(RunColumn.allCases, row).map { column, text -> ColumnValue in
        guard let text else { return .null }
        switch column.storage.type {
        case .text: return .text(text)
        case .real: return Double(text).map(ColumnValue.real) ?? .text(text)
        case .integer: return Int64(text).map(ColumnValue.integer) ?? .text(text)
        }
      }
      return try RunColumn.run(from: values, store: location.description)
    }
  }

  /// How many runs `filter` admits.
  public func count(_ filter: RunFilter) throws -> Int {
    let (clause, values) = filter.whereClause(.postgresql)
    lock.lock()
    defer { lock.unlock() }
    let rows = try connection.execute(
      "SELECT COUNT(*) FROM runs" + clause, values.map(Self.parameter))
    return rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
  }
}
