import AtomicFiles
import ExperimentDefinitions
import Foundation
import Notebook
import Plots
import Runs

/// The page of one sweep, `<output>/sweeps/<name>/index.html`: the best configurations (trials
/// that differ only by seed, grouped) with means and 95% intervals over seeds, every trial in
/// parallel coordinates, the metric against each parameter, the pruned trials and where they
/// stopped, and a link to every trial's report.
public struct SweepReport {
  public let sweep: Sweep
  public let outputRoot: String
  /// Embeds the figures in the page, so that one file can be mailed; links them otherwise.
  public var singleFile: Bool
  /// Which files the page is written as.
  public var format: PageFormat

  /// The page of `sweep`, whose trials' runs are under `outputRoot`.
  public init(
    sweep: Sweep, outputRoot: String, singleFile: Bool = false, format: PageFormat = .html
  ) {
    (self.sweep, self.outputRoot, self.singleFile) = (sweep, outputRoot, singleFile)
    self.format = format
  }

  /// One trial and its newest run, if it has one.
  struct Trial {
    var trial: SweepTrial
    var seed: UInt64
    var groupHash: String
    var run: TrialProgress?
    /// The best value of the sweep's metric the run reached.
    var value: Double?
  }

  /// Trials differing only by seed.
  struct Group {
    var trials: [Trial]
    var statistics: SeedStatistics
    var label: String { trials[0].trial.overrides.joined(separator: " ") }
  }

  /// Where the page goes: `<output>/sweeps/<name>`.
  public var directory: String { "\(outputRoot)/sweeps/\(sweep.base.name)" }

  /// Writes the page and its figures; returns the page's path (the notebook's when only it is
  /// written).
  @discardableResult
  public func write() throws -> String {
    let trials = try collect()
    let groups = rank(trials)
    try Directory.create(directory)
    let finished = trials.filter { $0.run?.isFinished == true }
    let pruned = trials.filter { $0.run?.summary.status == .pruned }
    var cells: [Cell] = [
      .prose(
        [
          .text(
            "\(sweep.method.rawValue.capitalized) sweep of \(sweep.parameters.count) parameter(s): "
              + "\(sweep.trials.count) trials (\(groups.count) configurations x \(sweep.seeds) "
              + "seed(s)), \(finished.count) finished, \(pruned.count) of them pruned. Trials "
              + "are ranked by the best "
          ), .code(sweep.metric.rawValue),
          .text(
            " each reached; a configuration's value is the mean over its seeds with a 95% "
              + "interval from 3 seeds on."),
        ] + terminationProse)
    ]
    cells += bestSection(groups)
    cells += try figuresSection(trials)
    cells += prunedSection(pruned)
    cells += trialsSection(trials)
    return try PageWriter(format: format, singleFile: singleFile).write(
      Notebook(
        title: "Sweep: \(sweep.base.name)",
        subtitle: sweep.parameters.map(\.key).joined(separator: ", "), cells: cells),
      page: directory + "/index.html")
  }

  private var terminationProse: [Inline] {
    guard let rule = sweep.earlyTermination else { return [.text(" No trial is stopped early.")] }
    switch rule.rule {
    case .median:
      return [
        .text(
          " Median stopping from epoch \(rule.minEpochs): a trial stops when its best so far is "
            + "worse than the median of the other trials' best up to the same epoch (once "
            + "\(rule.minTrials) others reached it).")
      ]
    case .asha:
      return [
        .text(
          " Successive halving (ASHA) with rungs at epoch \(rule.minEpochs) x "
            + "\(rule.reductionFactor)^k: at a rung a trial goes on only in the top 1/"
            + "\(rule.reductionFactor) of the trials that reached it.")
      ]
    }
  }

  /// Every trial with its newest run (read from the run folders).
  func collect() throws -> [Trial] {
    let experiments = try sweep.trials.indices.map { try sweep.experiment(trial: $0) }
    let runs = SweepRuns.latest(
      outputRoot: outputRoot, experiment: sweep.base.name,
      configHashes: experiments.map(\.configHash))
    return zip(sweep.trials, experiments).map { trial, experiment in
      let run = runs[experiment.configHash]
      return Trial(
        trial: trial, seed: experiment.seed, groupHash: experiment.groupHash, run: run,
        value: run?.best(sweep.metric))
    }
  }

  /// Configurations, best mean first; those without a value last.
  func rank(_ trials: [Trial]) -> [Group] {
    var order: [String] = []
    var members: [String: [Trial]] = [:]
    for trial in trials {
      if members[trial.groupHash] == nil { order.append(trial.groupHash) }
      members[trial.groupHash, default: []].append(trial)
    }
    let groups = order.map { hash -> Group in
      let trials = members[hash] ?? []
      return Group(trials: trials, statistics: SeedStatistics(trials.compactMap(\.value)))
    }
    return groups.sorted { a, b in
      switch (a.statistics.count > 0, b.statistics.count > 0) {
      case (true, false): return true
      case (false, _): return false
      default:
        return sweep.metric.isMaximized
          ? a.statistics.mean > b.statistics.mean : a.statistics.mean < b.statistics.mean
      }
    }
  }

  private func valueText(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "–" }
    return sweep.metric.isAccuracy
      ? String(format: "%.2f%%", value * 100) : String(format: "%.4f", value)
  }

  private func intervalText(_ statistics: SeedStatistics) -> String {
    if sweep.metric.isAccuracy { return statistics.percentIntervalText }
    return statistics.halfWidth95.map { String(format: "± %.4f", $0) } ?? "–"
  }

  private func bestSection(_ groups: [Group]) -> [Cell] {
    let rows = groups.enumerated().map { rank, group -> [String] in
      let test = SeedStatistics(group.trials.compactMap { $0.run?.summary.testAccuracy })
      let pruned = group.trials.filter { $0.run?.summary.status == .pruned }.count
      return [
        String(rank + 1), group.label,
        "\(group.statistics.count) of \(group.trials.count)"
          + (pruned > 0 ? " (\(pruned) pruned)" : ""),
        group.statistics.count > 0 ? valueText(group.statistics.mean) : "–",
        intervalText(group.statistics),
        test.count > 0 ? percentText(test.mean) : "–",
      ]
    }
    return [
      .heading("Best configurations"),
      .table(
        Table(
          header: [
            "rank", "parameters", "runs", "best \(sweep.metric) (mean)", "95% CI",
            "test accuracy (mean)",
          ], rows: rows, highlightedRow: rows.isEmpty ? nil : 0, numericColumns: [0, 3, 4, 5],
          caption: "Trials that differ only by seed are one configuration.")),
    ]
  }

  /// Numeric values of `key` over the trials, or nil when any is not a number.
  private func numbers(_ key: String, _ trials: [Trial]) -> [Double]? {
    let values = trials.map { $0.trial.values[key].flatMap(Double.init) }
    guard values.allSatisfy({ $0 != nil }) else { return nil }
    return values.compactMap { $0 }
  }

  private func isLogarithmic(_ parameter: Sweep.Parameter, _ values: [Double]) -> Bool {
    if case .logUniform = parameter.domain { return true }
    guard let low = values.min(), let high = values.max(), low > 0 else { return false }
    return high / low >= 20
  }

  /// A categorical parameter's values, in the order the sweep declares them, and the names its
  /// axes show: the values themselves when short, else `#1`, `#2`, ... which `key` explains.
  struct Categories {
    var values: [String]
    var names: [String]
    /// `#1 = value; #2 = value ...`, when the names are numbers.
    var key: String?

    /// The longest value an axis shows as it is.
    static let longestName = 12

    init(_ parameter: Sweep.Parameter, seen: [String]) {
      var values: [String] = []
      if case .values(let declared) = parameter.domain { values = declared.map(\.oneLine) }
      for value in seen where !values.contains(value) { values.append(value) }
      self.values = values
      if values.allSatisfy({ $0.count <= Self.longestName }) {
        names = values
      } else {
        names = values.indices.map { "#\($0 + 1)" }
        key = zip(names, values).map { "\($0) = \($1)" }.joined(separator: "; ")
      }
    }

    /// The axis name of `value`.
    func name(_ value: String) -> String { names[values.firstIndex(of: value) ?? 0] }
  }

  private func figuresSection(_ trials: [Trial]) throws -> [Cell] {
    let measured = trials.filter { $0.value != nil }
    guard !measured.isEmpty else {
      return [.heading("Trials"), .prose([.text("No trial has recorded an epoch yet.")])]
    }
    // Each parameter's values over the measured trials when all are numbers, else categories.
    let numeric = sweep.parameters.map { numbers($0.key, measured) }
    let categories = zip(sweep.parameters, numeric).map { parameter, numeric -> Categories? in
      numeric != nil
        ? nil
        : Categories(parameter, seen: measured.map { $0.trial.values[parameter.key] ?? "" })
    }
    let keys = zip(sweep.parameters, categories).compactMap { parameter, categories in
      categories?.key.map { "\(parameter.key): \($0)." }
    }
    let dimensions =
      sweep.parameters.indices.map { p -> ParallelCoordinates.Dimension in
        let parameter = sweep.parameters[p]
        guard let categories = categories[p] else {
          let values = numeric[p] ?? []
          return .init(
            name: parameter.key, values: values, logarithmic: isLogarithmic(parameter, values))
        }
        return .init(
          name: parameter.key,
          labels: measured.map { categories.name($0.trial.values[parameter.key] ?? "") },
          order: categories.names)
      } + [.init(name: sweep.metric.rawValue, values: measured.compactMap(\.value))]
    var chart = ParallelCoordinates(
      dimensions: dimensions, colorValues: measured.compactMap(\.value),
      colorLabel: sweep.metric.rawValue, title: "Every trial")
    chart.dashed = measured.map { $0.run?.summary.status == .pruned }
    try chart.render(to: directory + "/parallel_coordinates.png")
    var scatter: [(path: String, caption: String)] = []
    for (i, parameter) in sweep.parameters.enumerated() {
      let file = "metric_vs_parameter_\(i).png"
      let (numeric, categories) = (numeric[i], categories[i])
      let points = measured.enumerated().map { j, trial -> ScatterChart.Point in
        let x =
          numeric?[j]
          ?? Double(categories?.values.firstIndex(of: trial.trial.values[parameter.key] ?? "") ?? 0)
        return .init(x: x, y: trial.value ?? .nan, label: "trial \(trial.trial.index)")
      }
      var chart = ScatterChart(
        points: points, title: "\(sweep.metric) against \(parameter.key)",
        xLabel: parameter.key, yLabel: sweep.metric.rawValue)
      chart.logX = numeric.map { isLogarithmic(parameter, $0) } ?? false
      chart.xCategories = categories?.names
      try chart.render(to: "\(directory)/\(file)")
      scatter.append(
        (
          file,
          "Best \(sweep.metric) of each trial against \(parameter.key)."
            + (categories?.key.map { " " + $0 + "." } ?? "")
        ))
    }
    return [
      .heading("Every trial"),
      .figure(
        path: "parallel_coordinates.png",
        caption:
          "One line per trial across its parameters and its best \(sweep.metric) (the colour); "
          + "dashed lines are pruned trials." + keys.map { " " + $0 }.joined(),
        alt: "parallel coordinates of the trials"),
      .heading("The metric against each parameter"),
      .figureRow(scatter),
    ]
  }

  private func prunedSection(_ pruned: [Trial]) -> [Cell] {
    guard !pruned.isEmpty else { return [] }
    return [
      .heading("Pruned trials"),
      .table(
        Table(
          header: ["trial", "parameters", "seed", "stopped after epoch", "reason"],
          rows: pruned.map { t in
            [
              String(t.trial.index), t.trial.overrides.joined(separator: " "), String(t.seed),
              t.run?.summary.pruning.map { String($0.epoch) } ?? "–",
              t.run?.summary.pruning?.reason ?? "–",
            ]
          }, numericColumns: [0, 2, 3])),
    ]
  }

  private func trialsSection(_ trials: [Trial]) -> [Cell] {
    var cells: [Cell] = [
      .heading("Trials"),
      .table(
        Table(
          header: ["trial", "parameters", "seed", "status", "epochs", "best \(sweep.metric)"],
          rows: trials.map { t in
            [
              String(t.trial.index), t.trial.overrides.joined(separator: " "), String(t.seed),
              t.run?.summary.status.rawValue ?? "not run",
              t.run.map { String($0.log.epochs.count) }
                ?? "–", valueText(t.value),
            ]
          }, numericColumns: [0, 2, 4, 5])),
    ]
    let root = (outputRoot as NSString).standardizingPath
    cells += trials.compactMap { t in
      guard let run = t.run else { return nil }
      let report =
        (PageWriter.existingPath(forPage: run.paths.report) as NSString).standardizingPath
      let href =
        report.hasPrefix(root + "/") ? "../../" + report.dropFirst(root.count + 1) : report
      return .prose([
        .link("trial \(t.trial.index): run \(run.paths.runID)", href: String(href))
      ])
    }
    return cells
  }
}
