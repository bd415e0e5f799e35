import Foundation

/// A value bound to, or read from, one column of the run index, as both SQL stores see it.
enum ColumnValue {
  case text(String)
  case real(Double)
  case integer(Int64)
  case null
}

/// One column of the `runs` table. The table is `IndexedRun`'s coding keys, in `all`'s order:
/// both SQL stores take their schema, inserts and reads from `all`, and rows travel through
/// `IndexedRun`'s `Codable`, so adding a column is adding the field (with its coding key) to
/// `IndexedRun` and its entry here. Stores add missing columns to an existing table when they
/// open it, so a column added later must be nullable (an optional field).
struct RunColumn {
  /// How a column is stored.
  enum Kind { case text, real, integer }

  let name: String
  let kind: Kind
  let isNullable: Bool

  private init(_ name: String, _ kind: Kind, nullable: Bool = false) {
    (self.name, self.kind, self.isNullable) = (name, kind, nullable)
  }

  /// Every column, in table order; the first is the primary key.
  static let all: [RunColumn] = [
    RunColumn("run_id", .text), RunColumn("experiment", .text), RunColumn("status", .text),
    RunColumn("val_accuracy", .real, nullable: true),
    RunColumn("test_accuracy", .real, nullable: true),
    RunColumn("test_loss", .real, nullable: true), RunColumn("parameters", .integer),
    RunColumn("seconds", .real), RunColumn("started_at", .text), RunColumn("seed", .integer),
    RunColumn("config_hash", .text), RunColumn("cache_key", .text),
    RunColumn("directory", .text), RunColumn("group_hash", .text, nullable: true),
    RunColumn("sweep", .text, nullable: true), RunColumn("trial", .integer, nullable: true),
    RunColumn("sweep_parameters", .text, nullable: true), RunColumn("kind", .text, nullable: true),
  ]

  /// The column names, comma-separated, in table order.
  static let names = all.map(\.name).joined(separator: ", ")

  /// The table definition, given each kind's SQL type in the store's dialect (`columns` other
  /// than `all` only to make the tables of older versions in tests).
  static func createTable(columns: [RunColumn] = all, types: (Kind) -> String) -> String {
    "CREATE TABLE IF NOT EXISTS runs ("
      + columns.enumerated().map { index, column in
        column.definition(types: types) + (index == 0 ? " PRIMARY KEY" : "")
      }.joined(separator: ", ") + ")"
  }

  /// The column's definition (name, type, NOT NULL) in `CREATE TABLE` or `ADD COLUMN`.
  func definition(types: (Kind) -> String) -> String {
    "\(name) \(types(kind))" + (isNullable ? "" : " NOT NULL")
  }

  /// Ascending or descending order on `sort`, missing values last, ties broken by run id.
  static func orderBy(_ sort: RunSortColumn, descending: Bool) -> String {
    "ORDER BY \(sort.rawValue) \(descending ? "DESC" : "ASC") NULLS LAST, run_id"
  }

  /// Non-finite reals travel through JSON as these strings (SQLite and PostgreSQL alike).
  private static let nonFinite = (positive: "Infinity", negative: "-Infinity", nan: "NaN")

  /// `run`'s values, one per column of `all`.
  static func values(of run: IndexedRun) throws -> [ColumnValue] {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: nonFinite.positive, negativeInfinity: nonFinite.negative,
      nan: nonFinite.nan)
    let object = try JSONSerialization.jsonObject(with: try encoder.encode(run))
    let fields = object as? [String: Any] ?? [:]
    return all.map { column in
      switch (column.kind, fields[column.name]) {
      case (.text, let value as String): return .text(value)
      case (.real, let value as NSNumber): return .real(value.doubleValue)
      case (.real, let value as String): return Double(value).map(ColumnValue.real) ?? .null
      case (.integer, let value as NSNumber): return .integer(value.int64Value)
      default: return .null
      }
    }
  }

  /// The run stored as `values` (one per column of `all`) in the store at `store`.
  static func run(from values: [ColumnValue], store: String) throws -> IndexedRun {
    var fields: [String: Any] = [:]
    for (column, value) in zip(all, values) {
      switch value {
      case .text(let text): fields[column.name] = text
      case .integer(let number): fields[column.name] = number
      case .real(let number) where number.isNaN: fields[column.name] = nonFinite.nan
      case .real(let number) where number.isInfinite:
        fields[column.name] = number > 0 ? nonFinite.positive : nonFinite.negative
      case .real(let number): fields[column.name] = number
      case .null: break
      }
    }
    let runID = fields["run_id"] as? String ?? ""
    if let status = fields["status"] as? String, RunStatus(rawValue: status) == nil {
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
