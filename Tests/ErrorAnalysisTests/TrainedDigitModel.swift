import Datasets
import Foundation
import NeuralNet
import TestSupport

/// A small CNN trained for two epochs on 6,000 real MNIST digits (about 97% accurate): the
/// error analysis is checked on what a real run produces, with mistakes of its own, never on
/// made-up probabilities. Trained once per test process.
final class TrainedDigitModel: @unchecked Sendable {
  static let shared = Result { try TrainedDigitModel() }

  let model: Sequential
  /// 1,000 training digits the model never saw, and the first 2,000 test digits.
  let validation: Examples, test: Examples
  /// The model's probabilities on them, [count, 10].
  let validationProbabilities: [Float], testProbabilities: [Float]

  private init() throws {
    let (trainSet, testSet) = try IDXDataset.mnist.load(
      directory: repositoryRoot + "/data/mnist", verifyChecksums: false)
    func examples(_ set: ImageDataset, _ range: Range<Int>) throws -> Examples {
      let subset = set.subset(Array(range))
      return try Examples(pixels: subset.pixels, labels: subset.labels, shape: [28, 28, 1])
    }
    let train = try examples(trainSet, 0..<6000)
    validation = try examples(trainSet, 6000..<7000)
    test = try examples(testSet, 0..<2000)
    model = try Self.architecture(seed: 7)
    try Trainer(model: model, optimizer: Adam(), batchSize: 64, seed: 7)
      .fit(train, validation: nil, epochs: 2)
    validationProbabilities = model.predict(validation)
    testProbabilities = model.predict(test)
  }

  /// The model's architecture with weights initialised from `seed`.
  static func architecture(seed: UInt64) throws -> Sequential {
    try Sequential(
      inputShape: [28, 28, 1],
      layers: [
        Conv2D(filters: 16, kernelSize: (3, 3), activation: .relu), MaxPool2D(),
        BatchNormalization(momentum: 0.9),
        Conv2D(filters: 32, kernelSize: (3, 3), activation: .relu), MaxPool2D(),
        Flatten(), Dropout(rate: 0.2), Dense(units: 64, activation: .relu),
        Dense(units: 10, activation: .softmax),
      ], seed: seed)
  }

  /// The inputs of test digits `range`, one after another.
  func testInputs(_ range: Range<Int>) -> [Float] { range.flatMap { test.scalars(of: $0) } }
}
