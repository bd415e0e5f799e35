import XCTest

@testable import NeuralNet

/// The oneDNN engine against the reference engine: the same model, weights and batch must give
/// the same probabilities, loss, parameter gradients and moving statistics, to fp32 rounding
/// (fp32) or to bf16's 8-bit mantissa (bf16).
final class OneDNNEngineTests: XCTestCase {
  /// Models covering every lowering: convolutions (valid, same, strided, leaky), max and average
  /// pooling, batch normalization on images and vectors, flatten, global pooling, dense layers,
  /// and layers that run on their reference inside a compiled network (dropout, activations).
  static let models: [(name: String, shape: TensorShape, layers: () -> [Layer])] = [
    (
      "paper-like", [12, 12, 1],
      {
        [
          Conv2D(filters: 8, activation: .relu), MaxPool2D(), BatchNormalization(momentum: 0.9),
          Conv2D(filters: 16, stride: (2, 2), padding: .same, activation: .relu), Flatten(),
          Dropout(rate: 0.25), Dense(units: 32, activation: .relu),
          Dense(units: 10, activation: .softmax),
        ]
      }
    ),
    (
      "pooling variety", [9, 9, 3],
      {
        [
          Conv2D(filters: 17, padding: .same, activation: .leakyRelu(alpha: 0.1)),
          AveragePool2D(poolSize: (2, 2), padding: .same), BatchNormalization(),
          Conv2D(filters: 24, kernelSize: (2, 2), activation: .linear),
          MaxPool2D(poolSize: (2, 2), padding: .same), GlobalAveragePool2D(),
          Dense(units: 7, activation: .softmax),
        ]
      }
    ),
    (
      "standalone activations", [6, 6, 2],
      {
        [
          Conv2D(filters: 5), ActivationLayer(.relu), Flatten(), BatchNormalization(),
          Dense(units: 12), ActivationLayer(.leakyRelu(alpha: 0.3)), Dense(units: 4),
          ActivationLayer(.softmax),
        ]
      }
    ),
  ]

  /// Runs one training step (and an inference pass before it) of the model on `engine`.
  private func step(
    _ entry: (name: String, shape: TensorShape, layers: () -> [Layer]), engine: ComputeEngine,
    batch: Int = 6
  ) throws -> (
    inference: [Float], loss: Double, gradients: [String: [Float]], state: [String: [Float]]
  ) {
    let model = try Sequential(inputShape: entry.shape, layers: entry.layers(), seed: 11)
    model.engine = engine
    for case let layer as StochasticLayer in model.layers { layer.reseed(5) }
    var generator = SeededGenerator(seed: 3)
    let inputs = (0..<(batch * entry.shape.elementCount)).map { _ in generator.uniform(0, 1) }
    let labels = (0..<batch).map { _ in Int32(generator.next() % UInt64(model.classCount)) }
    let inference = model.predict(inputs, batchSize: batch)
    let result = inputs.withUnsafeBufferPointer { x in
      labels.withUnsafeBufferPointer { y in
        model.trainStep(x.baseAddress!, labels: y.baseAddress!, batch: batch, loss: .init())
      }
    }
    var gradients: [String: [Float]] = [:]
    var state: [String: [Float]] = [:]
    for (name, parameter) in model.namedParameters {
      if parameter.isTrainable {
        gradients[name] = parameter.gradient.array(parameter.count)
      } else {
        state[name] = parameter.value.array(parameter.count)
      }
    }
    return (inference, result.loss, gradients, state)
  }

  /// The largest difference relative to the largest magnitude of the reference.
  private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    XCTAssertEqual(a.count, b.count)
    let scale = max(b.map(abs).max() ?? 0, 1e-6)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
  }

  /// The paper's model (692,682 parameters) at its real shapes: the kernels the binary selects
  /// for those shapes are checked against the reference.
  static let paperModel: (name: String, shape: TensorShape, layers: () -> [Layer]) = (
    "paper", [28, 28, 1],
    {
      [
        Conv2D(filters: 64, activation: .relu), Conv2D(filters: 64, activation: .relu),
        MaxPool2D(), BatchNormalization(), Conv2D(filters: 128, activation: .relu),
        Conv2D(filters: 128, activation: .relu), MaxPool2D(), BatchNormalization(),
        Conv2D(filters: 256, activation: .relu), MaxPool2D(), BatchNormalization(), Flatten(),
        Dense(units: 512, activation: .relu), Dense(units: 10, activation: .softmax),
      ]
    }
  )

  private func compare(
    precision: Precision, tolerance: Float,
    models: [(name: String, shape: TensorShape, layers: () -> [Layer])] = models
  ) throws {
    for entry in models {
      let reference = try step(entry, engine: .reference)
      let fast = try step(entry, engine: .oneDNN(precision))
      XCTAssertLessThan(
        relativeError(fast.inference, reference.inference), tolerance, "\(entry.name) inference")
      XCTAssertEqual(
        fast.loss, reference.loss, accuracy: Double(tolerance) * max(reference.loss, 1),
        "\(entry.name) loss")
      XCTAssertEqual(Set(fast.gradients.keys), Set(reference.gradients.keys))
      for (name, expected) in reference.gradients {
        XCTAssertGreaterThan(expected.map(abs).max() ?? 0, 0, "\(entry.name) \(name) is all zero")
        XCTAssertLessThan(
          relativeError(fast.gradients[name] ?? [], expected), tolerance, "\(entry.name) \(name)")
      }
      for (name, expected) in reference.state {
        XCTAssertLessThan(
          relativeError(fast.state[name] ?? [], expected), tolerance, "\(entry.name) \(name)")
      }
    }
  }

  func testFP32MatchesTheReferenceEngine() throws {
    try compare(precision: .fp32, tolerance: 1e-4)
  }

  func testBF16MatchesTheReferenceEngineWithinBF16Rounding() throws {
    try XCTSkipUnless(
      Precision.bf16.isSupported,
      "oneDNN runs bf16 only on AVX-512 CPUs; this one has \(ComputeEngine.isa)")
    // bf16 keeps 8 significant bits (relative rounding 2^-9 per value); after a few layers of
    // sums the gradients agree to a few percent of their largest entry.
    try compare(precision: .bf16, tolerance: 5e-2)
  }

  func testAutoResolvesToWhatTheCPUSupports() {
    XCTAssertEqual(Precision.auto.resolved, Precision.bf16.isNative ? .bf16 : .fp32)
    XCTAssertEqual(Precision.fp32.resolved, .fp32)
    XCTAssertFalse(ComputeEngine.isa.isEmpty)
  }

  func testBF16WithoutAVX512IsAnErrorNamingTheISA() throws {
    try XCTSkipIf(Precision.bf16.isSupported, "this CPU has AVX-512: bf16 is supported")
    let model = try Sequential(
      inputShape: [2, 2, 1], layers: [Flatten(), Dense(units: 2)], seed: 1)
    model.engine = .oneDNN(.bf16)
    let examples = try Examples(
      inputs: [0, 1, 0, 1, 1, 0, 1, 0], labels: [0, 1], shape: [2, 2, 1])
    XCTAssertThrowsError(
      try Trainer(model: model, optimizer: Adam()).fit(examples, validation: nil, epochs: 1)
    ) { error in
      XCTAssertEqual(
        (error as? NeuralNetError)?.description,
        "precision bf16 needs an AVX-512 CPU; oneDNN reports \(ComputeEngine.isa) here")
    }
  }

  func testThePaperModelAtItsRealShapesMatchesTheReference() throws {
    try compare(precision: .fp32, tolerance: 1e-4, models: [Self.paperModel])
  }

  func testEveryLayerOfThePaperModelHasAPrimitive() throws {
    let model = try Sequential(
      inputShape: Self.paperModel.shape, layers: Self.paperModel.layers(), seed: 1)
    XCTAssertEqual(model.parameterCount, 692_682)
    model.engine = .oneDNN(.fp32)
    let implementations = model.implementations(batch: 4)
    XCTAssertFalse(implementations.isEmpty)
    for line in implementations {
      XCTAssertFalse(line.contains("ref"), "a reference (slow) kernel was chosen: \(line)")
    }
  }
}
