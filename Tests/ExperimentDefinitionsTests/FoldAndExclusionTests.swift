import Datasets
import Foundation
import TestSupport
import XCTest

@testable import ExperimentDefinitions

/// `dataset.folds` with `dataset.held_out_fold`, and `dataset.exclude`: what `report
/// audit-labels` trains on, and how a later run leaves its findings out.
final class FoldAndExclusionTests: XCTestCase {
  private func experiment(_ dataset: String, in dir: String) throws -> Experiment {
    try write(
      "seed: 3\ndataset: {name: mnist, directory: \(repositoryRoot)/data/mnist\(dataset)}\n"
        + "model: [flatten, {dense: {units: 10, activation: softmax}}]\n", to: dir + "/e.yaml")
    return try ExperimentLibrary(directory: dir).load("e")
  }

  func testTheFoldsHoldEveryTrainingImageOutOnceAndNeverTrainOnIt() throws {
    let dir = try scratch(name)
    var seen: [Int] = []
    for fold in 0..<3 {
      let data = try ExperimentData(
        try experiment(", subset: 900, folds: 3, held_out_fold: \(fold)", in: dir))
      let heldOut = try XCTUnwrap(data.heldOut)
      XCTAssertEqual(heldOut.count, 300)
      XCTAssertEqual(data.heldOutIndices.count, 300)
      XCTAssertEqual(data.train.count + data.validation.count, 600)
      // Held-out images are the source's images at their indices, and none trains.
      let source = try IDXDataset.mnist.load(directory: repositoryRoot + "/data/mnist").train
      XCTAssertEqual(source.subset(data.heldOutIndices).pixels, heldOut.pixels)
      let training = Set(data.train.pixels.chunks(784))
      XCTAssert(heldOut.pixels.chunks(784).allSatisfy { !training.contains($0) })
      seen += data.heldOutIndices
    }
    XCTAssertEqual(seen.count, 900)
    XCTAssertEqual(Set(seen).count, 900, "each image is held out by exactly one fold")
  }

  func testFoldKeysAreCheckedWhereTheyAreWritten() throws {
    let dir = try scratch(name)
    XCTAssertThrowsError(try experiment(", held_out_fold: 1", in: dir)) {
      XCTAssert("\($0)".contains("dataset.held_out_fold needs dataset.folds"), "\($0)")
      XCTAssert("\($0)".contains("e.yaml:2:"), "\($0)")
    }
    XCTAssertThrowsError(try experiment(", folds: 3, held_out_fold: 3", in: dir)) {
      XCTAssert("\($0)".contains("held_out_fold"), "\($0)")
    }
    XCTAssertThrowsError(try experiment(", folds: 3", in: dir)) {
      XCTAssert("\($0)".contains("missing required key 'held_out_fold'"), "\($0)")
    }
  }

  func testAnExclusionListLeavesItsImagesOutAndJoinsTheChecksums() throws {
    let dir = try scratch(name)
    try write(
      "index,given,suggested,score,flagged\n5,1,7,0.01,true\n17,3,5,0.02,true\n", to: dir + "/x.csv"
    )
    let plain = try ExperimentData(try experiment(", validation_split: 0", in: dir))
    let excluding = try experiment(", validation_split: 0, exclude: \(dir)/x.csv", in: dir)
    let data = try ExperimentData(excluding)
    XCTAssertEqual(data.train.count, plain.train.count - 2)
    let source = try IDXDataset.mnist.load(directory: repositoryRoot + "/data/mnist").train
    let kept = Set(data.train.pixels.chunks(784))
    for index in [5, 17] { XCTAssertFalse(kept.contains(Array(source.image(index)))) }
    XCTAssertNotNil(data.checksums["exclude:x.csv"])
    XCTAssertEqual(try ExperimentData.checksums(of: excluding), data.checksums)
  }

  func testABadExclusionListIsRefusedNamingFileAndLine() throws {
    let dir = try scratch(name)
    let cases: [(String, String)] = [
      ("given,suggested\n1,2\n", "x.csv:1:1: dataset.exclude: the header has no 'index' column"),
      ("index\n4\nfour\n", "x.csv:3:1: dataset.exclude: index 'four' is not a whole number"),
      (
        "index\n60000\n",
        "x.csv:2:1: dataset.exclude: index 60000 is outside the 60000 training images"
      ),
    ]
    for (text, message) in cases {
      try write(text, to: dir + "/x.csv")
      XCTAssertThrowsError(
        try ExperimentData(try experiment(", exclude: \(dir)/x.csv", in: dir)), text
      ) { XCTAssert("\($0)".contains(message), "\($0)") }
    }
    XCTAssertThrowsError(
      try ExperimentData(try experiment(", exclude: \(dir)/missing.csv", in: dir))
    ) { XCTAssert("\($0)".contains("missing.csv: dataset.exclude: cannot read the file"), "\($0)") }
  }
}

extension Array {
  /// The array cut into consecutive pieces of `size`.
  fileprivate func chunks(_ size: Int) -> [[Element]] {
    stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
  }
}
