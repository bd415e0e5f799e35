import AtomicFiles
import Datasets
import ErrorAnalysis
import ExperimentDefinitions
import Foundation

/// `report audit-labels`: confident learning on an experiment's training labels. K runs of the
/// experiment each hold one stratified fold out (`dataset.folds`, `dataset.held_out_fold`) and
/// predict it, so every training image is judged by a model that never trained on it.
public struct LabelAudit {
  /// The fold runs, fold 0 first.
  public let folds: [RunRecord]
  /// The judged training images, ordered by their index in the source.
  public let images: ImageDataset
  /// Each judged image's index among the source's training images.
  public let sourceIndices: [Int]
  /// The out-of-fold probabilities, one row of `classCount` per judged image.
  public let probabilities: [Float]
  /// Every judged label, most suspect first; `index` counts the source's training images.
  public let suspects: [SuspectLabel]
  /// How many of the out-of-fold predictions are right.
  public let accuracy: Double
  /// Each fold's held-out images: how many, and the accuracy of its run on them.
  public let foldResults: [(count: Int, accuracy: Double)]

  /// The labels confident learning flags, most suspect first.
  public var flagged: [SuspectLabel] { suspects.filter(\.flagged) }

  /// The experiment name the fold runs of `experiment` go under, apart from its own runs.
  public static func foldName(of experiment: String) -> String { "\(experiment)-audit" }

  /// The `--set` overrides that make fold `fold` of `count` of `experiment`.
  public static func foldOverrides(experiment: String, fold: Int, of count: Int) -> [String] {
    ["name=\(foldName(of: experiment))", "dataset.folds=\(count)", "dataset.held_out_fold=\(fold)"]
  }

  /// Reads the fold runs' held-out predictions. Throws unless `folds` holds one completed run
  /// per fold, in fold order, all of one configuration apart from the fold, with predictions
  /// whose labels are those of the images the fold holds out.
  public init(folds: [RunRecord]) throws {
    guard let first = folds.first else {
      throw RunError.unfitFold(runID: "-", reason: "an audit needs at least two folds; none given")
    }
    var rows:
      [(source: Int, label: Int32, probabilities: ArraySlice<Float>, pixels: ArraySlice<UInt8>)] =
        []
    let classCount = first.classNames.count
    var template: ImageDataset?
    var results: [(count: Int, accuracy: Double)] = []
    for (position, run) in folds.enumerated() {
      try run.requireCompleted(for: "a label audit")
      guard let fold = run.experiment.dataset.fold, fold.count == folds.count,
        fold.index == position
      else {
        throw RunError.unfitFold(
          runID: run.paths.runID,
          reason:
            "it is not fold \(position) of \(folds.count) (dataset.folds, dataset.held_out_fold)")
      }
      guard run.experiment.foldlessHash == first.experiment.foldlessHash
      else {
        throw RunError.unfitFold(
          runID: run.paths.runID, reason: "its configuration differs from fold 0's beyond the fold")
      }
      let data = try ExperimentData(run.experiment)
      guard let heldOut = data.heldOut else {
        throw RunError.unfitFold(runID: run.paths.runID, reason: "it holds no fold out")
      }
      let recorded = try PredictionsFile.read(run.paths.heldOutPredictions, classCount: classCount)
      guard recorded.labels == heldOut.labels else {
        throw RunError.corruptRecord(
          path: run.paths.heldOutPredictions,
          reason:
            "its labels are not those of the \(heldOut.count) images fold \(position) holds out")
      }
      template = heldOut
      results.append(
        (heldOut.count, Self.accuracy(recorded.probabilities, recorded.labels, classCount)))
      for (n, source) in data.heldOutIndices.enumerated() {
        rows.append(
          (
            source, recorded.labels[n],
            recorded.probabilities[(n * classCount)..<((n + 1) * classCount)], heldOut.image(n)
          ))
      }
    }
    rows.sort { $0.source < $1.source }
    self.folds = folds
    sourceIndices = rows.map(\.source)
    probabilities = rows.flatMap(\.probabilities)
    let labels = rows.map(\.label)
    images = ImageDataset(
      pixels: rows.flatMap(\.pixels), labels: labels, rows: template?.rows ?? 28,
      columns: template?.columns ?? 28, classNames: first.classNames)
    accuracy = Self.accuracy(probabilities, labels, classCount)
    foldResults = results
    let sources = sourceIndices
    suspects = SuspectLabel.ranked(
      probabilities: probabilities, labels: labels, classCount: classCount
    ).map {
      var suspect = $0
      suspect.index = sources[$0.index]
      return suspect
    }
  }

  private static func accuracy(_ probabilities: [Float], _ labels: [Int32], _ classCount: Int)
    -> Double
  {
    let predictions = predictedClasses(probabilities, width: classCount)
    let right = zip(predictions, labels).filter { $0 == Int($1) }.count
    return Double(right) / Double(max(labels.count, 1))
  }

  /// The judged image with source index `source`, as its position in `images`.
  public func position(ofSource source: Int) -> Int? {
    var range = sourceIndices.startIndex..<sourceIndices.endIndex
    while !range.isEmpty {
      let middle = range.lowerBound + range.count / 2
      if sourceIndices[middle] == source { return middle }
      range =
        sourceIndices[middle] < source ? (middle + 1)..<range.upperBound : range.lowerBound..<middle
    }
    return nil
  }

  /// Writes `label_issues.csv` (every flagged label: what `dataset.exclude` reads) and
  /// `suspect_labels.csv` (the 100 most suspect) into `directory`.
  public func writeFiles(into directory: String) throws {
    try Directory.create(directory)
    try SuspectLabelsFile.write(flagged, to: "\(directory)/\(Self.labelIssuesFile)")
    try SuspectLabelsFile.write(
      suspects.prefix(RunErrorAnalysis.suspectsKept), to: "\(directory)/\(Self.suspectLabelsFile)")
  }

  /// The CSV of flagged labels, for `dataset.exclude`.
  public static let labelIssuesFile = "label_issues.csv"
  /// The CSV of the most suspect labels.
  public static let suspectLabelsFile = "suspect_labels.csv"
}

extension LabelAudit {
  /// How a fold's run came to be finished.
  public enum FoldStart: Sendable, Equatable {
    /// Trained now, in a new run folder.
    case trained
    /// A finished run of exactly this fold, from the run cache.
    case reused
    /// An interrupted or lost run of exactly this fold, continued from its last checkpoint.
    case resumed
  }

  /// The fold runs of `experiments` (fold order), made by `trainer`: a finished run of a fold is
  /// reused (the run cache), an interrupted or lost one resumed, any other fold trained;
  /// `force` trains every fold anew. `finished` sees each fold's run as it ends. A fold that does
  /// not complete stops here with an error naming its run and status.
  public static func foldRuns(
    _ experiments: [Experiment], trainer: RunTrainer, force: Bool = false,
    finished: (RunPaths, FoldStart) throws -> Void = { _, _ in }
  ) throws -> [RunRecord] {
    try experiments.map { experiment in
      let paths: RunPaths
      let start: FoldStart
      if !force, let unfinished = try unfinishedRun(of: experiment, in: trainer.workspace) {
        (paths, start) = (try trainer.resume(unfinished), .resumed)
      } else {
        let started = try trainer.start(experiment, force: force)
        (paths, start) = (started.paths, started.reused ? .reused : .trained)
      }
      try finished(paths, start)
      let record = try RunRecord(loading: paths)
      try record.requireCompleted(for: "label audits")
      return record
    }
  }

  /// The newest interrupted or lost run of exactly `experiment`, if there is one.
  private static func unfinishedRun(of experiment: Experiment, in workspace: RunWorkspace) throws
    -> RunPaths?
  {
    try workspace.catalog.runs(experiment: experiment.name)
      .first {
        $0.configHash == experiment.configHash && ($0.status == .interrupted || $0.status == .lost)
      }
      .map { RunPaths(directory: $0.directory) }
  }
}
