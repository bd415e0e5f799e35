import AtomicFiles
import Datasets
import Deployment
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots
import Runs

/// One HTML page comparing experiments: metrics with the best marked, overlaid curves, accuracy
/// against parameters and time, the config diff, confusion matrices and their difference, digits
/// one model gets right and another wrong, and differences with confidence intervals over seeds.
public struct ComparisonReport {
  /// A compared configuration and its finished runs (one per seed).
  struct Group {
    var name: String
    var runs: [RunRecord]
    var experiment: Experiment { runs[0].experiment }
    var testAccuracies: [Double] { runs.compactMap(\.summary.testAccuracy) }
    /// An ensemble of other runs: no training of its own, so no curves or speed.
    var isEnsemble: Bool { runs[0].summary.ensemble != nil }
  }

  public var title: String
  let groups: [(name: String, runs: [RunPaths])]
  /// Embeds the figures in the page, so that one file can be mailed; links them otherwise.
  public var singleFile: Bool
  /// Which files the page is written as.
  public var format: PageFormat

  /// A comparison of `groups`, each an experiment name with its runs.
  public init(
    title: String, groups: [(name: String, runs: [RunPaths])], singleFile: Bool = false,
    format: PageFormat = .html
  ) {
    self.title = title
    self.groups = groups
    self.singleFile = singleFile
    self.format = format
  }

  /// Writes the page and its figures into `directory`; returns the page's path (the notebook's
  /// when only it is written).
  @discardableResult
  public func write(to directory: String) throws -> String {
    // A name whose runs differ in more than the seed becomes one group per configuration:
    // runs of different configurations are never averaged together.
    let loaded = try groups.flatMap { name, runs -> [Group] in
      guard !runs.isEmpty else { throw RunError.missingRun(name) }
      let records = try runs.map { paths -> RunRecord in
        let record = try RunRecord(loading: paths)
        try record.requireCompleted(for: "comparisons")
        return record
      }
      return ConfigurationGroups.split(name: name, runs: records).map {
        Group(name: $0.name, runs: $0.runs)
      }
    }
    try Directory.create(directory)
    var cells: [Cell] = [
      .prose([
        .text(
          "\(loaded.count) experiments, \(loaded.reduce(0) { $0 + $1.runs.count }) finished runs. "
            + "Values over several seeds are means with a 95% confidence interval."
        )
      ])
    ]
    cells += metricsSection(loaded)
    cells += try labelBudgetSection(loaded, directory)
    cells += try curvesSection(loaded, directory)
    cells += configDiff(loaded)
    cells += try confusionSection(loaded, directory)
    cells += try deploymentSection(loaded)
    return try PageWriter(format: format, singleFile: singleFile).write(
      Notebook(title: title, subtitle: loaded.map(\.name).joined(separator: " vs "), cells: cells),
      page: directory + "/index.html")
  }

  func metricsSection(_ groups: [Group]) -> [Cell] {
    let best = groups.indices.max {
      SeedStatistics(groups[$0].testAccuracies).mean
        < SeedStatistics(groups[$1].testAccuracies).mean
    }
    let rows = groups.map { g -> [String] in
      let acc = SeedStatistics(g.testAccuracies)
      let val = SeedStatistics(g.runs.compactMap(\.summary.bestValAccuracy))
      let seconds = SeedStatistics(g.runs.map(\.summary.trainingSeconds))
      let speed = SeedStatistics(g.runs.map { median($0.log.epochs.map(\.imagesPerSecond)) })
      return [
        g.name, String(g.runs.count),
        percentText(acc.mean)
          + (acc.count > 1 ? String(format: " (sd %.2f)", acc.standardDeviation * 100) : ""),
        acc.percentIntervalText,
        val.count > 0 ? percentText(val.mean) : "–",
        g.runs[0].summary.parameters.withThousandsSeparators, RunReport.duration(seconds.mean),
        g.isEnsemble ? "–" : String(format: "%.0f", speed.mean),
      ]
    }
    var cells: [Cell] = [
      .heading("Metrics"),
      .table(
        Table(
          header: [
            "experiment", "runs", "test accuracy", "95% CI (points)", "best val accuracy",
            "parameters", "training time", "images/s",
          ], rows: rows, highlightedRow: best, numericColumns: Set(1...7),
          caption: "The best mean test accuracy is highlighted.")),
    ]
    if let reference = groups.first, groups.count > 1 {
      cells.append(.prose([.text("Differences in test accuracy from \(reference.name):")]))
      cells.append(
        .table(
          Table(
            header: ["experiment", "difference"],
            rows: groups.dropFirst().map {
              [$0.name, Difference(reference.testAccuracies, $0.testAccuracies).verdict]
            })))
    }
    return cells
  }

  /// The ONNX exports' sizes, int8 accuracy and latency of each experiment's newest run that
  /// recorded them.
  func deploymentSection(_ groups: [Group]) throws -> [Cell] {
    var labels: [String] = []
    var summaries: [DeploymentSummary] = []
    for g in groups {
      for run in g.runs.reversed() {
        guard let d = try run.deployment() else { continue }
        labels.append("\(g.name) (\(run.paths.runID))")
        summaries.append(d)
        break
      }
    }
    guard !summaries.isEmpty else { return [] }
    return [
      .heading("Deployment"),
      .prose([
        .text(
          "Each experiment's newest run exported to ONNX in fp32 and int8 (see its report's "
            + "Deployment section).")
      ]),
      .table(DeploymentFacts.table(summaries, labels: labels)),
    ]
  }

  /// Per-epoch mean and band (±1 sd) over a group's seeds.
  func meanCurve(_ g: Group, _ value: (EpochMetrics) -> Double?) -> LineChart.Series {
    let longest = g.runs.map(\.log.epochs.count).max() ?? 0
    var x: [Double] = []
    var mean: [Double] = []
    var lower: [Double] = []
    var upper: [Double] = []
    for e in 0..<longest {
      let values = g.runs.compactMap { $0.log.epochs.count > e ? value($0.log.epochs[e]) : nil }
      let s = SeedStatistics(values)
      x.append(Double(e + 1))
      mean.append(s.mean)
      lower.append(s.mean - s.standardDeviation)
      upper.append(s.mean + s.standardDeviation)
    }
    return LineChart.Series(
      name: g.name, x: x, y: mean, band: g.runs.count > 1 ? (lower, upper) : nil)
  }

  private func curvesSection(_ all: [Group], _ directory: String) throws -> [Cell] {
    let groups = all.filter { !$0.isEnsemble }
    let ensembles = all.filter(\.isEnsemble).map {
      Cell.prose([.text("\($0.name): no training curves: an ensemble.")])
    }
    guard !groups.isEmpty else { return [.heading("Curves")] + ensembles }
    var accuracy = LineChart(
      title: "Validation accuracy", yLabel: "accuracy",
      series: groups.map { meanCurve($0, \.valAccuracy) })
    accuracy.width = 700
    var loss = LineChart(
      title: "Validation loss", yLabel: "loss (log scale)",
      series: groups.map { meanCurve($0, \.valLoss) })
    loss.logScale = true
    loss.width = 700
    try accuracy.render(to: directory + "/val_accuracy.png")
    try loss.render(to: directory + "/val_loss.png")
    let points = all.map {
      (
        $0.name, SeedStatistics($0.testAccuracies).mean, Double($0.runs[0].summary.parameters),
        SeedStatistics($0.runs.map(\.summary.trainingSeconds)).mean
      )
    }
    var byParameters = ScatterChart(
      points: points.map { .init(x: $0.2, y: $0.1, label: $0.0) },
      title: "Test accuracy against parameters", xLabel: "parameters (log scale)",
      yLabel: "test accuracy")
    byParameters.logX = true
    let byTime = ScatterChart(
      points: points.map { .init(x: $0.3, y: $0.1, label: $0.0) },
      title: "Test accuracy against training time", xLabel: "training seconds",
      yLabel: "test accuracy")
    try byParameters.render(to: directory + "/accuracy_vs_parameters.png")
    try byTime.render(to: directory + "/accuracy_vs_time.png")
    return [
      .heading("Curves"),
      .prose([
        .text(
          "One colour per experiment; with several seeds the line is the mean and the band one "
            + "standard deviation."
        )
      ]),
      .figureRow([
        ("val_accuracy.png", "Validation accuracy per epoch."),
        ("val_loss.png", "Validation loss per epoch."),
      ]),
    ] + ensembles + [
      .heading("Accuracy, size and time"),
      .figureRow([
        ("accuracy_vs_parameters.png", "Test accuracy against parameters."),
        ("accuracy_vs_time.png", "Test accuracy against training time."),
      ]),
    ]
  }

  func configDiff(_ groups: [Group]) -> [Cell] {
    let flat = groups.map { flatten($0.experiment.resolved) }
    let keys = Set(flat.flatMap(\.keys)).filter { key in
      Set(flat.map { $0[key] ?? "–" }).count > 1 && key != "description" && key != "name"
    }
    let rows = Self.keyOrder(keys).map { key in [key] + flat.map { $0[key] ?? "–" } }
    let ensembles = groups.filter(\.isEnsemble).map {
      Cell.prose([
        .text(
          "\($0.name) is an ensemble of \($0.runs[0].summary.ensemble?.members.count ?? 0) runs: "
            + "its settings are its first member's.")
      ])
    }
    return [
      .heading("Configuration differences")
    ] + ensembles + [
      rows.isEmpty
        ? .prose([.text("The experiments share every setting.")])
        : .table(
          Table(
            header: ["key"] + groups.map(\.name), rows: rows,
            caption: "Only keys whose values differ."))
    ]
  }

  /// Configuration keys in reading order: numbers inside compare as numbers, so `model[2]`
  /// comes before `model[10]`.
  static func keyOrder(_ keys: Set<String>) -> [String] {
    keys.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
  }

  /// Each experiment's first run as one row of validation confusion matrices, the rows aligned
  /// by epoch on one colour scale, so that how their mistakes changed compares epoch by epoch.
  private func confusionStrips(_ groups: [Group], _ directory: String) throws -> [Cell] {
    let logs = groups.map { ($0.name, $0.runs[0].log) }
    let longest = logs.map(\.1).max { $0.epochs.count < $1.epochs.count }?.epochs ?? []
    let epochs = ConfusionStrip.sample(longest.count, limit: RunFigures.confusionPanels).map {
      longest[$0].epoch
    }
    let rows = logs.compactMap { RunFigures.confusionRow($1, label: $0, epochs: epochs) }
    guard !rows.isEmpty else {
      return [
        .prose([
          .text(
            "The runs recorded no validation confusion matrices per epoch (runs from before they "
              + "were kept).")
        ])
      ]
    }
    let file = "confusion_by_epoch.png"
    try ConfusionStrip(rows: rows, title: "Validation confusions by epoch (first run of each)")
      .render(to: "\(directory)/\(file)")
    let missing = logs.map(\.0).filter { name in !rows.contains { $0.label == name } }
    return [
      .heading("Confusions over training"),
      .figure(
        path: file,
        caption:
          "One row per experiment, one column per epoch: validation mistakes in red on one scale, "
          + "right answers in grey."
          + (missing.isEmpty
            ? "" : " No per-epoch matrices recorded for " + missing.joined(separator: ", ") + "."),
        alt: "validation confusion matrices by epoch"),
    ]
  }

  func confusionSection(_ groups: [Group], _ directory: String) throws -> [Cell] {
    let data = try ExperimentData(groups[0].experiment)
    let classes = data.test.classNames
    let evaluations = try groups.map { g -> Evaluation in
      guard let evaluation = try g.runs[0].evaluation() else {
        throw RunError.corruptRecord(path: g.runs[0].paths.predictions, reason: "file missing")
      }
      return evaluation
    }
    var cells: [Cell] = [.heading("Confusion matrices")]
    var row: [(path: String, caption: String)] = []
    for (g, e) in zip(groups, evaluations) {
      var map = Heatmap(confusion: e.confusion, classNames: classes, title: g.name)
      map.side = 420
      let file = "confusion_\(row.count).png"
      try map.render(to: "\(directory)/\(file)")
      row.append(
        (
          file,
          "\(g.name): \(String(format: "%.2f%%", e.accuracy * 100)) on the test set (first run)."
        ))
    }
    cells.append(.figureRow(row))
    cells += try confusionStrips(groups, directory)
    guard groups.count >= 2, evaluations[0].predictions.count == evaluations[1].predictions.count
    else { return cells }
    let (a, b) = (evaluations[0], evaluations[1])
    var difference = Heatmap(
      values: zip(b.confusion, a.confusion).map { zip($0, $1).map { Double($0 - $1) } },
      rowLabels: classes, columnLabels: classes,
      title: "\(groups[1].name) minus \(groups[0].name)")
    difference.colormap = .redBlue
    difference.diverging = true
    difference.side = 480
    try difference.render(to: directory + "/confusion_difference.png")
    cells.append(
      .prose([
        .text(
          "Blue cells: \(groups[1].name) puts more images there; red: fewer. On the diagonal blue "
            + "is better, off it red is."
        )
      ]))
    cells.append(
      .figure(
        path: "confusion_difference.png", caption: "Difference of the two confusion matrices.",
        alt: "confusion difference"))
    let labels = data.test.labels
    for (winner, loser, we, le) in [
      (groups[0].name, groups[1].name, a, b), (groups[1].name, groups[0].name, b, a),
    ] {
      let indices = labels.indices.filter {
        we.predictions[$0] == Int(labels[$0]) && le.predictions[$0] != Int(labels[$0])
      }
      let grid = TestDigits.gallery(
        indices, data: data, title: "\(winner) right, \(loser) wrong (\(indices.count) images)"
      ) { "\(loser): \(classes[le.predictions[$0]])" }
      // Group names may carry settings ("quick (training.epochs=1)"): keep file names plain.
      let file = TestDigits.fileName("right_\(winner)_wrong_\(loser)") + ".png"
      try grid.render(to: "\(directory)/\(file)")
      cells.append(
        .figure(
          path: file,
          caption:
            "Test digits \(winner) classifies correctly and \(loser) does not: \(indices.count) "
            + "in all.",
          alt: file))
    }
    return cells
  }
}
