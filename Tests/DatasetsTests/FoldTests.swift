import XCTest

@testable import Datasets

/// Stratified k-fold, the split behind `report audit-labels`.
final class FoldTests: XCTestCase {
  private func toy(_ counts: [Int]) -> ImageDataset {
    let labels = counts.enumerated().flatMap { label, n in
      [Int32](repeating: Int32(label), count: n)
    }
    return ImageDataset(
      pixels: labels.indices.map { UInt8($0 % 256) }, labels: labels, rows: 1, columns: 1,
      classNames: counts.indices.map(String.init))
  }

  func testEveryImageFallsInOneFoldAndFoldsAreStratifiedAndSeeded() throws {
    let data = toy([23, 40, 7, 31])
    let folds = try data.stratifiedFolds(5, seed: 7)
    XCTAssertEqual(folds.count, data.count)
    XCTAssert(folds.allSatisfy { (0..<5).contains($0) })
    let sizes = (0..<5).map { k in folds.filter { $0 == k }.count }
    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(sizes)")
    for label in 0..<4 {
      let perFold = (0..<5).map { k in
        data.labels.indices.filter { data.labels[$0] == label && folds[$0] == k }.count
      }
      XCTAssertLessThanOrEqual(perFold.max()! - perFold.min()!, 1, "class \(label): \(perFold)")
    }
    XCTAssertEqual(try data.stratifiedFolds(5, seed: 7), folds)
    XCTAssertNotEqual(try data.stratifiedFolds(5, seed: 8), folds)
    XCTAssertThrowsError(try data.stratifiedFolds(1, seed: 7))
    XCTAssertThrowsError(try data.stratifiedFolds(data.count + 1, seed: 7))
  }

  func testSplitAndSubsetIndicesPickTheImagesTheirDatasetsHold() throws {
    let data = toy([50, 50, 50])
    let indices = try data.stratifiedSplitIndices(validationFraction: 0.2, seed: 3)
    let split = try data.stratifiedSplit(validationFraction: 0.2, seed: 3)
    XCTAssertEqual(data.subset(indices.train).pixels, split.train.pixels)
    XCTAssertEqual(data.subset(indices.validation).pixels, split.validation.pixels)
    XCTAssertEqual(Set(indices.train).union(indices.validation), Set(0..<150))
    let subset = try data.stratifiedSubsetIndices(30, seed: 3)
    XCTAssertEqual(data.subset(subset).pixels, try data.stratifiedSubset(30, seed: 3).pixels)
    XCTAssertEqual(try data.stratifiedSubsetIndices(150, seed: 3), Array(0..<150))
  }
}
