import AtomicFiles
import ErrorAnalysis
import Foundation
import Notebook
import Plots
import Runs

/// The page of a label audit (`report audit-labels`): the fold runs, the most suspect training
/// labels as a gallery, the flagged ones as a table, and how to train without them. It lives in
/// `<output>/audits/<experiment>/` beside the audit's CSVs.
public struct LabelAuditPage {
  /// The audit shown.
  public var audit: LabelAudit
  /// The experiment audited, as the user named it.
  public var experiment: String
  /// The folder the page, its figure and the CSVs go to.
  public var directory: String

  /// How many suspect labels the gallery shows, and how many flagged ones the table lists.
  static let galleryCount = 50
  static let tableCount = 100

  /// The page for `audit` of `experiment` in `directory`.
  public init(audit: LabelAudit, experiment: String, directory: String) {
    (self.audit, self.experiment, self.directory) = (audit, experiment, directory)
  }

  /// The folder of the audit of `experiment` under `outputRoot`.
  public static func directory(of experiment: String, outputRoot: String) -> String {
    "\(outputRoot)/audits/\(experiment)"
  }

  /// Writes the CSVs, the gallery and the page with `writer`; returns the page's path.
  @discardableResult
  public func write(with writer: PageWriter) throws -> String {
    try audit.writeFiles(into: directory)
    try Directory.create("\(directory)/figures")
    try gallery().render(to: "\(directory)/\(Self.galleryFile)")
    return try writer.write(notebook(), page: "\(directory)/index.html")
  }

  static let galleryFile = "figures/suspect_train_labels.png"

  func gallery() -> ImageGrid {
    let names = audit.images.classNames
    let shown = audit.suspects.prefix(Self.galleryCount)
    let tiles = shown.compactMap { suspect -> ImageGrid.Tile? in
      guard let position = audit.position(ofSource: suspect.index) else { return nil }
      return ImageGrid.Tile(
        pixels: audit.images.image(position), rows: audit.images.rows,
        columns: audit.images.columns,
        caption: [
          "#\(suspect.index): \(names[suspect.given]) → \(names[suspect.suggested])",
          String(format: "score %.4f", suspect.score),
        ], highlighted: suspect.flagged)
    }
    var grid = ImageGrid(
      tiles: tiles,
      title: "The \(tiles.count) most suspect training labels (flagged ones framed in red)",
      columns: 10)
    grid.colormap = .binary
    grid.imageSide = 72
    return grid
  }

  func notebook() -> Notebook {
    let names = audit.images.classNames
    let flagged = audit.flagged
    let first = audit.folds[0]
    let facts: [(String, String)] = [
      ("Experiment", experiment), ("Folds", String(audit.folds.count)),
      ("Training images judged", audit.images.count.withThousandsSeparators),
      ("Out-of-fold accuracy", percentText(audit.accuracy)),
      ("Flagged labels", String(flagged.count)), ("Seed", String(first.summary.seed)),
    ]
    let excludePath = "\(directory)/\(LabelAudit.labelIssuesFile)"
    var cells: [Cell] = [
      .prose([
        .text(
          "Each of \(audit.folds.count) runs of \(experiment) trained without one stratified fold "
            + "of the training images and predicted it, so every training label is judged by a "
            + "model that never saw it. Confident learning (Northcutt et al. 2021, as cleanlab "
            + "computes it) scores each label by the probability its model gives it and flags "
            + "the labels the confident joint says are wrong (per-class thresholds, pruning by "
            + "noise rate). It flags "),
        .strong(String(flagged.count)),
        .text(" of \(audit.images.count.withThousandsSeparators) training labels. "),
        .link(LabelAudit.labelIssuesFile, href: LabelAudit.labelIssuesFile),
        .text(" lists them and "),
        .link(LabelAudit.suspectLabelsFile, href: LabelAudit.suspectLabelsFile),
        .text(" the \(min(RunErrorAnalysis.suspectsKept, audit.suspects.count)) most suspect."),
      ]),
      .heading("Fold runs"),
      .table(
        Table(
          header: ["fold", "run", "held-out images", "held-out accuracy", "test accuracy"],
          rows: audit.folds.enumerated().map { fold, run in
            let held = audit.foldResults[fold]
            return [
              String(fold), run.paths.runID, held.count.withThousandsSeparators,
              percentText(held.accuracy), percentText(run.summary.testAccuracy),
            ]
          }, numericColumns: [2, 3, 4])),
      .heading("Suspect training labels"),
      .figure(
        path: Self.galleryFile,
        caption:
          "The most suspect training labels, each with its index, given label → the class its "
          + "model prefers, and the score (the probability given to the label).",
        alt: "suspect training labels"),
    ]
    if !flagged.isEmpty {
      cells.append(
        .table(
          Table(
            header: ["index", "given", "suggested", "score"],
            rows: flagged.prefix(Self.tableCount).map {
              [
                String($0.index), names[$0.given], names[$0.suggested],
                String(format: "%.4f", $0.score),
              ]
            }, numericColumns: [0, 3])))
    }
    cells += [
      .heading("Training without them"),
      .prose([
        .text("A later run leaves the flagged images out of training and validation with "),
        .code("dataset.exclude"),
        .text(
          " (the file's checksum joins the run's provenance, so the run cache tells them apart):"),
      ]),
      .code(
        RunCommands.shellJoined([
          "report", "run", experiment, "--set", "dataset.exclude=\(excludePath)",
        ]),
        language: "sh"),
    ]
    return Notebook(
      title: "\(experiment) — label audit", subtitle: "\(audit.folds.count) folds, out of fold",
      facts: facts, cells: cells)
  }
}
