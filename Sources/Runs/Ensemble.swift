import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import RunStorage

/// What an ensemble's summary.json says about it (`"ensemble": {...}`): the runs it averages and
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
        reason:
          "may use only letters, digits, '-', '_' and '.' (it names a folder under output/runs), "
          + "starting with a letter or digit")
    }
  }
}

// MARK: - Building an ensemble's run folder

extension ExperimentRunner {
  /// The runs `references` name, each a run folder or id, or an experiment name: that
  /// experiment's completed runs of its newest configuration (same `group_hash`: its seeds),
  /// oldest first. A run named twice counts once.
  public func ensembleMembers(_ references: [String]) throws -> [RunPaths] {
    let store = try openStore(outputRoot)
    var members: [RunPaths] = []
    for reference in references {
      let completed = try store.runs(experiment: reference, status: .completed)
      let found: [RunPaths]
      if let newest = completed.first, newest.kind == .training {
        found = completed.filter { $0.groupHash == newest.groupHash && $0.kind == .training }
          .reversed().map { RunPaths(directory: $0.directory) }
      } else {
        found = [try locate(reference)]
      }
      for paths in found where !members.contains(where: { $0.directory == paths.directory }) {
        members.append(paths)
      }
    }
    return members
  }

  /// Averages the runs at `members` into an ensemble run folder
  /// `<output>/runs/<name>/<run-id>/` (name default `Ensemble.defaultName`): config.yaml (the
  /// first member's definition, which says the data), predictions.csv, summary.json and its
  /// report, filled under a hidden name and renamed into place; then indexes it and rewrites
  /// index.html. Its summary sums the members' parameters and seconds and takes the first
  /// member's seed. An ensemble of the same name and members
  /// already built is returned instead (`reused` true).
  public func buildEnsemble(_ members: [RunPaths], name: String? = nil) throws -> (
    paths: RunPaths, reused: Bool
  ) {
    let records = try members.map { try RunRecord(loading: $0) }
    let ensemble = try Ensemble(members: records)
    let name = name ?? Ensemble.defaultName(records)
    try Ensemble.validate(name: name)
    let store = try openStore(outputRoot)
    let sameName = try store.runs(experiment: name)
    if sameName.contains(where: { $0.kind != .ensemble }) {
      throw RunError.badEnsembleName(
        name: name, reason: "runs of the experiment '\(name)' are recorded under it")
    }
    let ids = records.map(\.paths.runID)
    for row in sameName where row.status == .completed {
      let paths = RunPaths(directory: row.directory)
      if let summary = try? readJSON(RunSummary.self, from: paths.summary),
        summary.ensemble?.members == ids, FileManager.default.fileExists(atPath: paths.report)
      {
        return (paths, true)
      }
    }
    let first = records[0]
    let configHash = SHA256.hex(Data((["ensemble"] + ids.sorted()).joined(separator: "\n").utf8))
    var summary = RunSummary(
      runID: Self.newRunID(), experiment: name, status: .completed,
      startedAt: Timestamp.string(Date()), finishedAt: Timestamp.string(Date()),
      trainingSeconds: records.reduce(0) { $0 + $1.summary.trainingSeconds },
      totalSeconds: records.reduce(0) { $0 + $1.summary.totalSeconds }, epochsRun: 0,
      testAccuracy: ensemble.evaluation.accuracy, testLoss: ensemble.evaluation.loss,
      parameters: records.reduce(0) { $0 + $1.summary.parameters }, seed: first.summary.seed,
      configHash: configHash,
      provenance: provenance(first.summary.provenance.datasetChecksums))
    summary.groupHash = configHash
    summary.ensemble = EnsembleTag(
      members: ids, bestMember: records[ensemble.bestMember].paths.runID)
    let paths = RunPaths(directory: "\(outputRoot)/runs/\(name)/\(summary.runID)")
    try Directory.create((paths.directory as NSString).deletingLastPathComponent)
    var definition = first.experiment.resolved
    if case .mapping(let entries, let location) = definition {
      definition = .mapping(entries.filter { $0.key != "name" }, location)
    }
    try AtomicFile.replace(paths.directory) { temporary in
      let staged = RunPaths(directory: temporary)
      try Directory.create(staged.figures)
      try AtomicFile.write(
        "# An ensemble of \(ids.joined(separator: ", ")): the data and report settings of "
          + "\(first.paths.runID), the first member.\n" + definition.yaml() + "\n",
        to: staged.config)
      try PredictionsFile.write(
        ensemble.evaluation, labels: ensemble.labels, classCount: first.classNames.count,
        to: staged.predictions)
      try AtomicFile.writeJSON(summary, to: staged.summary)
      // The page too, so that the folder appears whole or not at all.
      let record = RunRecord(
        paths: staged, summary: summary,
        experiment: try Experiment(resolvedFile: staged.config, name: name),
        log: TrainingLog(epochs: [], events: []))
      try reporter.writeEnsembleReport(for: record, ensemble: ensemble)
    }
    try store.record(summary.indexRow(directory: paths.directory))
    try reporter.writeIndex(outputRoot: outputRoot)
    return (paths, false)
  }
}
