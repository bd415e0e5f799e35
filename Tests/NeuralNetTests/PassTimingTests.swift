import XCTest

@testable import NeuralNet

/// What `report bench --layers` and the fraction of peak are made of: a training step timed
/// pass by pass, the arithmetic of each pass, the model's FLOPs per example, and the measured
/// FMA peak.
final class PassTimingTests: XCTestCase {
  func testThePaperModelsArithmeticPerExample() throws {
    let paper = OneDNNEngineTests.paperModel
    let model = try Sequential(inputShape: paper.shape, layers: paper.layers(), seed: 1)
    // conv2d 778,752 + conv2d_1 42,467,328 + conv2d_2 14,745,600 + conv2d_3 18,874,368
    // + conv2d_4 2,359,296 + dense 262,144 + dense_1 10,240 (a multiply-add counts two).
    XCTAssertEqual(model.flopsPerExample.inference, 79_497_728)
    // Three passes each, but no backward-data for the first layer.
    XCTAssertEqual(model.flopsPerExample.training, 3 * 79_497_728 - 778_752)
  }

  func testAProfiledStepTimesEveryPassOfEveryLayerInOrder() throws {
    let (train, _) = try mnistExamples(train: 64, test: 1)
    let model = try Sequential(
      inputShape: [28, 28, 1],
      layers: [
        Conv2D(filters: 8, activation: .relu), MaxPool2D(), BatchNormalization(),
        Conv2D(filters: 16, activation: .relu), Flatten(), Dense(units: 10, activation: .softmax),
      ], seed: 3)
    model.engine = .oneDNN(.fp32)
    let trainer = Trainer(model: model, optimizer: Adam(), batchSize: 16)
    let timings = try XCTUnwrap(trainer.profileSteps(3, on: train))
    let rows = timings.map { "\($0.layer) \($0.pass)" }
    XCTAssertEqual(
      rows,
      [
        "batch step", "conv2d forward", "max_pooling2d forward", "batch_normalization forward",
        "conv2d_1 forward", "flatten forward", "dense forward", "probabilities forward",
        "loss step", "dense backward-weights", "dense backward-data", "flatten backward",
        "conv2d_1 backward-weights", "conv2d_1 backward-data", "batch_normalization backward",
        "max_pooling2d backward", "conv2d backward-weights", "optimizer step",
      ])
    XCTAssert(timings.allSatisfy { $0.milliseconds >= 0 && !$0.implementation.isEmpty })
    // Every pass of a layer with a kernel does the forward pass's arithmetic for 16 images.
    let expected: [String: Double] = [
      "conv2d": 2 * 26 * 26 * 8 * 9, "conv2d_1": 2 * 11 * 11 * 16 * 72, "dense": 2 * 10 * 1936,
    ]
    for timing in timings {
      XCTAssertEqual(
        timing.flops, expected[timing.layer].map { $0 * 16 }, "\(timing.layer) \(timing.pass)")
    }
    model.engine = .reference
    XCTAssertNil(trainer.profileSteps(1, on: train), "the reference engine has no stages to time")
  }

  func testTheMeasuredPeakIsAPlausibleRate() throws {
    let peak = try XCTUnwrap(ArithmeticPeak.measure(threads: 1, seconds: 0.1))
    // One core does 8 to 64 FLOPs per cycle at 1 to 6 GHz: anything outside means the loop was
    // optimized away or mistimed.
    XCTAssert(
      (8...384).contains(peak.gigaflops), "\(peak.gigaflops) GFLOP/s with \(peak.instructions)")
    XCTAssertEqual(peak.threads, 1)
  }
}
