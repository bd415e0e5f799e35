import Foundation
import NeuralNet
import XCTest

@testable import Deployment

/// The protobuf encoding and the layout conversions the ONNX export rests on.
final class ONNXWriterTests: XCTestCase {
  func testVarintsFloatsAndNestedMessagesUseTheWireFormat() {
    var writer = ProtobufWriter()
    writer.integer(1, 300)
    writer.float(2, 1)
    writer.message(3) { $0.string(1, "ab") }
    writer.packedIntegers(4, [1, 150])
    XCTAssertEqual(
      Array(writer.data),
      [
        0x08, 0xac, 0x02, 0x15, 0x00, 0x00, 0x80, 0x3f, 0x1a, 0x04, 0x0a, 0x02, 0x61, 0x62, 0x22,
        0x03,
        0x01, 0x96, 0x01,
      ])
    var negative = ProtobufWriter()
    negative.integer(1, -1)
    XCTAssertEqual(Array(negative.data), [0x08] + [UInt8](repeating: 0xff, count: 9) + [0x01])
  }

  func testFlatteningAMapListsEachONNXFeaturesEngineIndex() {
    // A 2x2 map of 3 channels: ONNX reads (c, h, w), the engine (h, w, c).
    let order = ONNXExporter.flattenOrder([2, 2, 3])
    XCTAssertEqual(order, [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    // One channel, or a 1x1 map, orders the same either way.
    XCTAssertNil(ONNXExporter.flattenOrder([5, 5, 1]))
    XCTAssertNil(ONNXExporter.flattenOrder([1, 1, 256]))
  }

  func testALayerWithoutAnONNXFormIsRefusedByName() throws {
    let model = try Sequential(
      inputShape: [4, 4, 1],
      layers: [Flatten(), Doubling(), Dense(units: 2, activation: .softmax)],
      seed: 1)
    XCTAssertThrowsError(try ONNXExporter(model: model).serialized(name: "m", version: "t")) {
      XCTAssertEqual(
        $0 as? DeploymentError, .unsupportedLayer(name: "doubling", kind: "Doubling"))
      XCTAssert("\($0)".hasPrefix("layer doubling (Doubling) has no ONNX form"), "\($0)")
    }
  }

  func testWeightsQuantizePerOutputChannelSymmetricallyInSevenBits() {
    // A [2 inputs, 3 channels] kernel whose channels differ in range by 1,000x.
    let kernel: [Float] = [0.25, -0.002, 3, -1, 0.0005, -1.2]
    let q = QuantizedWeights(kernel: kernel, bias: [0.1, -0.2, 0], inputScale: 0.01)
    XCTAssertEqual(q.kernelScales, [1 / 63, 0.002 / 63, 3 / 63])
    XCTAssertEqual(q.kernel, [16, -63, 63, -63, 16, -25])
    XCTAssertEqual(q.biasScales, q.kernelScales.map { 0.01 * $0 })
    let (dequantized, bias) = q.dequantized
    for (i, w) in kernel.enumerated() {
      XCTAssertEqual(dequantized[i], w, accuracy: q.kernelScales[i % 3] / 2 * 1.0001)
    }
    XCTAssertEqual(bias[0], 0.1, accuracy: q.biasScales[0])
    XCTAssertEqual(bias[2], 0)
  }

  func testActivationsMapTheirRangeWithZeroOntoBytes() {
    let relu = ActivationQuantization(minimum: 0.25, maximum: 5.1)
    XCTAssertEqual(relu.zeroPoint, 0)
    XCTAssertEqual(relu.scale, 5.1 / 255)
    let signed = ActivationQuantization(minimum: -1, maximum: 3)
    XCTAssertEqual(signed.zeroPoint, 64)
    var values: [Float] = [-2, 0, 1.5, 10, 3 / 255 * 4]
    values.withUnsafeMutableBufferPointer { signed.fakeQuantize($0) }
    // Saturated below and above, zero exact, the rest on the grid.
    XCTAssertEqual(values[0], -64 * signed.scale)
    XCTAssertEqual(values[1], 0)
    XCTAssertEqual(values[2], (1.5 / signed.scale).rounded() * signed.scale, accuracy: 1e-6)
    XCTAssertEqual(values[3], 191 * signed.scale)
    // Pixels k/255 pass through the input's quantization unchanged.
    let pixels = ActivationQuantization(minimum: 0, maximum: 1)
    var image = (0...255).map { Float($0) / 255 }
    image.withUnsafeMutableBufferPointer { pixels.fakeQuantize($0) }
    for (k, v) in image.enumerated() { XCTAssertEqual(v, Float(k) / 255, accuracy: 1e-7) }
  }
}

/// A layer of the test's own, with no ONNX form.
private final class Doubling: Layer {
  let kind = "Doubling"
  let settings = ""
  private let output = FloatBuffer()
  private var size = 0

  func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape {
    size = inputShape.elementCount
    return inputShape
  }

  func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float> {
    output.reserve(batch * size)
    for i in 0..<(batch * size) { output.pointer[i] = 2 * input[i] }
    return UnsafePointer(output.pointer)
  }

  func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    nil
  }
}
