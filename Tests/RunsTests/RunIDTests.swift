import Foundation
import XCTest

@testable import Runs

/// Run ids sort as runs started, down to the millisecond: a sweep starts several trials in one
/// second, and listings, comparisons and reindexing order runs by id.
final class RunIDTests: XCTestCase {
  func testIdsOfRunsStartedWithinOneSecondSortByStart() {
    let second = Date(timeIntervalSince1970: 1_796_500_000)
    let starts = [0.0015, 0.0175, 0.4002, 0.9985].map { second.addingTimeInterval($0) }
    // Many draws: the random part must never reorder runs started milliseconds apart.
    for _ in 0..<200 {
      let ids = starts.map { RunID.new($0) }
      XCTAssertEqual(ids.sorted(), ids)
    }
    XCTAssertEqual(RunID.new(second.addingTimeInterval(0.4002)).prefix(19), "20261205-194640-400")
  }

  func testAnIdIsTheStartStampMillisecondsAndFourHexDigits() {
    let id = RunID.new()
    let parts = id.split(separator: "-")
    XCTAssertEqual(parts.map(\.count), [8, 6, 3, 4], id)
    XCTAssert(parts[3].allSatisfy(\.isHexDigit), id)
    XCTAssertTrue(id.hasPrefix(RunID.stamp().prefix(8)))
  }
}
