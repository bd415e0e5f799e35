import XCTest

@testable import NeuralNet

/// `Sequential.gradients`: d log p(class) / d input in inference mode, checked against
/// finite differences of the model's own inference forward pass.
final class InputGradientTests: XCTestCase {
  /// A model with every kind of layer whose inference differs from training (batch
  /// normalisation with moved statistics, dropout), trained a little so nothing is at its
  /// initial value. No max pooling: a nudge of one pixel often changes which cell of a window
  /// wins, where log p has a kink and finite differences mean nothing (the pooling's own
  /// gradient is checked against oneDNN's by `report check`).
  private func trainedModel() throws -> (Sequential, Examples) {
    let (train, test) = try mnistExamples(train: 512, test: 6)
    let model = try Sequential(
      inputShape: [28, 28, 1],
      layers: [
        Conv2D(filters: 8, kernelSize: (3, 3), activation: .relu), AveragePool2D(),
        BatchNormalization(momentum: 0.9),
        Conv2D(filters: 16, kernelSize: (3, 3), stride: (2, 2), padding: .same, activation: .relu),
        Flatten(), Dropout(rate: 0.1), Dense(units: 10, activation: .softmax),
      ], seed: 5)
    // The gradients run on the fp32 reference layers; on a CPU with native bf16 the default
    // engine would infer in bf16, whose rounding (2^-8) swamps both comparisons below.
    model.engine = .oneDNN(.fp32)
    try Trainer(model: model, optimizer: Adam(), batchSize: 64, seed: 1)
      .fit(train, validation: nil, epochs: 1)
    return (model, test)
  }

  func testGradientsMatchFiniteDifferencesOfTheInferencePass() throws {
    let (model, test) = try trainedModel()
    let inputs = (0..<test.count).flatMap { test.scalars(of: $0) }
    let classes = [0, 3, 7, 1, 9, 4]
    let stage = model.gradients(inputs, classes: classes)
    let (gradients, probabilities) = (stage.gradients, stage.probabilities)
    XCTAssertEqual(stage.values, inputs)
    for (mine, inferred) in zip(probabilities, model.predict(inputs)) {
      XCTAssertEqual(mine, inferred, accuracy: 1e-5, "the pass is the inference pass")
    }
    func logProbability(_ x: [Float], example n: Int) -> Double {
      let p = model.predict(Array(x[(n * 784)..<((n + 1) * 784)]))
      return log(Double(p[classes[n]]))
    }
    let step: Float = 1e-3
    var checked = 0
    for n in 0..<classes.count {
      // The pixels where the gradient is largest, and a few in the background.
      let row = gradients[(n * 784)..<((n + 1) * 784)]
      let strongest = row.indices.sorted { abs(row[$0]) > abs(row[$1]) }.prefix(4)
      for index in Array(strongest) + [n * 784 + 5, n * 784 + 400] {
        var plus = inputs
        var minus = inputs
        plus[index] += step
        minus[index] -= step
        let numeric =
          (logProbability(plus, example: n) - logProbability(minus, example: n)) / Double(2 * step)
        let analytic = Double(gradients[index])
        XCTAssertLessThan(
          abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-2), 0.03,
          "example \(n), pixel \(index - n * 784): \(analytic) against \(numeric)")
        checked += 1
      }
    }
    XCTAssertEqual(checked, 36)
    XCTAssert(gradients.contains { abs($0) > 1e-3 }, "the gradients are all but zero")
  }

  /// At a hidden stage (the batch normalisation's output): the values are what inference computes
  /// there, and the gradients match finite differences of the layers after it.
  func testGradientsAtALayersOutputMatchFiniteDifferencesOfTheLayersAfterIt() throws {
    let (model, test) = try trainedModel()
    let inputs = (0..<2).flatMap { test.scalars(of: $0) }
    let classes = [7, 2]
    let stage = model.gradients(inputs, classes: classes, at: .layer(2))
    let size = model.outputShapes[2].elementCount
    XCTAssertEqual(stage.values.count, 2 * size)
    func logProbability(_ values: [Float], example n: Int) -> Double {
      Array(values[(n * size)..<((n + 1) * size)]).withUnsafeBufferPointer { slice in
        var activation = slice.baseAddress!
        for layer in model.layers[3...] {
          activation = layer.forward(activation, batch: 1, mode: .inference)
        }
        return log(Double(activation[classes[n]]))
      }
    }
    for n in 0..<2 {
      let row = stage.gradients[(n * size)..<((n + 1) * size)]
      for index in row.indices.sorted(by: { abs(row[$0]) > abs(row[$1]) }).prefix(5) {
        var (plus, minus) = (stage.values, stage.values)
        plus[index] += 1e-3
        minus[index] -= 1e-3
        let numeric =
          (logProbability(plus, example: n) - logProbability(minus, example: n)) / 2e-3
        XCTAssertEqual(
          Double(stage.gradients[index]), numeric, accuracy: 0.03 * abs(numeric) + 1e-4,
          "example \(n), value \(index - n * size)")
      }
    }
  }

  func testWeightsAndMovingStatisticsAreLeftAsTheyWere() throws {
    let (model, test) = try trainedModel()
    let inputs = (0..<test.count).flatMap { test.scalars(of: $0) }
    let before = model.weights()
    _ = model.gradients(inputs, classes: [Int](repeating: 2, count: test.count))
    let after = model.weights()
    for (name, tensor) in before { XCTAssertEqual(after[name]?.values, tensor.values, name) }
  }
}
