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
  /// The held-out fold's images (`dataset.folds`), which neither train nor validate; nil
  /// without one.
  public var heldOut: ImageDataset?
  /// Each held-out image's index among the source's training images.
  public var heldOutIndices: [Int] = []

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
    // Each remaining image's index among the source's training images.
    var sourceIndices = Array(0..<full.count)
    func keep(_ indices: [Int]) {
      full = full.subset(indices)
      sourceIndices = indices.map { sourceIndices[$0] }
    }
    if let path = spec.exclude {
      let list = try ExclusionList(path: path, imageCount: full.count)
      checksums[ExclusionList.checksumKey(path)] = list.checksum
      keep(sourceIndices.indices.filter { !list.indices.contains(sourceIndices[$0]) })
    }
    if let classes = spec.classes {
      keep(full.indices(ofClasses: classes))
      full = full.relabelled(toClasses: classes)
      test = test.subset(test.indices(ofClasses: classes)).relabelled(toClasses: classes)
    }
    if let n = spec.labelsPerClass {
      keep(try full.indices(perClass: n, seed: experiment.seed))
    }
    if let subset = spec.subset {
      keep(try full.stratifiedSubsetIndices(min(subset, full.count), seed: experiment.seed))
    }
    if let fold = spec.fold {
      let folds = try full.stratifiedFolds(fold.count, seed: experiment.seed)
      let held = folds.indices.filter { folds[$0] == fold.index }
      heldOut = full.subset(held)
      heldOutIndices = held.map { sourceIndices[$0] }
      keep(folds.indices.filter { folds[$0] != fold.index })
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

  /// The SHA-256 of every file `experiment`'s data comes from, as a run's provenance keeps them:
  /// the IDX files (without loading them), Kaggle's CSVs, and a `dataset.exclude` list.
  public static func checksums(of experiment: Experiment) throws -> [String: String] {
    guard case .idx(let kind, _) = experiment.dataset.source else {
      return try ExperimentData(experiment).checksums
    }
    var checksums = kind.fileChecksums()
    if let path = experiment.dataset.exclude {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ExclusionList.unreadable(path)
      }
      checksums[ExclusionList.checksumKey(path)] = Checksum.sha256(data)
    }
    return checksums
  }

  /// Scaled examples for the engine.
  public static func examples(_ set: ImageDataset) throws -> Examples {
    try Examples(pixels: set.pixels, labels: set.labels, shape: [set.rows, set.columns, 1])
  }
}
