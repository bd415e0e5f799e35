import AtomicFiles
import Foundation
import Notebook
import Plots
import Runs

/// `output/index.html`: every run the catalog lists (the rows `report list` prints), newest
/// first, with the progress of those training; it reloads itself while any run trains, and
/// lists what continues a lost run.
struct RunIndexPage {
  let outputRoot: String

  func write(_ entries: [CatalogEntry]) throws {
    let rows = entries.map { e -> [String] in
      let row = e.row
      return [
        row.experiment + (row.kind.storedName.map { " (\($0))" } ?? ""), row.runID,
        row.status.rawValue,
        percentText(row.valAccuracy),
        percentText(row.testAccuracy), row.parameters.withThousandsSeparators,
        RunReport.duration(row.seconds), row.startedAt,
      ]
    }
    var cells: [Cell] = [
      .prose([
        .text("\(entries.count) run\(entries.count == 1 ? "" : "s"); each run's report is at "),
        .code("runs/<experiment>/<run>/report.html"), .text("."),
      ])
    ]
    let running = entries.filter { $0.row.status == .running }
    if !running.isEmpty {
      cells.append(.heading("Training now"))
      cells.append(
        .prose([
          .text("This page reloads every \(RunReport.refreshSeconds) seconds while a run trains.")
        ]))
      cells += running.map { e in
        let done = e.heartbeat?.epochsFinished ?? 0
        let total = e.heartbeat?.epochs ?? done
        return .progress(
          [
            .link(name(e), href: link(e.paths)),
            .text(": epoch \(done) of \(total) finished"),
          ], done: done, total: total)
      }
    }
    let lost = entries.filter { $0.row.status == .lost }
    if !lost.isEmpty {
      cells.append(.heading("Lost runs"))
      cells.append(
        .prose([
          .text(
            "Their processes are gone (killed, crashed, or silent for more than "
              + "\(Int(RunLiveness.staleAfter / 60)) minutes on another machine).")
        ]))
      cells += lost.map { e in
        guard let record = try? RunRecord(loading: e.paths) else {
          return .prose([.text(name(e) + ": lost; its folder \(e.paths.directory) does not read")])
        }
        guard FileManager.default.fileExists(atPath: e.paths.checkpoint) else {
          return .prose([
            .link(name(e), href: link(e.paths)),
            .text(": lost before its first epoch finished; start it again with "),
            .code(RunCommands.startAgain(record.summary, paths: e.paths)),
          ])
        }
        return .prose([
          .link(name(e), href: link(e.paths)),
          .text(
            ": lost after epoch \(max(e.heartbeat?.epochsFinished ?? 0, record.log.epochs.count)); "
              + "continue it with "),
          .code(RunCommands.resume(e.paths)),
        ])
      }
    }
    cells.append(.heading("All runs"))
    cells.append(
      .table(
        Table(
          header: [
            "experiment", "run", "status", "best val accuracy", "test accuracy", "parameters",
            "duration", "started",
          ], rows: rows, numericColumns: [3, 4, 5, 6])))
    cells += entries.filter { $0.row.status != .queued }.map { e in
      .prose([.link(name(e), href: link(e.paths))])
    }
    let html = try HTMLRenderer().render(
      Notebook(
        title: "Runs", subtitle: "Every run under \(outputRoot)", cells: cells,
        refreshSeconds: running.isEmpty ? nil : RunReport.refreshSeconds))
    try AtomicFile.write(html, to: outputRoot + "/index.html")
  }

  /// "experiment / run-id".
  private func name(_ entry: CatalogEntry) -> String {
    "\(entry.row.experiment) / \(entry.row.runID)"
  }

  /// The run's report (its notebook when only that was written), relative to the page when the
  /// run is under its output root.
  private func link(_ paths: RunPaths) -> String {
    let report = PageWriter.existingPath(forPage: paths.report)
    return report.hasPrefix(outputRoot + "/")
      ? String(report.dropFirst(outputRoot.count + 1)) : report
  }
}
