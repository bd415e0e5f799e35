import Foundation

/// A value bound to, or read from, one column of the run index, as both SQL stores see it.
enum ColumnValue {
  case text(String)
  case real(Double)
  case integer(Int64)
  case null
}

/// A column of the run index (the `runs` table), in table order; the first is the primary key.
/// The raw value is the SQL column name and `IndexedRun`'s key in JSON (`report list --json`):
/// the cases are `IndexedRun`'s coding keys. Both SQL stores take their schema, inserts and reads
/// from `allCases`, and `report list` sorts by any of them and builds its table from them, so
/// adding a column is adding its case here and its field to `IndexedRun`; the compiler then asks
/// how it is stored and whether the table shows it. Stores add missing columns to an existing
/// table when they open it, so a column added later must be nullable (an optional field).
public enum RunColumn: String, CaseIterable, CodingKey, Sendable {
  case runID = "run_id"
  case experiment, status
  case valAccuracy = "val_accuracy"
  case testAccuracy = "test_accuracy"
  case testLoss = "test_loss"
  case parameters, seconds
  case startedAt = "started_at"
  case seed
  case configHash = "config_hash"
  case cacheKey = "cache_key"
  case directory
  case groupHash = "group_hash"
  case sweep, trial
  case sweepParameters = "sweep_parameters"
  case kind, tags
}

extension RunColumn {
  /// How a column's values are stored, each store naming its own SQL type.
  enum SQLType { case text, real, integer }

  /// The column's type and whether it may be NULL.
  var storage: (type: SQLType, isNullable: Bool) {
    switch self {
    case .runID, .experiment, .status, .startedAt, .configHash, .cacheKey, .directory:
      return (.text, false)
    case .parameters, .seed: return (.integer, false)
    case .seconds: return (.real, false)
    case .valAccuracy, .testAccuracy, .testLoss: return (.real, true)
    case .groupHash, .sweep, .sweepParameters, .kind, .tags: return (.text, true)
    case .trial: return (.integer, true)
    }
  }

  /// The column names, comma-separated, in table order.
  static let names = allCases.map(\.rawValue).joined(separator: ", ")

  /// The table definition, given each type's name in the store's dialect (`columns` other than
  /// `allCases` only to make the tables of older versions in tests).
  static func createTable(columns: [RunColumn] = allCases, types: (SQLType) -> String) -> String {
    "CREATE TABLE IF NOT EXISTS runs ("
      + columns.enumerated().map { index, column in
        column.definition(types: types) + (index == 0 ? " PRIMARY KEY" : "")
      }.joined(separator: ", ") + ")"
  }

  /// The column's definition (name, type, NOT NULL) in `CREATE TABLE` or `ADD COLUMN`.
  func definition(types: (SQLType) -> String) -> String {
    "\(rawValue) \(types(storage.type))" + (storage.isNullable ? "" : " NOT NULL")
  }

  /// Ascending or descending order on `sort`, missing values last, ties broken by run id; then
  /// `limit` rows after `offset`, when a limit is given.
  static func orderBy(_ sort: RunColumn, descending: Bool, limit: Int? = nil, offset: Int = 0)
    -> String
  {
    "ORDER BY \(sort.rawValue) \(descending ? "DESC" : "ASC") NULLS LAST, \(runID.rawValue)"
      + (limit.map { " LIMIT \(max($0, 0)) OFFSET \(max(offset, 0))" } ?? "")
  }

  /// Non-finite reals travel through JSON as these strings (SQLite and PostgreSQL alike).
  private static let nonFinite = (positive: "Infinity", negative: "-Infinity", nan: "NaN")

  /// `run`'s values, one per column, in table order.
  static func values(of run: IndexedRun) throws -> [ColumnValue] {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: nonFinite.positive, negativeInfinity: nonFinite.negative,
      nan: nonFinite.nan)
    let object = try JSONSerialization.jsonObject(with: try encoder.encode(run))
    let fields = object as? [String: Any] ?? [:]
    return allCases.map { column in
      switch (column.storage.type, fields[column.rawValue]) {
      case (.text, let value as String): return .text(value)
      case (.real, let value as NSNumber): return .real(value.doubleValue)
      case (.real, let value as String): return Double(value).map(ColumnValue.real) ?? .null
      case (.integer, let value as NSNumber): return .integer(value.int64Value)
      default: return .null
      }
    }
  }

  /// The run stored as `values` (one per column, in table order) in the store at `store`, read
  /// column by column: a listing of 10,000 rows takes milliseconds, where a JSON round trip per
  /// row took seconds.
  static func run(from values: [ColumnValue], store: String) throws -> IndexedRun {
    let row = StoredRow(values: values, store: store)
    let runID = try row.text(.runID)
    let status = try row.text(.status)
    guard let runStatus = RunStatus(rawValue: status) else {
      throw RunStoreError.unknownStatus(path: store, runID: runID, status: status)
    }
    let kindName = try row.optionalText(.kind)
    guard let kind = RunKind.allCases.first(where: { $0.storedName == kindName }) else {
      throw row.unreadable(.kind, "unknown run kind '\(kindName ?? "")'")
    }
    return IndexedRun(
      runID: runID, experiment: try row.text(.experiment), status: runStatus,
      valAccuracy: try row.optionalReal(.valAccuracy),
      testAccuracy: try row.optionalReal(.testAccuracy), testLoss: try row.optionalReal(.testLoss),
      parameters: Int(try row.integer(.parameters)), seconds: try row.real(.seconds),
      startedAt: try row.text(.startedAt), seed: try row.integer(.seed),
      configHash: try row.text(.configHash), cacheKey: try row.text(.cacheKey),
      directory: try row.text(.directory), groupHash: try row.optionalText(.groupHash),
      sweep: try row.optionalText(.sweep), trial: try row.optionalInteger(.trial).map(Int.init),
      sweepParameters: try row.optionalText(.sweepParameters), kind: kind,
      tags: try row.optionalText(.tags))
  }
}

/// One row as a store gave it back, read column by column; a value of the wrong type is an error
/// naming the store, the run and the column.
private struct StoredRow {
  let values: [ColumnValue]
  let store: String

  private static let positions = Dictionary(
    uniqueKeysWithValues: RunColumn.allCases.enumerated().map { ($1, $0) })

  private func value(_ column: RunColumn) -> ColumnValue {
    let position = Self.positions[column]!
    return position < values.count ? values[position] : .null
  }

  func unreadable(_ column: RunColumn, _ reason: String) -> RunStoreError {
    var runID = ""
    if case .text(let id) = value(.runID) { runID = id }
    return .database(
      path: store,
      reason: "run \(runID) has a row that does not read back: \(column.rawValue): \(reason)")
  }

  func optionalText(_ column: RunColumn) throws -> String? {
    switch value(column) {
    case .null: return nil
    case .text(let text): return text
    case .integer(let number): return String(number)
    case .real(let number): return String(number)
    }
  }

  func optionalReal(_ column: RunColumn) throws -> Double? {
    switch value(column) {
    case .null: return nil
    case .real(let number): return number
    case .integer(let number): return Double(number)
    // NaN and the infinities come back as text (`SQLiteRunStore` stores NaN so).
    case .text(let text):
      guard let number = Double(text) else { throw unreadable(column, "'\(text)' is not a number") }
      return number
    }
  }

  func optionalInteger(_ column: RunColumn) throws -> Int64? {
    switch value(column) {
    case .null: return nil
    case .integer(let number): return number
    case .real(let number) where number.rounded() == number && abs(number) < 9e18:
      return Int64(number)
    case .real(let number): throw unreadable(column, "\(number) is not a whole number")
    case .text(let text):
      guard let number = Int64(text) else {
        throw unreadable(column, "'\(text)' is not a whole number")
      }
      return number
    }
  }

  func text(_ column: RunColumn) throws -> String {
    guard let text = try optionalText(column) else { throw unreadable(column, "missing") }
    return text
  }

  func real(_ column: RunColumn) throws -> Double {
    guard let number = try optionalReal(column) else { throw unreadable(column, "missing") }
    return number
  }

  func integer(_ column: RunColumn) throws -> Int64 {
    guard let number = try optionalInteger(column) else { throw unreadable(column, "missing") }
    return number
  }
}
