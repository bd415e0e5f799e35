import Foundation
import XCTest

@testable import Datasets

final class SplitAndCSVTests: XCTestCase {
  private func toy(perClass: Int) -> ImageDataset {
    let labels = (0..<(10 * perClass)).map { Int32($0 % 10) }
    return ImageDataset(
      pixels: labels.map { UInt8($0) }, labels: labels, rows: 1, columns: 1,
      classNames: (0...9).map(String.init))
  }

  func testStratifiedSplitKeepsClassProportionsAndIsSeeded() throws {
    let data = toy(perClass: 50)
    let (train, validation) = try data.stratifiedSplit(validationFraction: 0.1, seed: 42)
    XCTAssertEqual(validation.classCounts, [Int](repeating: 5, count: 10))
    XCTAssertEqual(train.classCounts, [Int](repeating: 45, count: 10))
    let again = try data.stratifiedSplit(validationFraction: 0.1, seed: 42)
    XCTAssertEqual(again.validation.labels, validation.labels)
    XCTAssertEqual(again.train.pixels, train.pixels)
    let other = try data.stratifiedSplit(validationFraction: 0.1, seed: 43)
    XCTAssertNotEqual(other.train.labels, train.labels)
    XCTAssertThrowsError(try data.stratifiedSplit(validationFraction: 1.5, seed: 1))
  }

  func testStratifiedSubset() throws {
    let subset = try toy(perClass: 100).stratifiedSubset(200, seed: 1)
    XCTAssertEqual(subset.count, 200)
    XCTAssertEqual(subset.classCounts, [Int](repeating: 20, count: 10))
    XCTAssertThrowsError(try toy(perClass: 1).stratifiedSubset(11, seed: 1))
  }

  func testKaggleTrainAndTestCSV() throws {
    let dir = try scratchDirectory()
    let header = (0..<784).map { "pixel\($0)" }.joined(separator: ",")
    let row = [String](repeating: "0", count: 783).joined(separator: ",") + ",255"
    try "label,\(header)\n3,\(row)\n7,\(row)\n".write(
      toFile: dir + "/train.csv", atomically: true, encoding: .utf8)
    try "\(header)\n\(row)\n".write(toFile: dir + "/test.csv", atomically: true, encoding: .utf8)
    let train = try KaggleCSV.load(dir + "/train.csv", labelled: true)
    XCTAssertEqual(train.labels, [3, 7])
    XCTAssertEqual(train.pixels[783], 255)
    let test = try KaggleCSV.load(dir + "/test.csv", labelled: false)
    XCTAssertEqual(test.count, 1)
    XCTAssertFalse(test.isLabelled)
  }

  func testKaggleCSVErrorsNameLineAndField() throws {
    let dir = try scratchDirectory()
    let header = (0..<784).map { "pixel\($0)" }.joined(separator: ",")
    let good = [String](repeating: "0", count: 784).joined(separator: ",")
    try "label,\(header)\n3,\(good)\n12,\(good)\n".write(
      toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try KaggleCSV.load(dir + "/a.csv", labelled: true)) { error in
      XCTAssertEqual(
        "\(error)", "\(dir)/a.csv:3: field 1 (label) is '12', expected an integer in 0...9")
    }
    try "label,\(header)\n3,\(good.dropLast(2))\n".write(
      toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try KaggleCSV.load(dir + "/b.csv", labelled: true)) { error in
      XCTAssertEqual("\(error)", "\(dir)/b.csv:2: 784 fields, expected 785")
    }
    try "\(header)\n".write(toFile: dir + "/c.csv", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try KaggleCSV.load(dir + "/c.csv", labelled: true)) { error in
      XCTAssert(
        "\(error)".hasPrefix("\(dir)/c.csv:1: header has 784 columns starting pixel0,pixel1"),
        "\(error)")
    }
    try "label,\(header)\n3,\(good.dropLast(1))x\n".write(
      toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try KaggleCSV.load(dir + "/d.csv", labelled: true)) { error in
      XCTAssertEqual(
        "\(error)", "\(dir)/d.csv:2: field 785 (pixel783) is 'x', expected an integer in 0...255")
    }
  }
}
