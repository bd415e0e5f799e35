import Foundation
import NeuralNet

/// What deploying a model costs: its size and test accuracy in fp32 and int8, how often the
/// two agree, and its batch-1 latency in the engine. A run keeps it as `deployment.json`.
public struct DeploymentSummary: Codable, Equatable, Sendable {
  public var parameters: Int
  /// Sizes of the ONNX files, in bytes.
  public var fp32Bytes: Int
  public var int8Bytes: Int
  /// Test accuracy of the engine's fp32 model and of the int8 model.
  public var fp32Accuracy: Double
  public var int8Accuracy: Double
  /// The fraction of test images given the same class in fp32 and int8.
  public var agreement: Double
  public var testImages: Int
  /// Validation images that calibrated the int8 activations.
  public var calibrationImages: Int
  /// Bits of the int8 weights that are used (`QuantizedWeights.limit`).
  public var weightBits: Int
  /// Batch-1 fp32 inference in `report`'s engine.
  public var latency: Latency
  /// The engine and CPU the latency was measured on, "oneDNN fp32 on avx2".
  public var engine: String

  enum CodingKeys: String, CodingKey {
    case parameters
    case fp32Bytes = "fp32_bytes"
    case int8Bytes = "int8_bytes"
    case fp32Accuracy = "fp32_accuracy"
    case int8Accuracy = "int8_accuracy"
    case agreement
    case testImages = "test_images"
    case calibrationImages = "calibration_images"
    case weightBits = "weight_bits"
    case latency, engine
  }
}

/// A model exported to ONNX in fp32 and int8, with what the exports cost.
public struct DeploymentPackage {
  /// The ONNX files' bytes.
  public let fp32: Data
  public let int8: Data
  public let summary: DeploymentSummary

  /// Exports `model` in fp32 and, calibrated on `calibration`, in int8, and measures both:
  /// accuracy on `test` (whose fp32 probabilities the caller has, from the engine), and the
  /// engine's batch-1 latency. `scratch` is a second model of the same definition, used to run
  /// the int8 arithmetic; `metadata` goes into both files.
  public init(
    model: Sequential, scratch: Sequential, calibration: Examples, test: Examples,
    testProbabilities: [Float], name: String, version: String,
    metadata: [(key: String, value: String)], latencyCalls: Int = 1_000
  ) throws {
    guard calibration.count > 0 else { throw DeploymentError.noExamples("calibration images") }
    guard test.count > 0 else { throw DeploymentError.noExamples("test images") }
    let plan = QuantizationPlan(model: model, calibration: calibration)
    let fp32Result = Evaluation(
      probabilities: testProbabilities, labels: test.labels, classCount: model.classCount)
    let int8Result = Evaluation(
      probabilities: try plan.predict(test, from: model, scratch: scratch), labels: test.labels,
      classCount: model.classCount)
    let int8Accuracy = int8Result.accuracy
    fp32 = try ONNXExporter(model: model, metadata: metadata + [("precision", "fp32")])
      .serialized(name: name, version: version)
    int8 = try ONNXExporter(
      model: model, quantization: plan,
      metadata: metadata + [
        ("precision", "int8"), ("int8_test_accuracy", String(format: "%.4f", int8Accuracy)),
        ("calibration_images", String(plan.calibrationImages)),
      ]
    ).serialized(name: name, version: version)
    summary = DeploymentSummary(
      parameters: model.parameterCount, fp32Bytes: fp32.count, int8Bytes: int8.count,
      fp32Accuracy: fp32Result.accuracy, int8Accuracy: int8Accuracy,
      agreement: Double(
        zip(fp32Result.predictions, int8Result.predictions).filter { $0 == $1 }.count)
        / Double(test.count),
      testImages: test.count, calibrationImages: plan.calibrationImages,
      weightBits: Int(log2(QuantizedWeights.limit + 1)) + 1,
      latency: Latency.measure(model, image: test.scalars(of: 0), calls: latencyCalls),
      engine: "\(model.engine) on \(ComputeEngine.isa)")
  }

}
