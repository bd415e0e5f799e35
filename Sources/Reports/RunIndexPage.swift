import AtomicFiles
import Foundation
import Notebook
import Plots
import Runs

/// `output/index.html`: every run in the output folder, newest first.
struct RunIndexPage {
  let outputRoot: String

  func write() throws {
    let summaries = RunFolders.all(outputRoot: outputRoot).compactMap { dir in
      (try? readJSON(RunSummary.self, from: RunPaths(directory: dir).summary)).map { (dir, $0) }
    }
    .sorted { $0.1.startedAt > $1.1.startedAt }
    let rows = summaries.map { dir, s in
      [
        s.experiment, s.runID, s.status.rawValue, percentText(s.bestValAccuracy),
        percentText(s.testAccuracy), s.parameters.withThousandsSeparators,
        RunReport.duration(s.totalSeconds), s.startedAt,
      ]
    }
    var cells: [Cell] = [
      .prose([
        .text("\(summaries.count) run\(summaries.count == 1 ? "" : "s"); each run's report is at "),
        .code("runs/<experiment>/<run>/report.html"), .text("."),
      ])
    ]
    cells.append(
      .table(
        Table(
          header: [
            "experiment", "run", "status", "best val accuracy", "test accuracy", "parameters",
            "duration", "started",
          ], rows: rows, numericColumns: [3, 4, 5, 6])))
    cells += summaries.map { dir, s in
      .prose([
        .link(
          "\(s.experiment) / \(s.runID)",
          href: String(dir.dropFirst(outputRoot.count + 1)) + "/report.html")
      ])
    }
    let html = try HTMLRenderer().render(
      Notebook(title: "Runs", subtitle: "Every run under \(outputRoot)", cells: cells))
    try AtomicFile.write(html, to: outputRoot + "/index.html")
  }
}
