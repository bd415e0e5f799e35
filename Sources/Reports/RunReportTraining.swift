import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots
import Runs

/// The training part of a run's report: the epochs as they went, what the callbacks did, and how
/// the validation confusions moved.
extension RunReport {
  /// The training log: per-epoch table, curves, the recipe's callbacks and what they did.
  func trainingSection() -> [Cell] {
    guard !log.epochs.isEmpty else {
      return [.heading("Training"), .prose([.text("No epoch finished.")])]
    }
    let best = log.bestEpoch
    let rows = log.epochs.map { m in
      [
        String(m.epoch), Self.number(m.loss), percentText(m.accuracy), Self.number(m.valLoss),
        percentText(m.valAccuracy), Axis.format(m.learningRate), String(format: "%.1f", m.seconds),
        String(format: "%.0f", m.imagesPerSecond),
      ]
    }
    var story: [Inline] = [
      .text(
        "\(log.epochs.count) epoch\(log.epochs.count == 1 ? "" : "s") in "
          + "\(Self.duration(summary.trainingSeconds)), at a median "
          + "\(String(format: "%.0f", median(log.epochs.map(\.imagesPerSecond)))) training images "
          + "per second."
      )
    ]
    if let best, let value = best.valAccuracy {
      story.append(.text(" Validation accuracy peaked at "))
      story.append(.strong(percentText(value)))
      story.append(.text(" in epoch \(best.epoch) (highlighted)."))
    }
    for event in log.events {
      switch event {
      case .learningRateChanged(let epoch, let from, let to):
        story.append(
          .text(
            " After epoch \(epoch) the learning rate fell from \(Axis.format(from)) to "
              + "\(Axis.format(to))."
          ))
      case .earlyStopped(let epoch, let bestEpoch):
        story.append(
          .text(
            " Early stopping ended training after epoch \(epoch), \(epoch - bestEpoch) epochs "
              + "without improvement."
          ))
      case .restoredBestWeights(let epoch):
        story.append(.text(" The weights of epoch \(epoch) were restored."))
      }
    }
    story += recipeNotes()
    let row = best.flatMap { b in log.epochs.firstIndex { $0.epoch == b.epoch } }
    let curves: [(path: String, caption: String)] = figures.filter {
      [.accuracy, .loss].contains($0.name)
    }.map { ("figures/\($0.file)", $0.caption) }
    return [
      .heading("Training"), .prose(story),
      .table(
        Table(
          header: [
            "epoch", "loss", "accuracy", "val loss", "val accuracy", "learning rate", "seconds",
            "images/s",
          ], rows: rows, highlightedRow: row, numericColumns: Set(0...7))),
      .figureRow(curves),
    ] + confusionsOverTraining()
  }

  /// What the schedule and the weight average did, in words.
  private func recipeNotes() -> [Inline] {
    let spec = experiment.training
    var notes: [Inline] = []
    switch spec.schedule {
    case .cosine(let warmup, let floor):
      notes.append(
        .text(
          " The learning rate followed a cosine from \(Axis.format(spec.optimizer.learningRate)) "
            + "to \(Axis.format(floor)) over all \(spec.epochs) epochs, set before every step"
            + (warmup > 0
              ? ", after \(warmup) epoch\(warmup == 1 ? "" : "s") of linear warmup." : ".")
        ))
    case .oneCycle(let fraction, let div, let finalDiv, let momentum):
      notes.append(
        .text(
          " The learning rate followed one cycle (PyTorch's OneCycleLR): up from "
            + "\(Axis.format(spec.optimizer.learningRate / div)) to "
            + "\(Axis.format(spec.optimizer.learningRate)) over the first "
            + "\(Int((fraction * 100).rounded()))% of the steps, then down to "
            + "\(Axis.format(spec.optimizer.learningRate / div / finalDiv))"
            + (momentum.map {
              ", the momentum moving between \($0.upperBound) and \($0.lowerBound)."
            }
              ?? ".")))
    case nil: break
    }
    if let ema = spec.ema {
      notes.append(
        .text(
          " Validation scores and the kept model use an exponential moving average of the weights "
            + "(momentum \(ema)), updated after every step."))
    }
    return notes
  }

  /// Says that the test set chose nothing, and which epoch's weights were kept.
  var selectionNote: Inline {
    let restored = log.events.compactMap { event -> Int? in
      if case .restoredBestWeights(let epoch) = event { return epoch }
      return nil
    }.last
    let kept =
      restored.map { "the weights of epoch \($0), the best on validation accuracy" }
      ?? "the weights of the last epoch"
    return .text(
      " Selection used validation data only: the model scored here holds \(kept); the test "
        + "images were scored once, after training, and chose nothing.")
  }

  /// The strip of validation confusion matrices, with the mistakes of the first and last epochs
  /// shown put in words.
  private func confusionsOverTraining() -> [Cell] {
    guard let strip = figure(.confusionByEpoch) else { return [] }
    let recorded = log.epochs.filter { $0.valConfusion != nil }
    var story: [Inline] = [
      .text(
        "How the validation mistakes changed over training"
          + (recorded.count > RunFigures.confusionPanels
            ? " (\(RunFigures.confusionPanels) of \(recorded.count) epochs, evenly spaced)" : "")
          + ".")
    ]
    if let first = recorded.first, let last = recorded.last, first.epoch != last.epoch,
      let (truth, predicted, count) = Self.worstConfusion(last.valConfusion ?? [])
    {
      let names = data.validation.classNames
      story.append(
        .text(
          " Mistakes went from \(Self.mistakes(first.valConfusion ?? [])) after epoch "
            + "\(first.epoch) to \(Self.mistakes(last.valConfusion ?? [])) after epoch "
            + "\(last.epoch); the most frequent one left is \(names[truth]) taken for "
            + "\(names[predicted]) (\(count) images)."))
    }
    return [.heading("Confusions over training"), .prose(story), strip]
  }

  /// Off-diagonal counts of a confusion matrix.
  static func mistakes(_ counts: [[Int]]) -> Int {
    counts.enumerated().reduce(0) { sum, row in
      sum + row.element.enumerated().reduce(0) { $0 + ($1.offset == row.offset ? 0 : $1.element) }
    }
  }

  /// The largest off-diagonal cell (true, predicted, count), nil when there is no mistake.
  static func worstConfusion(_ counts: [[Int]]) -> (Int, Int, Int)? {
    var worst: (Int, Int, Int)?
    for (t, row) in counts.enumerated() {
      for (p, count) in row.enumerated() where p != t && count > (worst?.2 ?? 0) {
        worst = (t, p, count)
      }
    }
    return worst
  }
}
