import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots
import Runs

/// The figures a run, the paper page and a benchmark draw, by file: the paper's figure numbers
/// where it has one.
public enum FigureName: String, CaseIterable, Sendable {
  case samples = "fig2_samples"
  case accuracy = "fig3a_accuracy"
  case loss = "fig3b_loss"
  case confusion = "fig4_confusion"
  case predictions = "fig5_predictions"
  case misclassified
  case perClassAccuracy = "per_class_accuracy"
  case model
  case confusionByEpoch = "confusion_by_epoch"
  case confusedPairs = "errors_confused_pairs"
  case hardest = "errors_hardest"
  case reliability = "errors_reliability"
  case suspectLabels = "errors_suspect_labels"

  /// The PNG's file name.
  public var file: String { rawValue + ".png" }

  /// What the run report says under the figure.
  public var caption: String {
    switch self {
    case .samples: return "Fig 2. Training samples with their labels."
    case .accuracy: return "Fig 3a. Training and validation accuracy per epoch."
    case .loss: return "Fig 3b. Training and validation loss per epoch (log scale)."
    case .confusion:
      return "Fig 4. Confusion matrix on the test set: rows are true classes, columns predictions."
    case .predictions:
      return "Fig 5. Test images with real and predicted classes; wrong predictions framed in red."
    case .misclassified: return "Misclassified test images, most confident mistakes first."
    case .perClassAccuracy: return "Per-class accuracy; the weakest class is highlighted."
    case .model: return "The model: one box per layer with its output shape and parameters."
    case .confusionByEpoch:
      return
        "Validation confusion matrices over training (rows true, columns predicted): mistakes in "
        + "red on one scale for the strip, right answers in grey."
    case .confusedPairs:
      return "The most-confused pairs (true → predicted, how often), their most confident examples."
    case .hardest:
      return "The test images with the highest loss; the overlay is where the model looked."
    case .reliability:
      return
        "Reliability diagram: accuracy against mean confidence per bin; the diagonal is perfect."
    case .suspectLabels:
      return "The most suspect test labels: given → suggested, and the label's score."
    }
  }
}

/// The figures of one run, drawn from what the run recorded, under the paper's figure numbers.
public struct RunFigures {
  /// A drawn figure: which one, and its file name inside the figures folder.
  public struct Item: Sendable {
    public var name: FigureName
    public var file: String { name.file }
    public var caption: String { name.caption }
    /// The figure as a page cell, from a page beside the figures folder.
    var cell: Cell { .figure(path: "figures/\(file)", caption: caption, alt: caption) }
  }

  /// Experiment name, for titles.
  public var name: String
  /// What to show: sample, gallery and misclassified counts, colormap.
  public var report: ReportSpec
  public var log: TrainingLog
  public var evaluation: Evaluation?
  public var data: ExperimentData
  public var summary: [Sequential.LayerSummary]
  /// Saliency maps over test digits by index ([0, 1], the image's size), drawn over them in the
  /// mistakes gallery.
  public var saliency: [Int: [Float]] = [:]
  /// The run these weights started from, whose layers the model diagram marks.
  public var transfer: TransferRecord?

  /// Digit images in the colormap the definition names.
  private var colormap: Plots.Colormap {
    switch report.colormap {
    case .gray: return .gray
    case .binary: return .binary
    case .viridis: return .viridis
    }
  }

  /// Galleries of test predictions show ink on paper unless another colormap is asked for.
  var galleryColormap: Plots.Colormap { report.colormap == .gray ? .binary : colormap }

  /// The figures of a run.
  public init(
    name: String, report: ReportSpec, log: TrainingLog, evaluation: Evaluation?,
    data: ExperimentData,
    summary: [Sequential.LayerSummary]
  ) {
    (self.name, self.report, self.log, self.evaluation) = (name, report, log, evaluation)
    (self.data, self.summary) = (data, summary)
  }
  private var classNames: [String] { data.test.classNames }

  /// Draws every figure into `directory` (created if needed), returning what was drawn.
  @discardableResult
  public func render(into directory: String) throws -> [Item] {
    try Directory.create(directory)
    var items: [Item] = []
    func draw(_ figure: Figure, _ name: FigureName) throws {
      try figure.render(to: "\(directory)/\(name.file)")
      items.append(Item(name: name))
    }
    try draw(sampleStrip(), .samples)
    if !log.epochs.isEmpty {
      try draw(curves(accuracy: true), .accuracy)
      try draw(curves(accuracy: false), .loss)
    }
    if let strip = confusionStrip() { try draw(strip, .confusionByEpoch) }
    if let evaluation {
      try draw(
        Heatmap(
          confusion: evaluation.confusion, classNames: classNames,
          title: "Confusion matrix (test set)"),
        .confusion)
      try draw(gallery(evaluation), .predictions)
      try draw(misclassifiedGallery(evaluation), .misclassified)
      var bars = BarChart(
        categories: classNames, values: evaluation.perClass.map(\.recall),
        title: "Per-class accuracy (recall) on the test set", yLabel: "accuracy")
      bars.highlighted = evaluation.perClass.indices.min {
        evaluation.perClass[$0].recall < evaluation.perClass[$1].recall
      }
      try draw(bars, .perClassAccuracy)
    }
    try draw(diagram(), .model)
    return items
  }

  /// Fig 2: the first training images with their labels.
  public func sampleStrip() -> ImageGrid {
    let count = min(report.samples, data.train.count)
    let tiles = (0..<count).map { i in
      ImageGrid.Tile(
        pixels: data.train.image(i), rows: data.train.rows, columns: data.train.columns,
        caption: ["Real Number is \(classNames[Int(data.train.labels[i])])"])
    }
    var grid = ImageGrid(tiles: tiles, title: "Training samples", columns: max(1, min(count, 8)))
    grid.colormap = colormap
    return grid
  }

  /// Fig 3a (accuracy) or 3b (loss) per epoch, with the best epoch and callback events marked.
  public func curves(accuracy: Bool) -> LineChart {
    let epochs = log.epochs
    let x = epochs.map { Double($0.epoch) }
    let train = epochs.map { accuracy ? $0.accuracy : $0.loss }
    let validation = epochs.map { (accuracy ? $0.valAccuracy : $0.valLoss) ?? .nan }
    var series = [
      LineChart.Series(
        name: accuracy ? "Training accuracy" : "Training loss", x: x, y: train,
        color: Palette.color(0))
    ]
    if validation.contains(where: { $0.isFinite }) {
      series.append(
        .init(
          name: accuracy ? "Validation accuracy" : "Validation loss", x: x, y: validation,
          color: Palette.color(1)))
    }
    var chart = LineChart(
      title: accuracy ? "Accuracy" : "Loss",
      yLabel: accuracy ? "accuracy" : "categorical cross-entropy", series: series)
    chart.logScale = !accuracy
    if let best = log.bestEpoch, let value = accuracy ? best.valAccuracy : best.valLoss {
      chart.highlight = .init(
        x: Double(best.epoch), y: value,
        label: accuracy
          ? String(format: "best %.2f%% (epoch %d)", value * 100, best.epoch)
          : "epoch \(best.epoch)")
    }
    chart.events = log.events.compactMap { event in
      switch event {
      case .learningRateChanged(let epoch, _, let to):
        return .init(x: Double(epoch), label: "lr → \(Axis.format(to))")
      case .earlyStopped(let epoch, _):
        return .init(x: Double(epoch), label: "early stop", color: .error)
      case .restoredBestWeights: return nil
      }
    }
    chart.secondary = (
      "learning rate", [.init(name: "learning rate", x: x, y: epochs.map(\.learningRate))]
    )
    return chart
  }

  /// The validation confusion matrices of (at most `confusionPanels` of) the epochs, nil when
  /// the run recorded none (runs from before they were kept, runs without validation).
  public func confusionStrip() -> ConfusionStrip? {
    guard let row = Self.confusionRow(log, label: "", epochs: nil) else { return nil }
    return ConfusionStrip(rows: [row], title: "Validation confusions by epoch")
  }

  /// Panels shown in a strip of confusion matrices: enough to see the trend at a readable size.
  static let confusionPanels = 10

  /// One strip row of `log`'s validation confusion matrices for `epochs` (by default an even
  /// sample of the run's own epochs), nil when no epoch recorded one.
  static func confusionRow(_ log: TrainingLog, label: String, epochs: [Int]?) -> ConfusionStrip.Row?
  {
    guard log.epochs.contains(where: { $0.valConfusion != nil }) else { return nil }
    let shown =
      epochs
      ?? ConfusionStrip.sample(log.epochs.count, limit: confusionPanels).map {
        log.epochs[$0].epoch
      }
    return ConfusionStrip.Row(
      label: label,
      panels: shown.map { epoch in
        ConfusionStrip.Panel(
          label: "epoch \(epoch)", counts: log.epochs.first { $0.epoch == epoch }?.valConfusion)
      })
  }

  /// Test image `index` captioned with its class and prediction; `showsSaliency` draws its
  /// saliency map over it when there is one.
  private func tile(_ index: Int, _ evaluation: Evaluation, showsSaliency: Bool = false)
    -> ImageGrid.Tile
  {
    let truth = Int(data.test.labels[index])
    let predicted = evaluation.predictions[index]
    let probability = evaluation.probabilities[index * classNames.count + predicted]
    return ImageGrid.Tile(
      pixels: data.test.image(index), rows: data.test.rows, columns: data.test.columns,
      caption: [
        "Real \(classNames[truth])",
        String(format: "Predicted %@ (%.0f%%)", classNames[predicted], probability * 100),
      ],
      highlighted: truth != predicted, overlay: showsSaliency ? saliency[index] : nil)
  }

  /// Fig 5: the first test images with real and predicted classes.
  public func gallery(_ evaluation: Evaluation) -> ImageGrid {
    let count = min(report.gallery, data.test.count)
    var grid = ImageGrid(
      tiles: (0..<count).map { tile($0, evaluation) }, title: "Predictions on the test set",
      columns: max(1, min(count, 4)))
    grid.colormap = galleryColormap
    return grid
  }

  /// The test images the model gets wrong, the most confident mistakes first.
  public func misclassified(_ evaluation: Evaluation) -> [Int] {
    Self.misclassified(evaluation, labels: data.test.labels)
  }

  /// The examples `evaluation` gets wrong against `labels`, the most confident mistakes first.
  static func misclassified(_ evaluation: Evaluation, labels: [Int32]) -> [Int] {
    let k = evaluation.confusion.count
    return labels.indices.filter { Int(labels[$0]) != evaluation.predictions[$0] }
      .sorted {
        evaluation.probabilities[$0 * k + evaluation.predictions[$0]]
          > evaluation.probabilities[$1 * k + evaluation.predictions[$1]]
      }
  }

  /// The most confident mistakes on the test set.
  public func misclassifiedGallery(_ evaluation: Evaluation) -> ImageGrid {
    let wrong = misclassified(evaluation)
    let shown = Array(wrong.prefix(report.misclassified))
    var grid = ImageGrid(
      tiles: shown.map { tile($0, evaluation, showsSaliency: true) },
      title: "Misclassified: \(shown.count) of \(wrong.count)", columns: 8)
    grid.imageSide = 84
    grid.colormap = galleryColormap
    return grid
  }

  /// The model, one box per layer.
  public func diagram() -> ModelDiagram {
    var diagram = ModelDiagram(
      inputShape: [data.train.rows, data.train.columns, 1],
      boxes: summary.map {
        .init(
          kind: $0.kind, settings: $0.settings, outputShape: $0.outputShape,
          parameters: $0.parameters, origin: origin(of: $0.name))
      },
      title:
        "\(name): \(summary.reduce(0) { $0 + $1.parameters }.withThousandsSeparators) parameters")
    if let transfer {
      diagram.originLegend =
        "Blue borders: weights from run \(transfer.runID) of \(transfer.experiment); "
        + "dashed: frozen"
    }
    return diagram
  }

  /// Whether layer `name` started from the transfer source, and whether it was frozen.
  private func origin(of name: String) -> ModelDiagram.Origin? {
    guard let transfer, transfer.loadedLayers.contains(name) else { return nil }
    return transfer.frozenLayers.contains(name) ? .loadedFrozen : .loaded
  }
}
