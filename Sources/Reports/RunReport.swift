import Deployment
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots
import Runs

/// Composes a run's `report.html` as a notebook: header, configuration, model, data, training,
/// results, confusion, predictions, with prose that states the numbers.
struct RunReport {
  var paths: RunPaths
  var experiment: Experiment
  var summary: RunSummary
  /// The process that trains or trained the run, when it recorded one.
  var heartbeat: RunHeartbeat?
  var log: TrainingLog
  var evaluation: Evaluation?
  var data: ExperimentData
  var model: [Sequential.LayerSummary]
  var trainableParameters: Int
  var figures: [RunFigures.Item]
  /// What the run's ONNX exports cost, when it recorded them.
  var deployment: DeploymentSummary?
  /// The error analysis, once the run has a test evaluation.
  var errors: ErrorSection?

  /// The figure `name` as a cell, when it was drawn.
  func figure(_ name: FigureName) -> Cell? {
    figures.first { $0.name == name }?.cell
  }

  /// `v` formatted, or a dash when there is none.
  static func number(_ v: Double?, _ format: String = "%.4f") -> String {
    v.map { String(format: format, $0) } ?? "–"
  }
  /// Seconds between reloads of a page that shows a running run: its report, and the index
  /// while any run trains. Reports are rewritten after every epoch.
  static let refreshSeconds = 15

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600
      ? String(format: "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60)
      : (s >= 60 ? String(format: "%dm %02ds", s / 60, s % 60) : String(format: "%.1fs", seconds))
  }

  func notebook() -> Notebook {
    let p = summary.provenance
    var facts: [(String, String)] = [
      ("Experiment", experiment.name), ("Run", summary.runID), ("Status", summary.status.rawValue),
      ("Started", summary.startedAt), ("Duration", Self.duration(summary.totalSeconds)),
      ("Machine", p.machine), ("Threads", String(p.threads)), ("Swift", p.swiftVersion),
      ("BLAS", p.blas),
      (
        "Git commit",
        (p.gitCommit.map { String($0.prefix(12)) } ?? "not a git checkout")
          + (p.gitDirty == true ? " (uncommitted changes)" : "")
      ),
      ("Config hash", String(summary.configHash.prefix(16))), ("report", p.binaryVersion),
    ]
    // Runs recorded before the oneDNN engine have no engine facts; their pages stay as they were.
    if let engine = p.engine {
      facts.insert(("Engine", "\(engine), \(p.isa ?? "unknown ISA")"), at: 8)
    }
    var cells: [Cell] = []
    switch summary.status {
    case .failed:
      cells.append(
        .callout(
          [.strong("Failed. "), .text(summary.failureReason ?? "unknown reason")], warning: true))
    case .interrupted:
      cells.append(
        .callout(
          [
            .strong("Interrupted "), .text("after epoch \(summary.epochsRun). Continue it with "),
            .code(RunCommands.resume(paths)), .text("."),
          ], warning: true))
    case .running:
      let finished = log.epochs.last?.epoch ?? 0
      cells.append(
        .callout(
          [
            .text(
              "This run is still training; the report shows the epochs finished so far and "
                + "reloads itself every \(Self.refreshSeconds) seconds.")
          ],
          warning: false))
      cells.append(
        .progress(
          [.text("Epoch \(finished) of \(experiment.training.epochs) finished")], done: finished,
          total: experiment.training.epochs))
    case .lost: cells.append(lostCallout())
    case .pruned:
      let epoch = summary.pruning.map { " after epoch \($0.epoch)" } ?? ""
      cells.append(
        .callout(
          [.strong("Pruned\(epoch). "), .text(summary.pruning?.reason ?? "stopped by its sweep")],
          warning: false))
    // A queued trial has no folder yet, so never a page.
    case .completed, .queued: break
    }
    if let sweep = summary.sweep {
      let values = sweep.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      cells.append(
        .prose([
          .text("Trial \(sweep.trial) of the sweep "), .code(sweep.name), .text(": "),
          .code(values.joined(separator: " ")), .text("."),
        ]))
    }
    if !experiment.description.isEmpty { cells.append(.prose([.text(experiment.description)])) }
    cells +=
      configuration() + modelSection() + dataSection() + trainingSection() + resultsSection()
      + (errors?.cells(figure) ?? []) + deploymentSection()
    return Notebook(
      title: "\(experiment.name) — run \(summary.runID)",
      subtitle: "\(summary.status.rawValue.capitalized) · \(summary.startedAt)", facts: facts,
      cells: cells, refreshSeconds: summary.status == .running ? Self.refreshSeconds : nil)
  }

  /// What happened to a lost run and the command that continues it, or starts it again when it
  /// saved no checkpoint.
  private func lostCallout() -> Cell {
    let process =
      heartbeat.map {
        "its process (\($0.process.pid) on \($0.process.host), last heartbeat \($0.updatedAt)) "
      } ?? "its process "
    guard FileManager.default.fileExists(atPath: paths.checkpoint) else {
      return .callout(
        [
          .strong("Lost before its first epoch finished: "),
          .text(process + "is gone and left no checkpoint to continue from. Start it again with "),
          .code(RunCommands.startAgain(summary, paths: paths)), .text("."),
        ], warning: true)
    }
    return .callout(
      [
        .strong("Lost after epoch \(log.epochs.last?.epoch ?? 0): "),
        .text(process + "is gone. Continue it from its last checkpoint with "),
        .code(RunCommands.resume(paths)), .text("."),
      ], warning: true)
  }

  private func configuration() -> [Cell] {
    [
      .heading("Configuration"),
      .prose([
        .text("The experiment as it ran, after "), .code("extends:"), .text(" and "),
        .code("--set"), .text(" were applied. Seed \(experiment.seed); config hash "),
        .code(String(summary.configHash.prefix(16))), .text("."),
      ]),
      .code(experiment.resolved.yaml(), language: "yaml"),
    ]
  }

  private func modelSection() -> [Cell] {
    let total = model.reduce(0) { $0 + $1.parameters }
    let transfer = summary.transfer
    var rows = model.map {
      [
        "\($0.name) (\($0.kind))" + Self.transferMark($0.name, transfer),
        "(None, " + $0.outputShape.map(String.init).joined(separator: ", ") + ")",
        $0.parameters.withThousandsSeparators,
      ]
    }
    rows.append(["Total params", "", total.withThousandsSeparators])
    rows.append(["Trainable params", "", trainableParameters.withThousandsSeparators])
    rows.append(["Non-trainable params", "", (total - trainableParameters).withThousandsSeparators])
    return [
      .heading("Model"),
      .prose([
        .text(
          "\(model.count) layers and \(total.withThousandsSeparators) parameters, "
            + "\(trainableParameters.withThousandsSeparators) of them trainable"
            + (total > trainableParameters
              ? " (the rest are batch-normalisation moving statistics)" : "")
            + ", summarised as Keras's "), .code("model.summary()"), .text(" would."),
      ]),
      .table(
        Table(
          header: ["Layer (type)", "Output Shape", "Param #"], rows: rows, numericColumns: [2])),
    ] + (transfer.map { [transferProse($0)] } ?? []) + [figure(.model)].compactMap { $0 }
  }

  /// " · loaded" or " · loaded, frozen" for a layer a transfer run took from its source.
  private static func transferMark(_ layer: String, _ transfer: TransferRecord?) -> String {
    guard let transfer, transfer.loadedLayers.contains(layer) else { return "" }
    return transfer.frozenLayers.contains(layer) ? " · loaded, frozen" : " · loaded"
  }

  /// Where a transfer run's weights came from, with a link to the source run's report.
  private func transferProse(_ transfer: TransferRecord) -> Cell {
    let source = URL(fileURLWithPath: transfer.directory)
    let href =
      "../../\(source.deletingLastPathComponent().lastPathComponent)/\(source.lastPathComponent)"
      + "/report.html"
    let frozen =
      transfer.frozenLayers.isEmpty ? "none" : transfer.frozenLayers.joined(separator: ", ")
    let unfreeze =
      transfer.unfreezeAt.map { ", until epoch \($0), after which every layer trains" } ?? ""
    return .prose([
      .text("Initial weights of "), .code(transfer.loadedLayers.joined(separator: ", ")),
      .text(" from run "), .link(transfer.runID, href: href),
      .text(" of \(transfer.experiment) (marked loaded above); frozen: \(frozen)\(unfreeze)."),
    ])
  }

  private func dataSection() -> [Cell] {
    let names = data.train.classNames
    let counts = [data.train.classCounts, data.validation.classCounts, data.test.classCounts]
    let rows = names.indices.map { k in [names[k]] + counts.map { String($0[k]) } }
    return [
      .heading("Data"),
      .prose([
        .text(
          "\(data.sourceDescription): \(data.train.count.withThousandsSeparators) training, "
            + "\(data.validation.count.withThousandsSeparators) validation (a stratified "
            + "\(Int(experiment.dataset.validationSplit * 100))% split, seed \(experiment.seed)) "
            + "and \(data.test.count.withThousandsSeparators) test images of "
            + "\(data.train.rows)x\(data.train.columns) pixels, scaled to [0, 1]."
            + dataSelection()
        )
      ]),
      .table(
        Table(
          header: ["class", "train", "validation", "test"], rows: rows, numericColumns: [1, 2, 3],
          caption: "Images per class.")),
    ] + [figure(.samples)].compactMap { $0 }
  }

  /// What `dataset.classes` and `dataset.labels_per_class` kept, as sentences after the data's
  /// description; empty when they are not set.
  private func dataSelection() -> String {
    var note = ""
    if let classes = experiment.dataset.classes {
      let names = experiment.dataset.classNames
      note +=
        " Only classes \(names.joined(separator: ", ")) are kept (dataset.classes), relabelled "
        + "0 to \(classes.count - 1) in that order, training and test alike."
    }
    if let n = experiment.dataset.labelsPerClass {
      note +=
        " \(n) labelled images per class are kept (dataset.labels_per_class, chosen by seed "
        + "\(experiment.seed)), before the validation split takes its share."
    }
    return note
  }

  private func resultsSection() -> [Cell] {
    guard let evaluation else {
      return [
        .heading("Results"),
        .prose([
          .text("The run did not reach a model worth evaluating, so there are no test metrics.")
        ]),
      ]
    }
    let names = data.test.classNames
    let correct = Int((evaluation.accuracy * Double(data.test.count)).rounded())
    var cells: [Cell] = [
      .heading("Results"),
      .prose([
        .text("On \(data.test.count.withThousandsSeparators) test images the model is right "),
        .strong(percentText(evaluation.accuracy)),
        .text(
          " of the time (\(correct.withThousandsSeparators) correct, "
            + "\((data.test.count - correct).withThousandsSeparators) wrong), with a loss of "
            + "\(Self.number(evaluation.loss)). The best validation accuracy was "
            + "\(percentText(summary.bestValAccuracy))."
        ),
        selectionNote,
      ]),
      .table(
        Table(
          header: ["metric", "validation (best epoch)", "test"],
          rows: [
            ["accuracy", percentText(summary.bestValAccuracy), percentText(evaluation.accuracy)],
            ["loss", Self.number(log.bestEpoch?.valLoss), Self.number(evaluation.loss)],
          ], numericColumns: [1, 2])),
      .heading("Confusion matrix"),
    ]
    cells += [figure(.confusion)].compactMap { $0 }
    let perClass = evaluation.perClass.enumerated().map { k, m in
      [
        names[k], percentText(m.precision), percentText(m.recall), Self.number(m.f1),
        String(m.support),
      ]
    }
    let weakest = evaluation.perClass.indices.min {
      evaluation.perClass[$0].f1 < evaluation.perClass[$1].f1
    }
    cells.append(
      .prose([
        .text(
          "Precision, recall and F1 per class"
            + (weakest.map {
              "; the weakest class is \(names[$0]) (F1 \(Self.number(evaluation.perClass[$0].f1)))."
            } ?? "."))
      ]))
    cells.append(
      .table(
        Table(
          header: ["class", "precision", "recall", "F1", "support"], rows: perClass,
          highlightedRow: weakest, numericColumns: [1, 2, 3, 4])))
    let pairs = evaluation.confusion.indices.flatMap { t in
      evaluation.confusion[t].indices.filter { $0 != t }.map {
        (t, $0, evaluation.confusion[t][$0])
      }
    }
    .filter { $0.2 > 0 }.sorted { ($0.2, -$0.0) > ($1.2, -$1.0) }.prefix(5)
    if !pairs.isEmpty {
      cells.append(.prose([.text("The most frequent confusions:")]))
      cells.append(
        .table(
          Table(
            header: ["true", "predicted", "count"],
            rows: pairs.map { [names[$0.0], names[$0.1], String($0.2)] }, numericColumns: [2])))
    }
    cells.append(.heading("Predictions"))
    cells += [figure(.predictions), figure(.perClassAccuracy), figure(.misclassified)].compactMap {
      $0
    }
    return cells
  }
}
