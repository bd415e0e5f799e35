import Datasets
import Foundation
import NeuralNet
import Plots

/// A finished run's model loaded from its folder, to classify new images.
public struct TrainedModel {
  public let experiment: Experiment
  public let model: Sequential
  public let classNames: [String]

  /// Loads the run's definition and final weights.
  public init(run paths: RunPaths) throws {
    experiment = try ExperimentRunner.recordedExperiment(paths)
    guard let data = FileManager.default.contents(atPath: paths.weights) else {
      throw RunError.corruptRecord(path: paths.weights, reason: "no final weights: the run did not finish (see its summary.json)")
    }
    model = try LayerSpec.buildModel(experiment.model, inputShape: [28, 28, 1], seed: experiment.seed)
    try model.load(weights: try SafeTensors.decode(data).tensors)
    if case .idx(let kind, _) = experiment.dataset.source { classNames = kind.classNames } else { classNames = IDXDataset.mnist.classNames }
  }

  /// Class probabilities for MNIST-style 28x28 images (bytes, 0 = background).
  public func probabilities(_ images: [[UInt8]]) -> [[Float]] {
    let inputs = images.flatMap { $0.map { Float($0) / 255 } }
    let p = model.predict(inputs)
    return images.indices.map { Array(p[($0 * model.classCount)..<(($0 + 1) * model.classCount)]) }
  }

  /// Reads a PNG of any size and converts it to MNIST style (see `DigitImage`).
  public static func digit(fromPNG path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DatasetError.missingFile(path: path, hint: "Give the path of a PNG image of one digit.")
    }
    let image = try RasterImage(pngPath: path)
    // Transparent pixels count as white paper.
    let grey = (0..<(image.width * image.height)).map { i -> UInt8 in
      let r = Double(image.rgba[4 * i]), g = Double(image.rgba[4 * i + 1]), b = Double(image.rgba[4 * i + 2]), a = Double(image.rgba[4 * i + 3]) / 255
      return UInt8(min(255, (a * (0.299 * r + 0.587 * g + 0.114 * b) + (1 - a) * 255).rounded()))
    }
    return try DigitImage.mnistStyle(grey: grey, width: image.width, height: image.height, source: path)
  }

  /// Writes Kaggle's Digit Recognizer submission (`ImageId,Label`, ids from 1) for `images`.
  public func writeSubmission(for images: ImageDataset, to path: String) throws {
    let p = model.predict(images.scaledPixels())
    let k = model.classCount
    var lines = ["ImageId,Label"]
    for i in 0..<images.count {
      var best = 0
      for j in 1..<k where p[i * k + j] > p[i * k + best] { best = j }
      lines.append("\(i + 1),\(best)")
    }
    try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
  }
}
