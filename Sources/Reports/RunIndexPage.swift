import AtomicFiles
import Foundation
import Notebook
import Plots
import Runs

/// `output/index.html`: every run in the output folder, newest first, with the progress of those
/// training; it reloads itself while any run trains, and lists what continues a lost run.
struct RunIndexPage {
  let outputRoot: String

  /// One run as the page shows it: the summary with its status derived now (`lost` when its
  /// process is gone), and its heartbeat.
  struct Entry {
    var paths: RunPaths
    var summary: RunSummary
    var heartbeat: RunHeartbeat?
  }

  /// Every run folder whose summary reads, newest first.
  func entries(now: Date = Date()) -> [Entry] {
    RunFolders.all(outputRoot: outputRoot).compactMap { directory -> Entry? in
      let paths = RunPaths(directory: directory)
      guard var summary = try? readJSON(RunSummary.self, from: paths.summary) else { return nil }
      let heartbeat = try? RunHeartbeat.read(from: paths)
      summary.status =
        (try? RunLiveness.status(recorded: summary.status, paths: paths, now: now))
        ?? summary.status
      return Entry(paths: paths, summary: summary, heartbeat: heartbeat)
    }
    .sorted { $0.summary.startedAt > $1.summary.startedAt }
  }

  func write() throws { try write(entries()) }

  func write(_ entries: [Entry]) throws {
    let rows = entries.map { e -> [String] in
      let s = e.summary
      return [
        s.experiment + (s.ensemble == nil ? "" : " (ensemble)"), s.runID, s.status.rawValue,
        percentText(s.bestValAccuracy),
        percentText(s.testAccuracy), s.parameters.withThousandsSeparators,
        RunReport.duration(s.totalSeconds), s.startedAt,
      ]
    }
    var cells: [Cell] = [
      .prose([
        .text("\(entries.count) run\(entries.count == 1 ? "" : "s"); each run's report is at "),
        .code("runs/<experiment>/<run>/report.html"), .text("."),
      ])
    ]
    let running = entries.filter { $0.summary.status == .running }
    if !running.isEmpty {
      cells.append(.heading("Training now"))
      cells.append(
        .prose([
          .text("This page reloads every \(RunReport.refreshSeconds) seconds while a run trains.")
        ]))
      cells += running.map { e in
        let done = e.heartbeat?.epochsFinished ?? e.summary.epochsRun
        let total = e.heartbeat?.epochs ?? done
        return .progress(
          [
            .link("\(e.summary.experiment) / \(e.summary.runID)", href: link(e.paths)),
            .text(": epoch \(done) of \(total) finished"),
          ], done: done, total: total)
      }
    }
    let lost = entries.filter { $0.summary.status == .lost }
    if !lost.isEmpty {
      cells.append(.heading("Lost runs"))
      cells.append(
        .prose([
          .text(
            "Their processes are gone (killed, crashed, or silent for more than "
              + "\(Int(RunLiveness.staleAfter / 60)) minutes on another machine).")
        ]))
      cells += lost.map { e in
        let name = "\(e.summary.experiment) / \(e.summary.runID)"
        guard FileManager.default.fileExists(atPath: e.paths.checkpoint) else {
          return .prose([
            .link(name, href: link(e.paths)),
            .text(": lost before its first epoch finished; start it again with "),
            .code(RunCommands.startAgain(e.summary, paths: e.paths)),
          ])
        }
        return .prose([
          .link(name, href: link(e.paths)),
          .text(
            ": lost after epoch \(max(e.heartbeat?.epochsFinished ?? 0, e.summary.epochsRun)); "
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
    cells += entries.map { e in
      .prose([.link("\(e.summary.experiment) / \(e.summary.runID)", href: link(e.paths))])
    }
    let html = try HTMLRenderer().render(
      Notebook(
        title: "Runs", subtitle: "Every run under \(outputRoot)", cells: cells,
        refreshSeconds: running.isEmpty ? nil : RunReport.refreshSeconds))
    try AtomicFile.write(html, to: outputRoot + "/index.html")
  }

  /// The run's report, relative to the page.
  private func link(_ paths: RunPaths) -> String {
    String(paths.directory.dropFirst(outputRoot.count + 1)) + "/report.html"
  }
}
