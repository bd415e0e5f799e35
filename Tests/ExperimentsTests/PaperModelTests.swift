import NeuralNet
import XCTest

@testable import Experiments

final class PaperModelTests: XCTestCase {
  func testPaperModelHasKerasParameterCountsAndShapes() throws {
    let model = try LayerSpec.buildModel(LayerSpec.paperModel, inputShape: [28, 28, 1], seed: 0)
    XCTAssertEqual(model.parameterCount, 692_682)
    XCTAssertEqual(model.trainableParameterCount, 691_786)
    XCTAssertEqual(model.outputShapes.map { $0 }, [
      [26, 26, 64], [24, 24, 64], [12, 12, 64], [12, 12, 64], [10, 10, 128], [8, 8, 128], [4, 4, 128],
      [4, 4, 128], [2, 2, 256], [1, 1, 256], [1, 1, 256], [256], [512], [10],
    ])
    XCTAssertEqual(model.layerNames.prefix(4), ["conv2d", "conv2d_1", "max_pooling2d", "batch_normalization"])
  }
}
