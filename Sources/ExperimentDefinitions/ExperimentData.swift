import Datasets
import Foundation
import NeuralNet

/// An experiment's data, loaded, subset and split as its definition says.
public struct ExperimentData: Sendable {
  /// Training images after the validation split.
  public var train: ImageDataset
  public var validation: ImageDataset
  /// Labelled images metrics are reported on: the official test set, or for Kaggle CSVs the
  /// validation split (Kaggle's test.csv has no labels).
  public var test: ImageDataset
  /// Kaggle's unlabelled test.csv, for the submission, when given.
  public var submission: ImageDataset?
  /// SHA-256 of each file's content.
  public var checksums: [String: String]
  /// Where the data came from, for the report.
  public var sourceDescription: String

  /// Loads and splits the data for `experiment`.
  public init(_ experiment: Experiment) throws {
    let spec = experiment.dataset
    var full: ImageDataset
    switch spec.source {
    case .idx(let kind, let directory):
      let loaded = try kind.load(directory: directory)
      full = loaded.train
      test = loaded.test
      checksums = kind.fileChecksums()
      sourceDescription = "\(kind.rawValue) IDX files in \(directory ?? kind.defaultDirectory)"
    case .kaggleCSV(let trainPath, let testPath):
      full = try KaggleCSV.load(trainPath, labelled: true)
      submission = try testPath.map { try KaggleCSV.load($0, labelled: false) }
      checksums = [
        (trainPath as NSString).lastPathComponent: Checksum.sha256(
          FileManager.default.contents(atPath: trainPath) ?? Data())
      ]
      test = full
      sourceDescription = "Kaggle CSV \(trainPath)"
    }
    if let subset = spec.subset {
      full = try full.stratifiedSubset(min(subset, full.count), seed: experiment.seed)
    }
    let split = try full.stratifiedSplit(
      validationFraction: spec.validationSplit, seed: experiment.seed)
    train = split.train
    validation = split.validation
    if case .kaggleCSV = spec.source { test = validation }
    if let n = spec.testSubset { test = test.subset(Array(0..<min(n, test.count))) }
    let shape = [train.rows, train.columns, 1]
    guard shape == spec.imageShape else {
      throw ConfigError.invalid(
        at: SourceLocation(file: sourceDescription, line: 0, column: 0),
        "images are \(shape); the model expects \(spec.imageShape)")
    }
  }

  /// Data already in memory (benchmarks, tests).
  public init(
    train: ImageDataset, validation: ImageDataset, test: ImageDataset, sourceDescription: String
  ) {
    (self.train, self.validation, self.test, self.sourceDescription) = (
      train, validation, test, sourceDescription
    )
    checksums = [:]
  }

  /// Scaled examples for the engine.
  public static func examples(_ set: ImageDataset) throws -> Examples {
    try Examples(pixels: set.pixels, labels: set.labels, shape: [set.rows, set.columns, 1])
  }
}
