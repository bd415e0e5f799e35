import Foundation

/// Where the run index lives, as `--store` and `REPORT_STORE` name it: `sqlite:PATH` (the
/// embedded default, `<output>/runs.sqlite`) or `postgresql://user[:password]@host[:port]/db`
/// (`postgres://` too).
public enum RunStoreLocation: Equatable, CustomStringConvertible {
  /// An SQLite file.
  case sqlite(path: String)
  /// A PostgreSQL database.
  case postgreSQL(PostgreSQLLocation)

  /// The default: `runs.sqlite` under the output root.
  public static func embedded(outputRoot: String) -> RunStoreLocation {
    .sqlite(path: outputRoot + "/runs.sqlite")
  }

  /// Reads a store URI; throws `RunStoreError.badLocation` naming what is wrong (and the URI
  /// without its password).
  public init(parsing uri: String) throws {
    do {
      self = try Self.parse(uri)
    } catch RunStoreError.badLocation(_, let reason) {
      throw RunStoreError.badLocation(
        uri: uri.replacingOccurrences(
          of: "://([^:/@]*):[^@/]*@", with: "://$1@", options: .regularExpression),
        reason: reason)
    }
  }

  private static func parse(_ uri: String) throws -> RunStoreLocation {
    if uri.hasPrefix("sqlite:") {
      let path = String(uri.dropFirst("sqlite:".count))
      guard !path.isEmpty else {
        throw RunStoreError.badLocation(uri: uri, reason: "sqlite: needs a file path")
      }
      return .sqlite(path: path)
    }
    guard uri.hasPrefix("postgresql://") || uri.hasPrefix("postgres://") else {
      throw RunStoreError.badLocation(
        uri: uri,
        reason: "expected sqlite:PATH or postgresql://user@host:port/database")
    }
    return .postgreSQL(try PostgreSQLLocation(parsing: uri))
  }

  /// Opens the store, creating its schema if missing.
  public func open() throws -> RunStore {
    switch self {
    case .sqlite(let path): return try SQLiteRunStore(path: path)
    case .postgreSQL(let location): return try PostgreSQLRunStore(location)
    }
  }

  /// The URI, without a password.
  public var description: String {
    switch self {
    case .sqlite(let path): return "sqlite:" + path
    case .postgreSQL(let location): return location.description
    }
  }
}

/// A PostgreSQL database's URI and the parts errors name.
public struct PostgreSQLLocation: Equatable, CustomStringConvertible {
  /// The URI as given, password included, for libpq.
  public let uri: String
  /// The server's host and port (PostgreSQL's 5432 when the URI has none).
  public let host: String, port: Int
  /// The URI without its password.
  public let description: String

  /// Reads `postgresql://user[:password]@host[:port]/database[?parameters]`.
  public init(parsing uri: String) throws {
    guard var components = URLComponents(string: uri), let host = components.host, !host.isEmpty
    else {
      throw RunStoreError.badLocation(
        uri: uri, reason: "not a URI of the form postgresql://user@host:port/database")
    }
    self.uri = uri
    self.host = host
    port = components.port ?? 5432
    components.password = nil
    description = components.string ?? "postgresql://\(host):\(port)"
  }
}
