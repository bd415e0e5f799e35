import Datasets
import Foundation
import TestSupport
import XCTest

@testable import ExperimentDefinitions

/// `dataset.classes` and `dataset.labels_per_class`: what transfer-learning experiments train
/// on, loaded from real MNIST, and every bad value refused where it is written.
final class ClassesAndLabelBudgetTests: XCTestCase {
  private func experiment(_ dataset: String, units: Int = 5, seed: Int = 3, in dir: String) throws
    -> Experiment
  {
    try write(
      "seed: \(seed)\ndataset: {name: mnist, directory: \(repositoryRoot)/data/mnist\(dataset)}\n"
        + "model: [flatten, {dense: {units: \(units), activation: softmax}}]\n", to: dir + "/e.yaml"
    )
    return try ExperimentLibrary(directory: dir).load("e")
  }

  func testTheSelectedClassesAreAllThatTrainAndTestRelabelledInOrder() throws {
    let dir = try scratch(name)
    let selected = try experiment(", classes: [5, 6, 7, 8, 9]", in: dir)
    XCTAssertEqual(selected.dataset.classNames, ["5", "6", "7", "8", "9"])
    let data = try ExperimentData(selected)
    let source = try IDXDataset.mnist.load(directory: repositoryRoot + "/data/mnist")
    let fiveToNine = source.train.labels.filter { $0 >= 5 }.count
    XCTAssertEqual(data.train.count + data.validation.count, fiveToNine)
    XCTAssertEqual(data.test.count, source.test.labels.filter { $0 >= 5 }.count)
    for set in [data.train, data.validation, data.test] {
      XCTAssertEqual(set.classNames, ["5", "6", "7", "8", "9"])
      XCTAssert(set.labels.allSatisfy { (0..<5).contains($0) })
    }
    // Test image n of the selection is the n-th 5-9 of the source, its label less 5.
    let firstSeven = try XCTUnwrap(source.test.labels.firstIndex(of: 7))
    let position = source.test.labels[..<firstSeven].filter { $0 >= 5 }.count
    XCTAssertEqual(data.test.labels[position], 2)
    XCTAssertEqual(Array(data.test.image(position)), Array(source.test.image(firstSeven)))
    // The model's head must have one output per kept class.
    XCTAssertThrowsError(try experiment(", classes: [5, 6, 7, 8, 9]", units: 10, in: dir)) {
      XCTAssert("\($0)".contains("has 10 units, but mnist has 5 classes"), "\($0)")
    }
  }

  func testALabelBudgetKeepsThoseImagesForTheSeedAndSplitsThem() throws {
    let dir = try scratch(name)
    let budget = ", classes: [0, 1, 2, 3, 4], labels_per_class: 20"
    let data = try ExperimentData(try experiment(budget, in: dir))
    XCTAssertEqual(data.train.count + data.validation.count, 100)
    XCTAssertEqual(data.validation.classCounts, [2, 2, 2, 2, 2])
    XCTAssertEqual(data.train.classCounts, [18, 18, 18, 18, 18])
    let again = try ExperimentData(try experiment(budget, in: dir))
    XCTAssertEqual(again.train.pixels, data.train.pixels)
    let otherSeed = try ExperimentData(try experiment(budget, seed: 4, in: dir))
    XCTAssertNotEqual(Set(otherSeed.train.pixels.chunked()), Set(data.train.pixels.chunked()))
  }

  func testBadSelectionsAreRefusedWhereTheyAreWritten() throws {
    let dir = try scratch(name)
    let cases = [
      (", classes: [5]", "e.yaml:2:", "dataset.classes must list at least two classes"),
      (
        ", classes: [5, 10]", "e.yaml:2:",
        "dataset.classes: 10 is not a class of this dataset (0 to 9)"
      ),
      (", classes: [5, 6, 5]", "e.yaml:2:", "dataset.classes lists 5 twice"),
      (
        ", classes: [five, 6]", "e.yaml:2:",
        "each of dataset.classes must be a class number such as 5"
      ),
      (", labels_per_class: 0", "e.yaml:2:", "labels_per_class"),
    ]
    for (dataset, place, message) in cases {
      XCTAssertThrowsError(try experiment(dataset, in: dir), dataset) {
        XCTAssert("\($0)".contains(place) && "\($0)".contains(message), "\($0)")
      }
    }
    XCTAssertThrowsError(
      try ExperimentData(
        try experiment(", classes: [0, 1], labels_per_class: 7000", units: 2, in: dir))
    ) { XCTAssert("\($0)".contains("7000 images per class asked, but class 0 has 5923"), "\($0)") }
  }
}

extension Array where Element == UInt8 {
  /// The pixels cut into 28x28 images.
  fileprivate func chunked() -> [[UInt8]] {
    stride(from: 0, to: count, by: 784).map { Array(self[$0..<(Swift.min($0 + 784, count))]) }
  }
}
