import Foundation
import TestSupport
import XCTest

@testable import RunStorage

/// Store URIs: what they name, and the errors when they name nothing reachable.
final class RunStoreLocationTests: XCTestCase {
  func testURIsNameTheirStore() throws {
    XCTAssertEqual(
      try RunStoreLocation(parsing: "sqlite:out/runs.sqlite"), .sqlite(path: "out/runs.sqlite"))
    XCTAssertEqual(RunStoreLocation.embedded(outputRoot: "o"), .sqlite(path: "o/runs.sqlite"))
    for scheme in ["postgresql", "postgres"] {
      guard
        case .postgreSQL(let server) = try RunStoreLocation(
          parsing: "\(scheme)://ann:secret@db.example:6543/runs")
      else { return XCTFail("\(scheme) is not PostgreSQL") }
      XCTAssertEqual(server.host, "db.example")
      XCTAssertEqual(server.port, 6543)
      XCTAssertEqual(server.description, "\(scheme)://ann@db.example:6543/runs")
    }
    guard case .postgreSQL(let server) = try RunStoreLocation(parsing: "postgresql://ann@db/runs")
    else { return XCTFail("not PostgreSQL") }
    XCTAssertEqual(server.port, 5432)
  }

  func testBadURIsSayWhatIsExpectedWithoutThePassword() {
    for (uri, expected) in [
      ("mysql://ann:secret@db/runs", "run store 'mysql://ann@db/runs': expected sqlite:PATH or"),
      ("sqlite:", "run store 'sqlite:': sqlite: needs a file path"),
      ("postgresql:///runs", "run store 'postgresql:///runs': not a URI of the form"),
    ] {
      XCTAssertThrowsError(try RunStoreLocation(parsing: uri)) { error in
        XCTAssert("\(error)".hasPrefix(expected), "\(error)")
        XCTAssertFalse("\(error)".contains("secret"))
      }
    }
  }

  func testAnUnreachableServerIsNamedWithHostPortAndItsMessage() throws {
    // A loopback port nothing listens on: bound, then closed, by the kernel's choice.
    let location = try RunStoreLocation(
      parsing: "postgresql://ann:secret@127.0.0.1:\(try closedPort())/runs")
    XCTAssertThrowsError(try location.open()) { error in
      let text = "\(error)"
      XCTAssert(text.contains("host 127.0.0.1, port"), text)
      XCTAssert(text.contains("Connection refused"), text)
      XCTAssertFalse(text.contains("secret"), text)
    }
  }

  func testTheServersOwnMessageIsKept() throws {
    let server = try PostgreSQLLocation(parsing: try TestServices.postgreSQL())
    let missing = "postgresql://postgres@\(server.host):\(server.port)/no_such_database"
    XCTAssertThrowsError(try RunStoreLocation(parsing: missing).open()) { error in
      XCTAssertEqual(
        error as? RunStoreError,
        .unreachable(
          store: missing, host: server.host, port: server.port,
          reason:
            "connection to server at \"\(server.host)\", port \(server.port) failed: FATAL:  "
            + "database \"no_such_database\" does not exist"))
    }
  }

  /// A TCP port on 127.0.0.1 with no listener.
  private func closedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(descriptor, 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
      }
    }
    XCTAssert(bound, "cannot bind a loopback port")
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
