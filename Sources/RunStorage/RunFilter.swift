/// Which rows of the run index a query wants: each field given must match. The stores turn it
/// into SQL, so that a page of a large index is filtered, sorted and cut by the database.
public struct RunFilter: Equatable, Sendable {
  public var runID: String?
  public var experiment: String?
  /// The stored status (`lost` is never stored: it is derived from a `running` row).
  public var status: RunStatus?
  public var cacheKey: String?
  /// The sweep the run is a trial of.
  public var sweep: String?
  /// One of the run's tags, matched whole.
  public var tag: String?
  /// A numeric column whose value must lie in a range; rows without a value are left out.
  public var range: ValueRange?

  /// A numeric column and the closed range its value must lie in (either end open).
  public struct ValueRange: Equatable, Sendable {
    public var column: RunColumn
    public var minimum: Double?, maximum: Double?

    public init(column: RunColumn, minimum: Double? = nil, maximum: Double? = nil) {
      (self.column, self.minimum, self.maximum) = (column, minimum, maximum)
    }
  }

  /// A filter of the given fields.
  public init(
    runID: String? = nil, experiment: String? = nil, status: RunStatus? = nil,
    cacheKey: String? = nil, sweep: String? = nil, tag: String? = nil, range: ValueRange? = nil
  ) {
    (self.runID, self.experiment, self.status, self.cacheKey) = (
      runID, experiment, status, cacheKey
    )
    (self.sweep, self.tag, self.range) = (sweep, tag, range)
  }

  /// The SQL dialects of the two stores.
  enum Dialect {
    case sqlite, postgresql

    /// The `index`th (1-based) parameter.
    func placeholder(_ index: Int) -> String { self == .sqlite ? "?" : "$\(index)" }

    /// Whether `text` holds `part`, case-sensitively (SQLite's LIKE ignores case).
    func contains(_ text: String, _ part: String) -> String {
      self == .sqlite ? "instr(\(text), \(part)) > 0" : "strpos(\(text), \(part)) > 0"
    }
  }

  /// ` WHERE ...` (empty when nothing is asked) and the values of its parameters.
  func whereClause(_ dialect: Dialect) -> (sql: String, values: [ColumnValue]) {
    var clauses: [String] = []
    var values: [ColumnValue] = []
    func parameter(_ value: ColumnValue) -> String {
      values.append(value)
      return dialect.placeholder(values.count)
    }
    for (column, value) in [
      (RunColumn.runID, runID), (.experiment, experiment), (.status, status?.rawValue),
      (.cacheKey, cacheKey), (.sweep, sweep),
    ] {
      if let value { clauses.append("\(column.rawValue) = \(parameter(.text(value)))") }
    }
    if let tag {
      // Tags are stored comma-joined; commas around both sides match whole tags only.
      clauses.append(
        dialect.contains("(',' || \(RunColumn.tags.rawValue) || ',')", parameter(.text(",\(tag),")))
      )
    }
    if let range {
      // An integer column compares with whole numbers (PostgreSQL reads no "2.5" as a bigint):
      // the smallest at or above the minimum, the largest at or below the maximum.
      func bound(_ value: Double, _ rule: FloatingPointRoundingRule) -> ColumnValue {
        guard range.column.storage.type == .integer else { return .real(value) }
        return .integer(Int64(max(-9e18, min(9e18, value.rounded(rule)))))
      }
      if let minimum = range.minimum {
        clauses.append("\(range.column.rawValue) >= \(parameter(bound(minimum, .up)))")
      }
      if let maximum = range.maximum {
        clauses.append("\(range.column.rawValue) <= \(parameter(bound(maximum, .down)))")
      }
      clauses.append("\(range.column.rawValue) IS NOT NULL")
    }
    return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), values)
  }
}
