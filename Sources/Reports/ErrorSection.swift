import Datasets
import ErrorAnalysis
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots

/// Where a model looked: the checked saliency method and its maps, scaled to [0, 1], for the test
/// digits the report shows.
struct SaliencyMaps {
  /// The method and its evidence.
  var checked: CheckedSaliency
  /// The method as the report names it ("Grad-CAM on conv2d_3").
  var description: String
  /// Test index → map over its pixels.
  var maps: [Int: [Float]]

  /// How many test digits the checks run on.
  static let checkDigits = 100

  /// Checks the method on the first test digits, with `randomised` (the model's architecture
  /// with fresh weights), then maps test digits `indices` for the classes `model` predicts.
  init(
    model: Sequential, randomised: Sequential, test: Examples, predictions: [Int], indices: [Int]
  ) {
    let inputs = (0..<min(Self.checkDigits, test.count)).flatMap { test.scalars(of: $0) }
    checked = CheckedSaliency(model: model, randomised: randomised, inputs: inputs)
    description = checked.saliency.description(layerNames: model.layerNames)
    let shown = Array(Set(indices)).sorted()
    let size = Saliency.pixelCount(of: model)
    let raw = checked.saliency.maps(
      model: model, inputs: shown.flatMap { test.scalars(of: $0) },
      classes: shown.map { predictions[$0] })
    let scaled = Saliency.normalised(raw, size: size)
    maps = Dictionary(
      uniqueKeysWithValues: shown.enumerated().map { i, index in
        (index, Array(scaled[(i * size)..<((i + 1) * size)]))
      })
  }
}

/// The Errors section of a run's or an ensemble's report: the most-confused pairs, the hardest
/// test images with where the model looked, calibration, and the labels confident learning
/// doubts.
public struct ErrorSection {
  var findings: ErrorFindings
  var evaluation: Evaluation
  var test: ImageDataset
  var saliency: SaliencyMaps?
  var colormap: Plots.Colormap
  /// Where the saliency maps come from when it is not the model itself (an ensemble's best
  /// member), for the prose.
  var saliencySource: String?
  /// An ensemble's report says its probabilities are the better input.
  var isEnsemble: Bool

  /// How many suspect labels the gallery shows.
  static let suspectsShown = 50

  /// Computes and draws into `directory` everything the section of `model`'s report shows, as a
  /// run's report does: `report bench` times it on the paper's model.
  public static func draw(
    model: Sequential, randomised: Sequential, evaluation: Evaluation, test: ImageDataset,
    validation: (probabilities: [Float], labels: [Int32]), mistakes: Int, into directory: String
  ) throws {
    let findings = ErrorFindings(
      evaluation: evaluation, labels: test.labels, validation: validation)
    _ = try ErrorSection(
      model: model, randomised: randomised, findings: findings, evaluation: evaluation, test: test,
      mistakes: Array(RunFigures.misclassified(evaluation, labels: test.labels).prefix(mistakes)),
      colormap: .binary
    ).render(into: directory)
  }

  private var names: [String] { test.classNames }

  // MARK: - Figures

  /// Draws the section's figures into `directory`.
  func render(into directory: String) throws -> [RunFigures.Item] {
    var items: [RunFigures.Item] = []
    func draw(_ figure: Figure, _ name: FigureName) throws {
      try figure.render(to: "\(directory)/\(name.file)")
      items.append(RunFigures.Item(name: name))
    }
    try draw(confusedPairsGrid(), .confusedPairs)
    try draw(hardestGrid(), .hardest)
    try draw(reliabilityChart(), .reliability)
    try draw(suspectsGrid(), .suspectLabels)
    return items
  }

  private func tile(_ index: Int, caption: [String], highlighted: Bool = false) -> ImageGrid.Tile {
    ImageGrid.Tile(
      pixels: test.image(index), rows: test.rows, columns: test.columns, caption: caption,
      highlighted: highlighted, overlay: saliency?.maps[index])
  }

  private func grid(_ tiles: [ImageGrid.Tile], title: String, columns: Int) -> ImageGrid {
    var grid = ImageGrid(tiles: tiles, title: title, columns: columns)
    grid.imageSide = 84
    grid.colormap = colormap
    return grid
  }

  func confusedPairsGrid() -> ImageGrid {
    let k = names.count
    let tiles = findings.confusedPairs.flatMap { pair in
      pair.examples.map { index in
        ImageGrid.Tile(
          pixels: test.image(index), rows: test.rows, columns: test.columns,
          caption: [
            "\(names[pair.truth]) → \(names[pair.predicted]) (\(pair.count)×)",
            String(
              format: "p %.2f", evaluation.probabilities[index * k + pair.predicted]),
          ])
      }
    }
    return grid(tiles, title: "Most-confused pairs, their most confident examples", columns: 6)
  }

  func hardestGrid() -> ImageGrid {
    grid(
      findings.hardest.map {
        tile(
          $0.index,
          caption: [
            "Label \(names[$0.label]), loss \(String(format: "%.1f", $0.loss))",
            String(format: "Predicted %@ (%.0f%%)", names[$0.predicted], $0.probability * 100),
          ], highlighted: $0.label != $0.predicted)
      }, title: "The \(findings.hardest.count) hardest test images", columns: 8)
  }

  func suspectsGrid() -> ImageGrid {
    let shown = findings.suspects.prefix(Self.suspectsShown)
    var grid = grid(
      shown.map {
        ImageGrid.Tile(
          pixels: test.image($0.index), rows: test.rows, columns: test.columns,
          caption: [
            "#\($0.index): \(names[$0.given]) → \(names[$0.suggested])",
            String(format: "score %.4f", $0.score),
          ], highlighted: $0.flagged)
      },
      title: "The \(shown.count) most suspect test labels (flagged ones framed in red)", columns: 10
    )
    grid.imageSide = 72
    return grid
  }

  func reliabilityChart() -> LineChart {
    func points(_ reliability: Reliability) -> (x: [Double], y: [Double]) {
      let bins = reliability.bins.filter { $0.count > 0 }
      return (bins.map(\.meanConfidence), bins.map(\.accuracy))
    }
    let before = points(findings.calibration.reliability)
    var series = [
      LineChart.Series(
        name: "perfect calibration", x: [0, 1], y: [0, 1], color: .axis, dashed: true),
      LineChart.Series(
        name: String(
          format: "as trained (ECE %.4f)", findings.calibration.reliability.expectedCalibrationError
        ),
        x: before.x, y: before.y, color: Palette.color(0)),
    ]
    if let scaled = findings.calibration.scaledReliability, let t = findings.calibration.scaling {
      let after = points(scaled)
      series.append(
        .init(
          name: String(
            format: "temperature %.2f (ECE %.4f)", t.temperature, scaled.expectedCalibrationError),
          x: after.x, y: after.y, color: Palette.color(1)))
    }
    return LineChart(
      title: "Reliability on the test set (10 confidence bins)", xLabel: "mean confidence",
      yLabel: "accuracy", series: series)
  }

  // MARK: - Cells

  /// The section, with `figure` turning a drawn figure into its cell.
  func cells(_ figure: (FigureName) -> Cell?) -> [Cell] {
    var cells: [Cell] = [.heading("Errors")]
    cells += confusionCells(figure)
    cells += hardestCells(figure)
    cells += calibrationCells(figure)
    cells += suspectCells(figure)
    return cells
  }

  private func confusionCells(_ figure: (FigureName) -> Cell?) -> [Cell] {
    guard !findings.confusedPairs.isEmpty else {
      return [.prose([.text("No test image is misclassified, so no pair is confused.")])]
    }
    let support = evaluation.confusion.map { $0.reduce(0, +) }
    return [
      .prose([
        .text(
          "The \(findings.confusedPairs.count) most frequent mistakes, true class → predicted, "
            + "with the share of the true class's test images each takes:")
      ]),
      .table(
        Table(
          header: ["true", "predicted", "count", "share of class"],
          rows: findings.confusedPairs.map {
            [
              names[$0.truth], names[$0.predicted], String($0.count),
              percentText(Double($0.count) / Double(max(support[$0.truth], 1))),
            ]
          }, numericColumns: [2, 3])),
    ] + [figure(.confusedPairs)].compactMap { $0 }
  }

  private func hardestCells(_ figure: (FigureName) -> Cell?) -> [Cell] {
    var prose: [Inline] = [
      .text(
        "The test images with the highest loss (−log p of the label), each with what the model "
          + "predicted and how sure it was.")
    ]
    if let saliency {
      let c = saliency.checked
      prose += [
        .text(
          " The orange overlay\(isEnsemble ? "" : ", here and on the mistakes gallery above,") "
            + "is where the model looked for the class it predicted: "),
        .strong(saliency.description),
        .text(saliencySource.map { " (\($0))" } ?? ""),
        .text(
          String(
            format: ". Checked on the first %d test images: blanking the 10%% most salient pixels "
              + "lowers the predicted class's probability by %.3f on average, against %.3f for "
              + "as many random pixels; with the weights randomised, the maps' rank correlation "
              + "with these is %.2f (under %.1f means the maps show what the model learned).",
            c.digits, c.deletion.salientDrop, c.deletion.randomDrop, c.randomisationCorrelation,
            CheckedSaliency.randomisationLimit)),
      ]
      if !c.passes {
        prose.append(.strong(" The maps fail these checks on this model: do not read them."))
      }
    }
    return [.heading("Hardest test images"), .prose(prose)]
      + [figure(.hardest)].compactMap { $0 }
  }

  private func calibrationCells(_ figure: (FigureName) -> Cell?) -> [Cell] {
    let c = findings.calibration
    var prose: [Inline] = [
      .text("How far confidence is from accuracy: the expected calibration error over 10 "),
      .text("confidence bins is "),
      .strong(String(format: "%.4f", c.reliability.expectedCalibrationError)),
    ]
    if let scaling = c.scaling, let scaled = c.scaledReliability {
      prose += [
        .text(
          String(
            format: ". Temperature scaling fitted on the validation set (T = %.3f: %@) brings it "
              + "to %.4f without changing a single prediction; ", scaling.temperature,
            scaling.temperature > 1
              ? "the model was overconfident" : "the model was underconfident",
            scaled.expectedCalibrationError)),
        .code("report predict RUN --calibrated"), .text(" applies it."),
      ]
    } else {
      prose.append(
        .text(
          ". No temperature is fitted: "
            + (isEnsemble
              ? "each member validated on a split of its own, so the ensemble has no validation "
                + "set its members did not train on."
              : "the run recorded no validation predictions.")))
    }
    return [.heading("Calibration"), .prose(prose)] + [figure(.reliability)].compactMap { $0 }
  }

  private func suspectCells(_ figure: (FigureName) -> Cell?) -> [Cell] {
    var prose: [Inline] = [
      .text(
        "Confident learning (Northcutt et al. 2021, as cleanlab computes it) scores each test "
          + "label by the probability the model gives it and flags labels the confident joint "
          + "says are wrong (per-class thresholds, pruning by noise rate). It flags "),
      .strong("\(findings.flaggedCount)"),
      .text(
        " of \(findings.suspects.count.withThousandsSeparators) test labels. The gallery shows "
          + "the most suspect, each with its given label, the class the model prefers and the "
          + "score; "),
      .link("suspect_labels.csv", href: "suspect_labels.csv"),
      .text(" lists the \(min(100, findings.suspects.count)) most suspect. "),
    ]
    prose += [
      .text(
        "An ensemble's averaged probabilities are the better input: one model's mistakes are "
          + "taken for label errors less often"),
      .text(isEnsemble ? ", and these are an ensemble's." : "; see "),
    ]
    if !isEnsemble { prose += [.code("report ensemble"), .text(".")] }
    return [.heading("Suspect labels"), .prose(prose)] + [figure(.suspectLabels)].compactMap { $0 }
  }
}

extension ErrorSection {
  /// The section of a trained `model` (not an ensemble), with saliency maps checked against
  /// `randomised` (its architecture, fresh weights) for the test digits its mistakes gallery
  /// shows (`mistakes`) and the hardest ones.
  init(
    model: Sequential, randomised: Sequential, findings: ErrorFindings, evaluation: Evaluation,
    test: ImageDataset, mistakes: [Int], colormap: Plots.Colormap
  ) throws {
    let saliency = SaliencyMaps(
      model: model, randomised: randomised, test: try ExperimentData.examples(test),
      predictions: evaluation.predictions, indices: mistakes + findings.hardest.map(\.index))
    self.init(
      findings: findings, evaluation: evaluation, test: test, saliency: saliency,
      colormap: colormap, saliencySource: nil, isEnsemble: false)
  }
}
