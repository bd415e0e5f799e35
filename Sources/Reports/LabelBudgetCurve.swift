import ExperimentDefinitions
import Foundation
import Notebook
import Plots

/// The label-budget section of a comparison whose groups differ in `dataset.labels_per_class`:
/// test accuracy against labelled images per class on a log axis, one line per experiment, each
/// point the mean over seeds with its 95% interval as a band, and a table of the same numbers
/// with each budget's difference between the first two experiments.
extension ComparisonReport {
  /// One experiment's runs at one budget.
  private struct BudgetPoint {
    var experiment: String
    /// Labelled images per class, as declared; nil for every label.
    var declared: Int?
    /// Where the point sits on the axis: `declared`, or the images per class every label gives.
    var labelsPerClass: Double
    var accuracies: [Double]
  }

  func labelBudgetSection(_ all: [Group], _ directory: String) throws -> [Cell] {
    let groups = all.filter { !$0.isEnsemble }
    let declared = Set(groups.map { $0.experiment.dataset.labelsPerClass })
    guard declared.count >= 2 else { return [] }
    let points = try groups.map { g in
      BudgetPoint(
        experiment: g.experiment.name, declared: g.experiment.dataset.labelsPerClass,
        labelsPerClass: try Double(g.experiment.dataset.labelsPerClass ?? imagesPerClass(g)),
        accuracies: g.testAccuracies)
    }
    var names: [String] = []
    for point in points where !names.contains(point.experiment) { names.append(point.experiment) }
    let series = names.map { name -> LineChart.Series in
      let line = points.filter { $0.experiment == name }.sorted {
        $0.labelsPerClass < $1.labelsPerClass
      }
      let stats = line.map { SeedStatistics($0.accuracies) }
      let half = stats.map { $0.halfWidth95 ?? 0 }
      return LineChart.Series(
        name: name, x: line.map(\.labelsPerClass), y: stats.map(\.mean),
        band: (zip(stats, half).map { $0.mean - $1 }, zip(stats, half).map { $0.mean + $1 }),
        marksPoints: true)
    }
    var chart = LineChart(
      title: "Test accuracy against labels per class",
      xLabel: "labelled images per class (log scale)",
      yLabel: "test accuracy", series: series)
    chart.logScaleX = true
    chart.width = 700
    try chart.render(to: directory + "/label_budget.png")
    return [
      .heading("Label budget"),
      .prose([
        .text(
          "Each point is the mean test accuracy of an experiment's seeds at one number of "
            + "labelled training images per class (before the validation split); the band is the "
            + "95% interval of the mean (none below \(SeedStatistics.minimumSeedsForInterval) seeds). "
            + "\"all\" sits at the images per class the whole training set has.")
      ]),
      .figure(path: "label_budget.png", caption: "Label-budget curve.", alt: "Label-budget curve"),
      .table(budgetTable(points, names: names)),
    ]
  }

  /// Budgets as rows, experiments as columns, and the difference of the second from the first.
  private func budgetTable(_ points: [BudgetPoint], names: [String]) -> Table {
    let budgets = Array(Set(points.map(\.labelsPerClass))).sorted()
    let rows = budgets.map { x -> [String] in
      let here = points.filter { $0.labelsPerClass == x }
      let label = here.first?.declared.map { $0.withThousandsSeparators } ?? "all (\(Int(x)))"
      var row = [label]
      for name in names {
        let stats = here.first { $0.experiment == name }.map { SeedStatistics($0.accuracies) }
        row.append(stats.map { percentText($0.mean) + " " + $0.percentIntervalText } ?? "–")
      }
      if names.count >= 2,
        let first = here.first(where: { $0.experiment == names[0] }),
        let second = here.first(where: { $0.experiment == names[1] })
      {
        // Difference(a, b) is b - a: the first experiment less the second.
        row.append(Difference(second.accuracies, first.accuracies).verdict)
      }
      return row
    }
    let header =
      ["labels per class"] + names.map { "\($0) (95% CI, points)" }
      + (names.count >= 2 ? ["\(names[0]) − \(names[1])"] : [])
    return Table(header: header, rows: rows, numericColumns: Set(1...names.count))
  }

  /// The training and validation images per class of `group`'s data with every label kept.
  private func imagesPerClass(_ group: Group) throws -> Int {
    let data = try ExperimentData(group.experiment)
    return (data.train.count + data.validation.count) / data.train.classNames.count
  }
}
