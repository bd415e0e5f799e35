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

  /// Ascending or descending order on `sort`, missing values last, ties broken by run id.
  static func orderBy(_ sort: RunColumn, descending: Bool) -> String {
    "ORDER BY \(sort.rawValue) \(descending ? "DESC" : "ASC") NULLS LAST, \(runID.rawValue)"
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

  /// The run stored as `values` (one per column, in table order) in the store at `store`.
  static func run(from values: [ColumnValue], store: String) throws -> IndexedRun {
    var fields: [String: Any] = [:]
    for (column, value) in zip(allCases, values) {
      switch value {
      case .text(let text): fields[column.rawValue] = text
      case .integer(let number): fields[column.rawValue] = number
      case .real(let number) where number.isNaN: fields[column.rawValue] = nonFinite.nan
      case .real(let number) where number.isInfinite:
        fields[column.rawValue] = number > 0 ? nonFinite.positive : nonFinite.negative
      case .real(let number): fields[column.rawValue] = number
      case .null: break
      }
    }
    let runID = fields[RunColumn.runID.rawValue] as? String ?? ""
    if let status = fields[RunColumn.status.rawValue] as? String, RunStatus(rawValue: status) == nil
    {
      throw RunStoreError.unknownStatus(path: store, runID: runID, status: status)
    }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: nonFinite.positive, negativeInfinity: nonFinite.negative,
      nan: nonFinite.nan)
    do {
      return try decoder.decode(
        IndexedRun.self, from: try JSONSerialization.data(withJSONObject: fields))
    } catch {
      throw RunStoreError.database(
        path: store, reason: "run \(runID) has a row that does not read back: \(error)")
    }
  }
}
