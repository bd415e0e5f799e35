import AtomicFiles
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots
import Runs

/// An ensemble's report (its run folder's `report.html` and or `report.ipynb`): accuracy and
/// loss against each member, the confusion matrix, what it fixes and breaks against its best
/// member, and how often the members agree.
struct EnsembleReport {
  /// The ensemble's run folder read back.
  var run: RunRecord
  var ensemble: Ensemble
  /// The test images, to show the digits it fixes and breaks.
  var data: ExperimentData
  /// What it gets wrong, how sure it is, and which test labels it doubts.
  var errors: ErrorSection

  /// The sentence every ensemble page states about how its members and best member were chosen.
  static let selectionNote =
    "Members were chosen by you; the best member is the one with the highest validation "
    + "accuracy; test labels choose nothing."

  /// Draws the figures into the run's figures folder and returns the page.
  func notebook() throws -> Notebook {
    try Directory.create(run.paths.figures)
    let summary = run.summary
    let e = ensemble.evaluation
    let facts: [(String, String)] = [
      ("Ensemble", summary.experiment), ("Run", summary.runID),
      ("Members", String(ensemble.members.count)), ("Test images", String(ensemble.labels.count)),
      ("Test accuracy", percentText(e.accuracy)), ("Test loss", String(format: "%.4f", e.loss)),
      ("Created", summary.startedAt), ("report", summary.provenance.binaryVersion),
    ]
    var cells: [Cell] = [
      .callout([.strong("Selection. "), .text(Self.selectionNote)], warning: false),
      .prose([
        .text(
          "Soft voting: for every test image the mean of the members' class probabilities (their "
            + "recorded "),
        .code("predictions.csv"),
        .text(
          "), predicting the most probable class (the lowest class on ties). The ensemble "
            + "trains nothing and reads no validation data of its own."),
      ]),
    ]
    cells += membersSection()
    cells += try confusionSection()
    cells += try fixesAndBreaks()
    cells += try agreementSection()
    let drawn = try errors.render(into: run.paths.figures)
    cells += errors.cells { name in drawn.first { $0.name == name }?.cell }
    return Notebook(
      title: "\(summary.experiment) — ensemble \(summary.runID)",
      subtitle: "Ensemble of \(ensemble.members.count) runs · \(summary.startedAt)", facts: facts,
      cells: cells)
  }

  /// The label of member `i` in tables and figures: its position, experiment and seed.
  private func label(_ i: Int) -> String {
    let member = ensemble.members[i]
    return "#\(i + 1) \(member.summary.experiment) seed \(member.summary.seed)"
  }

  private func membersSection() -> [Cell] {
    var rows = ensemble.members.indices.map { i -> [String] in
      let s = ensemble.members[i].summary
      return [
        "#\(i + 1)" + (i == ensemble.bestMember ? " (best)" : ""), s.runID, s.experiment,
        String(s.seed), percentText(s.bestValAccuracy),
        percentText(ensemble.memberEvaluations[i].accuracy),
        String(format: "%.4f", ensemble.memberEvaluations[i].loss),
      ]
    }
    let e = ensemble.evaluation
    rows.append([
      "ensemble", run.summary.runID, run.summary.experiment, "–", "–", percentText(e.accuracy),
      String(format: "%.4f", e.loss),
    ])
    let best = ensemble.memberEvaluations[ensemble.bestMember]
    let gain = (e.accuracy - best.accuracy) * 100
    return [
      .heading("Ensemble and members"),
      .prose([
        .text("On \(ensemble.labels.count.withThousandsSeparators) test images the ensemble is "),
        .strong(percentText(e.accuracy)),
        .text(
          String(
            format:
              " right (loss %.4f), %+.2f points against its best member %@ (%@, loss %.4f).",
            e.loss, gain, label(ensemble.bestMember), percentText(best.accuracy), best.loss)),
      ]),
      .table(
        Table(
          header: [
            "member", "run", "experiment", "seed", "best val accuracy", "test accuracy",
            "test loss",
          ], rows: rows, highlightedRow: rows.count - 1, numericColumns: [3, 4, 5, 6],
          caption:
            "The best member has the highest best validation accuracy; test loss is the mean "
            + "cross-entropy.")),
    ]
  }

  private func confusionSection() throws -> [Cell] {
    let map = Heatmap(
      confusion: ensemble.evaluation.confusion, classNames: data.test.classNames,
      title: "Ensemble confusion matrix (test set)")
    try map.render(to: "\(run.paths.figures)/\(FigureName.confusion.file)")
    return [
      .heading("Confusion matrix"),
      .figure(
        path: "figures/\(FigureName.confusion.file)",
        caption: "The ensemble's confusion matrix on the test set: rows true, columns predicted.",
        alt: "ensemble confusion matrix"),
    ]
  }

  private func fixesAndBreaks() throws -> [Cell] {
    let classes = data.test.classNames
    let best = ensemble.memberEvaluations[ensemble.bestMember]
    let bestName = label(ensemble.bestMember)
    var cells: [Cell] = [
      .heading("Fixes and breaks"),
      .prose([
        .text(
          "Against the best member \(bestName): the ensemble fixes "
            + "\(ensemble.fixes.count) test images it gets wrong and breaks "
            + "\(ensemble.breaks.count) it gets right. " + Self.selectionNote)
      ]),
    ]
    for (rows, kind, verb) in [
      (ensemble.fixes, "fixes", "right where the best member is wrong"),
      (ensemble.breaks, "breaks", "wrong where the best member is right"),
    ] {
      guard !rows.isEmpty else {
        cells.append(.prose([.text("It \(kind) no test image.")]))
        continue
      }
      let grid = TestDigits.gallery(
        rows, data: data, title: "The ensemble \(kind) \(rows.count) images"
      ) { row in
        kind == "fixes"
          ? "best: \(classes[best.predictions[row]])"
          : "ensemble: \(classes[ensemble.evaluation.predictions[row]])"
      }
      let file = "figures/ensemble_\(kind).png"
      try grid.render(to: "\(run.paths.directory)/\(file)")
      cells.append(
        .figure(
          path: file,
          caption:
            "Test digits the ensemble gets \(verb) (\(min(rows.count, 16)) of \(rows.count)).",
          alt: "ensemble \(kind)"))
    }
    return cells
  }

  private func agreementSection() throws -> [Cell] {
    let labels = ensemble.members.indices.map { "#\($0 + 1)" }
    var map = Heatmap(
      values: ensemble.agreement, rowLabels: labels, columnLabels: labels,
      title: "Members' agreement on the test set")
    map.xLabel = "member"
    map.yLabel = "member"
    map.side = 360
    let file = "figures/ensemble_agreement.png"
    try map.render(to: "\(run.paths.directory)/\(file)")
    let unanimous = ensemble.unanimous
    let agreed = unanimous.indices.filter { unanimous[$0] }
    let disagreed = unanimous.indices.filter { !unanimous[$0] }
    let total = max(unanimous.count, 1)
    return [
      .heading("Agreement"),
      .prose([
        .text(
          "All \(ensemble.members.count) members predict the same class for "
            + "\(agreed.count.withThousandsSeparators) of "
            + "\(unanimous.count.withThousandsSeparators) test images "
            + "(\(percentText(Double(agreed.count) / Double(total)))). There the ensemble is "
            + "right \(percentText(ensemble.accuracy(on: agreed))) of the time; on the "
            + "\(disagreed.count.withThousandsSeparators) images they disagree on, "
            + "\(percentText(ensemble.accuracy(on: disagreed))).")
      ]),
      .table(
        Table(
          header: ["test images", "count", "ensemble accuracy"],
          rows: [
            ["members agree", String(agreed.count), percentText(ensemble.accuracy(on: agreed))],
            [
              "members disagree", String(disagreed.count),
              percentText(ensemble.accuracy(on: disagreed)),
            ],
          ], numericColumns: [1, 2])),
      .figure(
        path: file,
        caption:
          "Fraction of test images on which two members predict the same class; members numbered "
          + "as in the table above.",
        alt: "pairwise agreement of the members"),
    ]
  }
}
