import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet

/// A finished run's model loaded from its folder, to classify new images.
public struct TrainedModel {
  public let experiment: Experiment
  public let model: Sequential
  public let classNames: [String]

  /// Loads the run's definition and final weights.
  public init(run record: RunRecord) throws {
    experiment = record.experiment
    model = try record.trainedModel()
    classNames = record.classNames
  }

  /// Class probabilities for MNIST-style 28x28 images (bytes, 0 = background).
  public func probabilities(_ images: [[UInt8]]) -> [[Float]] {
    probabilities(scaled: images.map { $0.map { Float($0) / 255 } })
  }

  /// Class probabilities for MNIST-style 28x28 images already scaled to [0, 1].
  public func probabilities(scaled images: [[Float]]) -> [[Float]] {
    let p = model.predict(images.flatMap { $0 })
    return images.indices.map { Array(p[($0 * model.classCount)..<(($0 + 1) * model.classCount)]) }
  }

  /// Writes Kaggle's Digit Recognizer submission (`ImageId,Label`, ids from 1) for `images`.
  public func writeSubmission(for images: ImageDataset, to path: String) throws {
    let examples = try Examples(
      pixels: images.pixels, labels: images.labels, shape: [images.rows, images.columns, 1])
    let predictions = predictedClasses(model.predict(examples), width: model.classCount)
    try SubmissionFile.write(predictions, to: path)
  }
}
