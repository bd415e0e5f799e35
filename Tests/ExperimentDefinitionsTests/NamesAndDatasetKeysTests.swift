import Datasets
import Foundation
import TestSupport
import XCTest

@testable import ExperimentDefinitions

/// Experiment files named as users name them, and dataset keys that are always honoured or
/// refused, never ignored.
final class NamesAndDatasetKeysTests: XCTestCase {
  private let model = "model: [flatten, {dense: {units: 10, activation: softmax}}]\n"

  func testAnyScriptsLettersNameARunAndOtherCharactersBecomeDashes() throws {
    for valid in ["ünïcode", "数字", "Ελληνικά-2", "u\u{308}ber", "paper_v2.1"] {
      XCTAssert(Experiment.isValidName(valid), valid)
      XCTAssertEqual(Experiment.name(fromFileName: valid), valid)
    }
    XCTAssertEqual(Experiment.name(fromFileName: "mein Lauf ü"), "mein-Lauf-ü")
    XCTAssertEqual(Experiment.name(fromFileName: "(draft) v2!"), "draft-v2")
    XCTAssertEqual(Experiment.name(fromFileName: "a..b"), "a.b")
    XCTAssertEqual(Experiment.name(fromFileName: " ?! "), "experiment")
    for derived in ["mein Lauf ü", "(draft) v2!", "a..b", "../x", " ?! "] {
      XCTAssert(Experiment.isValidName(Experiment.name(fromFileName: derived)), derived)
    }
  }

  func testAFileNamedWithSpacesOrAccentsLoadsUnderItsFolderName() throws {
    let dir = try scratch(name)
    try write(model, to: dir + "/mein Lauf ü.yaml")
    try write(model, to: dir + "/größe.yaml")
    let library = ExperimentLibrary(directory: dir)
    XCTAssertEqual(try library.load(dir + "/mein Lauf ü.yaml").name, "mein-Lauf-ü")
    XCTAssertEqual(try library.load("größe").name, "größe")
    // A name the file states itself must already be one, and the message says what one is.
    try write("name: a b\n" + model, to: dir + "/named.yaml")
    XCTAssertThrowsError(try library.load("named")) {
      XCTAssert(
        "\($0)".contains(
          "name 'a b' may use only letters and digits (of any script), '-', '_' and '.', "
            + "starting with a letter or digit"), "\($0)")
    }
  }

  /// Every dataset key, under every dataset kind: decoded into what it asks for, or refused
  /// with an error naming it.
  func testEveryDatasetKeyIsHonouredOrRefusedForEveryKind() throws {
    let dir = try scratch(name)
    let library = ExperimentLibrary(directory: dir)
    func load(_ kind: String, _ key: String, _ value: String) throws -> DatasetSpec {
      let csv = kind == "kaggle-csv" && key != "train_csv" ? ", train_csv: train.csv" : ""
      try write(
        "dataset: {name: \(kind)\(csv), \(key): \(value)}\n" + model, to: dir + "/d.yaml")
      return try library.load("d").dataset
    }
    for kind in ["mnist", "fashion-mnist", "kaggle-csv"] {
      XCTAssertEqual(try load(kind, "validation_split", "0.25").validationSplit, 0.25, kind)
      XCTAssertEqual(try load(kind, "subset", "500").subset, 500, kind)
      XCTAssertEqual(try load(kind, "test_subset", "50").testSubset, 50, kind)
      let directory = try load(kind, "directory", "/data/digits").source
      for key in ["train_csv", "test_csv"] {
        if kind == "kaggle-csv" {
          let source = try load(kind, key, "digits.csv").source
          guard case .kaggleCSV(let train, let test) = source else {
            return XCTFail("\(kind): \(source)")
          }
          XCTAssertEqual(key == "train_csv" ? train : test, "digits.csv")
        } else {
          XCTAssertThrowsError(try load(kind, key, "digits.csv")) {
            XCTAssert("\($0)".contains("dataset.\(key) applies to name: kaggle-csv only"), "\($0)")
          }
        }
      }
      switch (kind, directory) {
      case ("kaggle-csv", .kaggleCSV(let train, _)): XCTAssertEqual(train, "/data/digits/train.csv")
      case (_, .idx(_, let folder)): XCTAssertEqual(folder, "/data/digits", kind)
      default: XCTFail("\(kind): \(directory)")
      }
    }
  }

  func testKaggleCSVsNamedRelativeToTheirDirectoryLoadFromIt() throws {
    let dir = try scratch(name)
    try FileManager.default.createDirectory(
      atPath: dir + "/csv", withIntermediateDirectories: true)
    let header = "label," + (0..<784).map { "pixel\($0)" }.joined(separator: ",")
    let rows = (0..<40).map { i in
      "\(i % 10)," + (0..<784).map { String(($0 + i) % 256) }.joined(separator: ",")
    }
    try write(([header] + rows).joined(separator: "\n") + "\n", to: dir + "/csv/train.csv")
    try write(
      "dataset: {name: kaggle-csv, directory: \(dir)/csv, train_csv: train.csv, "
        + "validation_split: 0.5}\n" + model, to: dir + "/k.yaml")
    let data = try ExperimentData(try ExperimentLibrary(directory: dir).load("k"))
    XCTAssertEqual(data.train.count + data.validation.count, 40)
    XCTAssert(data.sourceDescription.contains("\(dir)/csv/train.csv"), data.sourceDescription)
  }
}
