import Foundation
import XCTest

@testable import NeuralNet

final class SerializationAndEvaluationTests: XCTestCase {
  func testSafeTensorsRoundTripAndLayout() throws {
    let data = try SafeTensors.encode(
      ["b": ([2], [1, 2]), "a": ([1, 1], [3])], metadata: ["format": "pt"])
    let headerLength = Int(data.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
    XCTAssertEqual((8 + headerLength) % 8, 0)
    let header = String(decoding: data[8..<(8 + headerLength)], as: UTF8.self)
    XCTAssert(header.contains(#""a":{"data_offsets":[0,4],"dtype":"F32","shape":[1,1]}"#), header)
    let decoded = try SafeTensors.decode(data)
    XCTAssertEqual(decoded.tensors["b"]?.values, [1, 2])
    XCTAssertEqual(decoded.tensors["a"]?.shape, [1, 1])
    XCTAssertEqual(decoded.metadata, ["format": "pt"])
    XCTAssertEqual(
      try SafeTensors.encode(
        ["b": ([2], [1, 2]), "a": ([1, 1], [3])], metadata: ["format": "pt"]), data)
  }

  func testMalformedSafeTensorsAreErrors() throws {
    XCTAssertThrowsError(try SafeTensors.decode(Data([1, 2])))
    var data = try SafeTensors.encode(["a": ([4], [1, 2, 3, 4])])
    data.removeLast(4)
    XCTAssertThrowsError(try SafeTensors.decode(data)) { error in
      XCTAssert("\(error)".contains("offsets [0, 16]"), "\(error)")
    }
  }

  func testShapesThatOverflowOrAreNegativeAreErrorsNotTraps() throws {
    // Found by Fuzzing/FuzzSafeTensors: the shape's product overflowed Int and trapped.
    func payload(shape: String, offsets: String, dataBytes: Int) -> Data {
      let header = Data(
        #"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}}"#.utf8)
      return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Data($0) } + header
        + Data(count: dataBytes)
    }
    XCTAssertThrowsError(
      try SafeTensors.decode(
        payload(shape: "[4294967296,4294967296]", offsets: "[0,0]", dataBytes: 0))
    ) { error in
      XCTAssertEqual(
        "\(error)",
        "malformed safetensors data: tensor 'a' has shape [4294967296, 4294967296]: sizes must be "
          + "0 or more, with a product below 2^61")
    }
    // [-1, -2] multiplied to 2 values and passed the size check.
    XCTAssertThrowsError(
      try SafeTensors.decode(payload(shape: "[-1,-2]", offsets: "[0,8]", dataBytes: 8))
    ) { error in
      XCTAssert("\(error)".contains("tensor 'a' has shape [-1, -2]: sizes must be 0"), "\(error)")
    }
  }

  func testReloadedModelPredictsIdentically() throws {
    let (_, test) = try mnistExamples(train: 1, test: 50)
    let original = try smallCNN(seed: 1)
    let data = try SafeTensors.encode(original.weights())
    let copy = try smallCNN(seed: 2)
    XCTAssert(
      copy.predict(test) != original.predict(test),
      "seeds 1 and 2 gave the same weights")
    try copy.load(weights: SafeTensors.decode(data).tensors)
    XCTAssert(
      copy.predict(test) == original.predict(test),
      "reloaded model predicts differently")
  }

  func testLoadRejectsMissingExtraAndMisshapenTensors() throws {
    let model = try smallCNN(seed: 1)
    var weights = model.weights()
    weights["extra"] = ([1], [0])
    XCTAssertThrowsError(try model.load(weights: weights)) {
      XCTAssertEqual("\($0)", "weights do not fit the model: unexpected tensor 'extra'")
    }
    weights = model.weights()
    weights["conv2d.kernel"] = ([1], [0])
    XCTAssertThrowsError(try model.load(weights: weights)) {
      XCTAssert("\($0)".contains("'conv2d.kernel' has shape [1]"), "\($0)")
    }
    weights.removeValue(forKey: "conv2d.kernel")
    XCTAssertThrowsError(try model.load(weights: weights)) {
      XCTAssert("\($0)".contains("missing tensor 'conv2d.kernel'"), "\($0)")
    }
  }

  func testConfusionMatrixAndPerClassMetricsByHand() {
    // true: 0 0 1 1 1 ; predicted: 0 1 1 1 0
    let p: [Float] = [0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 0.3, 0.7, 0.6, 0.4]
    let e = Evaluation(probabilities: p, labels: [0, 0, 1, 1, 1], classCount: 2)
    XCTAssertEqual(e.confusion, [[1, 1], [1, 2]])
    XCTAssertEqual(e.accuracy, 0.6, accuracy: 1e-12)
    XCTAssertEqual(e.predictions, [0, 1, 1, 1, 0])
    XCTAssertEqual(e.perClass[1].precision, 2.0 / 3, accuracy: 1e-12)
    XCTAssertEqual(e.perClass[1].recall, 2.0 / 3, accuracy: 1e-12)
    XCTAssertEqual(e.perClass[0].f1, 0.5, accuracy: 1e-12)
    XCTAssertEqual(e.perClass[0].support, 2)
  }

  func testAugmentationIdentityAndKnownShift() {
    let image: [Float] = (0..<16).map(Float.init)
    var out = [Float](repeating: -1, count: 16)
    // Map output (r, c) to input (r, c + 1): a one-pixel shift left, edge replicated.
    RandomAffine.warp(image, into: &out, 4, 4, 1, [1, 0, 0, 0, 1, 1])
    XCTAssertEqual(out, [1, 2, 3, 3, 5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15])
    var generator = SeededGenerator(seed: 1)
    let identity = RandomAffine().drawTransform(height: 28, width: 28, generator: &generator)
    XCTAssertEqual(identity, [1, 0, 0, 0, 1, 0])
    let rotation = RandomAffine(rotationDegrees: 15).drawTransform(
      height: 28, width: 28, generator: &generator)
    // Rotation is about the centre (13.5, 13.5), which maps to itself.
    XCTAssertEqual(rotation[0] * 13.5 + rotation[1] * 13.5 + rotation[2], 13.5, accuracy: 1e-4)
    XCTAssertEqual(rotation[3] * 13.5 + rotation[4] * 13.5 + rotation[5], 13.5, accuracy: 1e-4)
    XCTAssertLessThanOrEqual(abs(asin(Double(rotation[3]))), 15 * .pi / 180 + 1e-6)
  }

  /// Keras `horizontal_flip`: about half the images come out mirrored, the rest untouched.
  func testHorizontalFlipMirrorsAboutHalfTheImages() {
    let image: [Float] = (0..<12).map(Float.init)  // 3 rows of 4 columns
    let mirrored: [Float] = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8]
    var source = [Float]()
    for _ in 0..<200 { source += image }
    var out = [Float](repeating: -1, count: source.count)
    var generator = SeededGenerator(seed: 4)
    RandomAffine(horizontalFlip: true).apply(
      source, into: &out, count: 200, shape: [3, 4, 1], generator: &generator)
    let images = (0..<200).map { Array(out[($0 * 12)..<($0 * 12 + 12)]) }
    let flipped = images.filter { $0 == mirrored }.count
    XCTAssertEqual(flipped + images.filter { $0 == image }.count, 200, "only exact copies")
    XCTAssert((70...130).contains(flipped), "\(flipped) of 200 flipped")
    XCTAssertFalse(RandomAffine(horizontalFlip: true).isIdentity)
  }
}
