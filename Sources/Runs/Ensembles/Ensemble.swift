import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import RunStorage

/// What an ensemble's summary says about it (`"ensemble": {...}`): the runs it averages and
/// the one it is measured against.
public struct EnsembleTag: Codable, Sendable, Equatable {
  /// The members' run ids, in the order given.
  public var members: [String]
  /// The member with the highest best validation accuracy: the one fixes and breaks are
  /// counted against. Test labels choose nothing.
  public var bestMember: String

  /// A tag for `members`, `bestMember` among them.
  public init(members: [String], bestMember: String) {
    (self.members, self.bestMember) = (members, bestMember)
  }

  enum CodingKeys: String, CodingKey {
    case members
    case bestMember = "best_member"
  }
}

/// Soft voting over completed runs: the mean of the members' recorded test probabilities
/// (predictions.csv) per image, the predicted class its argmax (the lowest class on ties, as
/// the engine does). Members are chosen by the user; the best member is chosen by validation
/// accuracy alone.
public struct Ensemble {
  /// The member runs, in the order given.
  public let members: [RunRecord]
  /// Each member's recorded test evaluation, in member order.
  public let memberEvaluations: [Evaluation]
  /// The averaged probabilities evaluated: accuracy, loss (plain cross-entropy), confusion.
  public let evaluation: Evaluation
  /// The test labels every member shares.
  public let labels: [Int32]
  /// The index of the best member: the highest best validation accuracy, the first on ties.
  public let bestMember: Int

  /// Averages `members`' test probabilities. Throws unless there are at least two, each
  /// completed, none an ensemble itself, all on one dataset and tested on the same images (the
  /// same number of rows and the same label in every row).
  public init(members: [RunRecord]) throws {
    guard members.count >= 2 else { throw RunError.tooFewMembers(count: members.count) }
    let first = members[0]
    var recorded: [(probabilities: [Float], labels: [Int32])] = []
    for member in members {
      let runID = member.paths.runID
      try member.requireCompleted(for: "ensembles")
      guard member.summary.ensemble == nil else {
        throw RunError.unfitMember(runID: runID, reason: "it is an ensemble itself")
      }
      guard member.experiment.dataset.name == first.experiment.dataset.name,
        member.classNames == first.classNames,
        member.summary.provenance.datasetChecksums == first.summary.provenance.datasetChecksums
      else {
        throw RunError.unfitMember(
          runID: runID,
          reason:
            "it ran on \(member.experiment.dataset.name) (dataset files "
            + "\(Self.checksums(member))), run \(first.paths.runID) on "
            + "\(first.experiment.dataset.name) (\(Self.checksums(first)))")
      }
      guard FileManager.default.fileExists(atPath: member.paths.predictions) else {
        throw RunError.corruptRecord(path: member.paths.predictions, reason: "file missing")
      }
      let file = try PredictionsFile.read(
        member.paths.predictions, classCount: member.classNames.count)
      if let reference = recorded.first {
        try Self.requireSameTestSet(
          file.labels, as: reference.labels, member: member, firstRunID: first.paths.runID)
      }
      recorded.append((file.probabilities, file.labels))
    }
    let classCount = first.classNames.count
    let labels = recorded[0].labels
    var sum = [Double](repeating: 0, count: recorded[0].probabilities.count)
    for member in recorded {
      for (i, p) in member.probabilities.enumerated() { sum[i] += Double(p) }
    }
    let mean = sum.map { Float($0 / Double(recorded.count)) }
    self.members = members
    self.labels = labels
    memberEvaluations = recorded.map {
      Evaluation(probabilities: $0.probabilities, labels: $0.labels, classCount: classCount)
    }
    evaluation = Evaluation(probabilities: mean, labels: labels, classCount: classCount)
    bestMember = Self.bestByValidation(members)
  }

  /// The ensemble the run folder `run` records, its members found by run id under the same
  /// output root; nil when `run` is not an ensemble.
  public init?(recordedIn run: RunRecord) throws {
    guard let tag = run.summary.ensemble else { return nil }
    let folders = RunFolders.all(outputRoot: run.paths.outputRoot)
    try self.init(
      members: tag.members.map { id in
        guard let folder = folders.first(where: { ($0 as NSString).lastPathComponent == id })
        else { throw RunError.missingRun(id) }
        return try RunRecord(loading: RunPaths(directory: folder))
      })
  }

  private static func checksums(_ run: RunRecord) -> String {
    let sums = run.summary.provenance.datasetChecksums.sorted { $0.key < $1.key }
    return sums.isEmpty
      ? "unrecorded" : sums.map { "\($0.key) \($0.value.prefix(12))" }.joined(separator: ", ")
  }

  /// Throws naming `member`'s predictions.csv line unless `labels` equal the first member's
  /// `reference`, row by row.
  private static func requireSameTestSet(
    _ labels: [Int32], as reference: [Int32], member: RunRecord, firstRunID: String
  ) throws {
    let path = member.paths.predictions
    guard labels.count == reference.count else {
      throw RunError.differentTestSet(
        runID: member.paths.runID, path: path,
        reason: "\(labels.count) test rows, run \(firstRunID) has \(reference.count)")
    }
    if let row = labels.indices.first(where: { labels[$0] != reference[$0] }) {
      // Line 1 is the header.
      throw RunError.differentTestSet(
        runID: member.paths.runID, path: "\(path):\(row + 2)",
        reason:
          "test row \(row) has label \(labels[row]), run \(firstRunID)'s has \(reference[row])")
    }
  }

  /// The index of the member with the highest best validation accuracy (a member that recorded
  /// none counts as lowest), the first on ties. Test accuracy plays no part.
  public static func bestByValidation(_ members: [RunRecord]) -> Int {
    var best = 0
    for (i, member) in members.enumerated()
    where (member.summary.bestValAccuracy ?? -1)
      > (members[best].summary.bestValAccuracy ?? -1)
    {
      best = i
    }
    return best
  }

  /// The test rows the ensemble gets right and its best member wrong.
  public var fixes: [Int] {
    labels.indices.filter {
      evaluation.predictions[$0] == Int(labels[$0])
        && memberEvaluations[bestMember].predictions[$0] != Int(labels[$0])
    }
  }

  /// The test rows the ensemble gets wrong and its best member right.
  public var breaks: [Int] {
    labels.indices.filter {
      evaluation.predictions[$0] != Int(labels[$0])
        && memberEvaluations[bestMember].predictions[$0] == Int(labels[$0])
    }
  }

  /// agreement[i][j]: the fraction of test images members i and j predict the same class for.
  public var agreement: [[Double]] {
    let n = Double(max(labels.count, 1))
    return memberEvaluations.map { a in
      memberEvaluations.map { b in
        Double(zip(a.predictions, b.predictions).filter { $0 == $1 }.count) / n
      }
    }
  }

  /// Whether every member predicts the same class, per test image.
  public var unanimous: [Bool] {
    labels.indices.map { row in
      Set(memberEvaluations.map { $0.predictions[row] }).count == 1
    }
  }

  /// The ensemble's accuracy on the test rows `rows` (nil when there are none).
  public func accuracy(on rows: [Int]) -> Double? {
    guard !rows.isEmpty else { return nil }
    let right = rows.filter { evaluation.predictions[$0] == Int(labels[$0]) }.count
    return Double(right) / Double(rows.count)
  }

  /// The default name of an ensemble of `members`: `ensemble-` and their experiments' names,
  /// each once, in order.
  public static func defaultName(_ members: [RunRecord]) -> String {
    var names: [String] = []
    for member in members where !names.contains(member.summary.experiment) {
      names.append(member.summary.experiment)
    }
    return "ensemble-" + names.joined(separator: "-")
  }

  /// Throws unless `name` can name the ensemble's folder, by the rule experiment names follow.
  public static func validate(name: String) throws {
    guard Experiment.isValidName(name) else {
      throw RunError.badEnsembleName(
        name: name,
        reason: "\(Experiment.nameRule) (it names a folder under output/runs)")
    }
  }
}
