import XCTest

@testable import NeuralNet

/// Hand-computed forward values for small cases.
final class LayerValueTests: XCTestCase {
  private func run(
    _ layer: Layer, _ input: [Float], shape: TensorShape, batch: Int = 1, mode: Mode = .inference
  ) throws -> [Float] {
    var generator = SeededGenerator(seed: 0)
    let out = try layer.build(inputShape: shape, generator: &generator)
    let p = input.withUnsafeBufferPointer {
      layer.forward($0.baseAddress!, batch: batch, mode: mode)
    }
    return Array(UnsafeBufferPointer(start: p, count: batch * out.elementCount))
  }

  func testConvolutionOfKnownKernel() throws {
    let conv = Conv2D(filters: 1, kernelSize: (2, 2))
    var generator = SeededGenerator(seed: 0)
    _ = try conv.build(inputShape: [3, 3, 1], generator: &generator)
    conv.parameters[0].value.assign([1, 0, 0, -1])  // x[i][j] - x[i+1][j+1]
    conv.parameters[1].value.assign([0.5])
    let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 10]
    let y = x.withUnsafeBufferPointer {
      Array(
        UnsafeBufferPointer(
          start: conv.forward($0.baseAddress!, batch: 1, mode: .inference), count: 4))
    }
    let expected: [Float] = [-3.5, -3.5, -3.5, -4.5]  // 1-5, 2-6, 4-8, 5-10, plus 0.5
    XCTAssertEqual(y, expected)
  }

  func testSamePaddingKeepsSizeAndZeroPads() throws {
    let conv = Conv2D(filters: 1, kernelSize: (3, 3), padding: .same)
    var generator = SeededGenerator(seed: 0)
    let shape = try conv.build(inputShape: [2, 2, 1], generator: &generator)
    XCTAssertEqual(shape, [2, 2, 1])
    conv.parameters[0].value.assign([Float](repeating: 1, count: 9))
    let x: [Float] = [1, 2, 3, 4]
    let y = x.withUnsafeBufferPointer {
      Array(
        UnsafeBufferPointer(
          start: conv.forward($0.baseAddress!, batch: 1, mode: .inference), count: 4))
    }
    XCTAssertEqual(y, [10, 10, 10, 10])
  }

  func testMaxPoolPicksLargest() throws {
    let y = try run(
      MaxPool2D(), [1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 1, 0, 0, 2, 3], shape: [4, 4, 1])
    XCTAssertEqual(y, [5, 9, 7, 3])
  }

  func testMaxPoolSamePaddedOnlyAtTheEndReadsNothingOutsideTheImage() throws {
    // 3x3 input, 2x2 windows, `same`: TensorFlow pads one row and column at the end only, so
    // the windows on the edge hold 2 or 1 real cells; all negative, a zero read from outside
    // the image (or garbage) would win.
    let x: [Float] = [-1, -2, -3, -4, -5, -6, -7, -8, -9]
    let y = try run(MaxPool2D(padding: .same), x, shape: [3, 3, 1])
    XCTAssertEqual(y, [-1, -3, -7, -9])
  }

  func testBatchNormalizationNormalisesAndUpdatesMovingStatistics() throws {
    let bn = BatchNormalization(momentum: 0.5, epsilon: 0)
    let y = try run(bn, [1, 3, 5, 7], shape: [1], batch: 4, mode: .training)
    let sd = Float(5).squareRoot()  // variance of 1,3,5,7 is 5
    for (a, b) in zip(y, [-3 / sd, -1 / sd, 1 / sd, 3 / sd]) {
      XCTAssertEqual(a, b, accuracy: 1e-5)
    }
    XCTAssertEqual(bn.parameters[2].value.pointer[0], 0.5 * 0 + 0.5 * 4)
    XCTAssertEqual(bn.parameters[3].value.pointer[0], 0.5 * 1 + 0.5 * 5)
  }

  func testSoftmaxIsStableForLargeLogits() throws {
    let y = try run(ActivationLayer(.softmax), [1000, 1000, -1000], shape: [3])
    XCTAssertEqual(y[0], 0.5, accuracy: 1e-6)
    XCTAssertEqual(y[2], 0)
  }

  func testImpossibleLayerIsAnErrorNamingLayerAndShape() {
    XCTAssertThrowsError(
      try Sequential(
        inputShape: [4, 4, 1],
        layers: [MaxPool2D(), MaxPool2D(), Conv2D(filters: 2, kernelSize: (3, 3))], seed: 0)
    ) { error in
      let text = "\(error)"
      XCTAssert(text.contains("conv2d"), text)
      XCTAssert(text.contains("[1, 1, 1]"), text)
      XCTAssert(text.contains("3x3"), text)
    }
  }
}
