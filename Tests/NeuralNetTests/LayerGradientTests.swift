import XCTest

@testable import NeuralNet

final class LayerGradientTests: XCTestCase {
  func testConv2DValid() throws {
    try GradientCheck.verify(
      Conv2D(filters: 3, kernelSize: (3, 3), activation: .linear), inputShape: [5, 5, 2])
  }

  func testConv2DSameStrideTwo() throws {
    try GradientCheck.verify(
      Conv2D(filters: 4, kernelSize: (3, 3), stride: (2, 2), padding: .same, activation: .linear),
      inputShape: [6, 5, 3], tolerance: 5e-2)
  }

  func testConv2DManyChunksAcrossWorkers() throws {
    try GradientCheck.verify(
      Conv2D(filters: 2, kernelSize: (2, 2)), inputShape: [4, 4, 1], batch: 9)
  }

  func testDenseLeakyRelu() throws {
    try GradientCheck.verify(
      Dense(units: 5, activation: .leakyRelu(alpha: 0.3)), inputShape: [7], tolerance: 5e-2)
  }

  func testDenseSoftmax() throws {
    try GradientCheck.verify(Dense(units: 4, activation: .softmax), inputShape: [6])
  }

  func testMaxPool() throws {
    try GradientCheck.verify(MaxPool2D(), inputShape: [4, 5, 2])
  }

  func testAveragePoolSame() throws {
    try GradientCheck.verify(
      AveragePool2D(poolSize: (2, 2), padding: .same), inputShape: [5, 5, 2])
  }

  func testGlobalAveragePool() throws {
    try GradientCheck.verify(GlobalAveragePool2D(), inputShape: [3, 3, 4])
  }

  func testBatchNormalizationTraining() throws {
    let layer = BatchNormalization()
    try GradientCheck.verify(layer, inputShape: [3, 3, 2], batch: 3, tolerance: 5e-2)
  }

  func testActivationLayers() throws {
    try GradientCheck.verify(ActivationLayer(.softmax), inputShape: [5])
    try GradientCheck.verify(ActivationLayer(.relu), inputShape: [2, 2, 3])
  }

  func testDropoutScalesKeptUnits() throws {
    let layer = Dropout(rate: 0.5)
    var generator = SeededGenerator(seed: 3)
    _ = try layer.build(inputShape: [1000], generator: &generator)
    let x = [Float](repeating: 1, count: 1000)
    let y = x.withUnsafeBufferPointer {
      Array(
        UnsafeBufferPointer(
          start: layer.forward($0.baseAddress!, batch: 1, mode: .training), count: 1000))
    }
    XCTAssertEqual(Set(y), [0, 2])
    let kept = y.filter { $0 > 0 }.count
    XCTAssert((400...600).contains(kept), "kept \(kept) of 1000 at rate 0.5")
    let inference = x.withUnsafeBufferPointer {
      layer.forward($0.baseAddress!, batch: 1, mode: .inference)[0]
    }
    XCTAssertEqual(inference, 1)
  }
}
