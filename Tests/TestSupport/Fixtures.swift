import Foundation

/// The repository root, found from this file.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().path

/// A fresh scratch directory.
public func scratch(_ name: String = #function) throws -> String {
  let dir = NSTemporaryDirectory() + "report-experiments-\(name.filter(\.isLetter))-\(getpid())"
  try? FileManager.default.removeItem(atPath: dir)
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}

/// A tiny, fast experiment on real MNIST: 600 images, a small CNN.
public func tinyExperimentYAML(epochs: Int = 2, extra: String = "") -> String {
  """
  description: tiny <b>test</b> run
  seed: 3
  dataset:
    name: mnist
    directory: \(repositoryRoot)/data/mnist
    subset: 600
    test_subset: 200
  model:
    - conv2d: {filters: 4, kernel: 3, activation: relu}
    - maxpool: {size: 2}
    - flatten
    - dense: {units: 10, activation: softmax}
  training:
    epochs: \(epochs)
    batch_size: 50
    optimizer: {name: adam, learning_rate: 0.003}
  \(extra)
  report: {samples: 4, gallery: 4, misclassified: 8}
  """
}

/// A small model on 4,000 real MNIST images for 3 epochs: slow enough (a few seconds an epoch)
/// to stop or kill a run mid-way.
public let slowTinyExperimentYAML = """
  dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 4000, test_subset: 100}
  model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, flatten, {dense: {units: 10, activation: softmax}}]
  training: {epochs: 3, batch_size: 50}
  """

/// A sweep of one trial per learning rate, each 4 epochs on 27,000 images at about 10 seconds an
/// epoch on one thread: long enough to signal its trials mid-way.
public func slowSweepYAML(learningRates: [Double]) -> String {
  """
  dataset: {name: mnist, directory: \(repositoryRoot)/data/mnist, subset: 30000, test_subset: 100}
  model: [{conv2d: {filters: 16, kernel: 3, activation: relu}}, flatten, {dense: {units: 10, activation: softmax}}]
  training: {epochs: 4, batch_size: 50}
  sweep:
    method: grid
    parameters:
      training.optimizer.learning_rate: \(learningRates)
    metric: val_accuracy
  """
}

public func write(_ text: String, to path: String) throws {
  try text.write(toFile: path, atomically: true, encoding: .utf8)
}
