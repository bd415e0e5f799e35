import XCTest

@testable import Datasets

/// Class selection and per-class label budgets, the data of transfer-learning experiments.
final class ClassSelectionTests: XCTestCase {
  private func toy(perClass: Int) -> ImageDataset {
    let labels = (0..<(10 * perClass)).map { Int32($0 % 10) }
    return ImageDataset(
      pixels: labels.indices.map { UInt8($0 % 256) }, labels: labels, rows: 1, columns: 1,
      classNames: (0...9).map(String.init))
  }

  func testSelectedClassesAreRelabelledInTheOrderGivenAndKeepTheirNames() {
    let data = toy(perClass: 3)
    let kept = data.indices(ofClasses: [7, 5])
    XCTAssertEqual(kept.count, 6)
    let selected = data.subset(kept).relabelled(toClasses: [7, 5])
    XCTAssertEqual(selected.classNames, ["7", "5"])
    XCTAssertEqual(selected.labels, [1, 0, 1, 0, 1, 0], "5 → 1 and 7 → 0, in dataset order")
    XCTAssertEqual(selected.classCounts, [3, 3])
  }

  func testALabelBudgetKeepsNPerClassTheSameForTheSameSeed() throws {
    let data = toy(perClass: 20)
    let chosen = try data.indices(perClass: 4, seed: 11)
    XCTAssertEqual(chosen.count, 40)
    XCTAssertEqual(data.subset(chosen).classCounts, [Int](repeating: 4, count: 10))
    XCTAssertEqual(chosen, chosen.sorted())
    XCTAssertEqual(try data.indices(perClass: 4, seed: 11), chosen)
    XCTAssertNotEqual(try data.indices(perClass: 4, seed: 12), chosen)
    XCTAssertThrowsError(try data.indices(perClass: 21, seed: 11)) {
      XCTAssert("\($0)".contains("21 images per class asked, but class 0 has 20"), "\($0)")
    }
  }
}
