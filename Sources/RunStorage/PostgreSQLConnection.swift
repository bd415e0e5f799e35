import CPostgreSQL
import Foundation

/// One libpq connection: parameterized statements in, rows of text out.
final class PostgreSQLConnection {
  private let connection: OpaquePointer
  /// The server as errors name it: `postgresql://user@host:port/db`, without a password.
  let name: String

  /// Connects to `location`, waiting at most `timeout` seconds for the server.
  init(_ location: PostgreSQLLocation, timeout: Int = 10) throws {
    name = location.description
    // Later keywords win: a connect_timeout in the URI overrides the default given first.
    let keywords = ["connect_timeout", "dbname"]
    let values = [String(timeout), location.uri]
    let connection = withCStrings(keywords) { keywords in
      withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
    }
    guard let connection else {
      throw RunStoreError.unreachable(
        store: name, host: location.host, port: location.port, reason: "out of memory")
    }
    guard PQstatus(connection) == CONNECTION_OK else {
      let reason = Self.message(PQerrorMessage(connection))
      PQfinish(connection)
      throw RunStoreError.unreachable(
        store: name, host: location.host, port: location.port, reason: reason)
    }
    self.connection = connection
    // Notices ("relation already exists, skipping") would go to standard error.
    try execute("SET client_min_messages TO warning")
  }

  deinit { PQfinish(connection) }

  /// libpq's message, on one line.
  private static func message(_ text: UnsafePointer<CChar>?) -> String {
    let raw = text.map { String(cString: $0) } ?? "no message"
    return raw.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .joined(separator: " ")
  }

  /// Runs `sql` with `parameters` ($1, $2, ... as text; nil is NULL) and returns its rows,
  /// each a list of column texts (nil for NULL).
  @discardableResult
  func execute(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
    let result = withOptionalCStrings(parameters) { values in
      PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
    }
    defer { PQclear(result) }
    let status = PQresultStatus(result)
    guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
      let reason = result.map { Self.message(PQresultErrorMessage($0)) } ?? ""
      throw RunStoreError.database(
        path: name,
        reason: (reason.isEmpty ? Self.message(PQerrorMessage(connection)) : reason)
          + " (in: \(sql.prefix(80)))")
    }
    return (0..<PQntuples(result)).map { row in
      (0..<PQnfields(result)).map { column in
        PQgetisnull(result, row, column) == 1
          ? nil : String(cString: PQgetvalue(result, row, column))
      }
    }
  }

  /// Runs `body` inside one transaction: committed when it returns, rolled back when it throws.
  func transaction<T>(_ body: () throws -> T) throws -> T {
    try execute("BEGIN")
    do {
      let value = try body()
      try execute("COMMIT")
      return value
    } catch {
      _ = try? execute("ROLLBACK")
      throw error
    }
  }
}

/// Calls `body` with `strings` as a C array of C strings, valid for the call.
private func withCStrings<T>(
  _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T
) -> T {
  withOptionalCStrings(strings) { body($0) }
}

/// Calls `body` with `strings` as a C array of C strings (nil stays NULL) ending in NULL,
/// valid for the call.
private func withOptionalCStrings<T>(
  _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T
) -> T {
  let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
  for (index, string) in strings.enumerated() {
    array[index] = string.flatMap { strdup($0) }.map { UnsafePointer($0) }
  }
  array[strings.count] = nil
  defer {
    for index in 0..<strings.count { free(UnsafeMutablePointer(mutating: array[index])) }
    array.deallocate()
  }
  return body(array)
}
