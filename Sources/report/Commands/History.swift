import ArgumentParser
import Foundation
import Reports
import RunStorage
import Runs

extension RunStatus: ExpressibleByArgument {}
extension RunColumn: ExpressibleByArgument {}

extension Report {
  /// `report list`: the run index as a table or JSON.
  struct List: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract: "List recorded runs from the run index.")

    @Option(help: "Only runs of this experiment.")
    var experiment: String?
    @Option(help: "Only runs with this status.")
    var status: RunStatus?
    @Option(help: "The column to sort by (any key of --json).")
    var sort = RunColumn.startedAt
    @Flag(help: "Sort ascending (default: descending).")
    var ascending = false
    @Flag(help: "Print JSON for scripts.")
    var json = false
    @OptionGroup var options: OutputOptions

    func run() throws {
      let rows = try options.catalog().runs(
        experiment: experiment, status: status, sort: sort, descending: !ascending)
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        return
      }
      // Runs that differ only by seed share a group (the configuration without the seed).
      let columns = RunColumn.allCases.compactMap(\.listed)
      let lines = TextTable.lines(
        header: columns.map(\.heading), rows: rows.map { row in columns.map { $0.text(row) } })
      for line in lines { print(line) }
      if rows.isEmpty {
        let store = try options.storeLocation()
        logger.notice("no runs recorded in \(store) (try `report reindex`)")
      }
      let lost = try rows.filter { $0.status == .lost }.map {
        try RunRecord(loading: RunPaths(directory: $0.directory))
      }
      if !lost.isEmpty { print("") }
      for record in lost { print(lostAdvice(record)) }
      settleLostRuns(options.catalog(), options, seen: lost.count)
    }
  }

  /// `report show RUN`: one run's summary.
  struct Show: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print one run's summary as JSON, with its state on standard error.")

    @OptionGroup var target: RunReference
    @OptionGroup var options: OutputOptions

    func run() throws {
      let paths = try target.paths(in: options.catalog())
      let record = try RunRecord(loading: paths)
      // Standard output is the JSON alone, so `report show RUN | jq` works; its status is the one
      // derived now (`lost` when the process that recorded `running` is gone).
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(record.summary), as: UTF8.self))
      logger.info("report: \(paths.report)")
      switch record.summary.status {
      case .lost:
        logger.info("\(lostAdvice(record))")
        // The run's own output root: RUN may be a folder outside --output.
        settleLostRuns(options.catalog(outputRoot: paths.outputRoot), options, seen: 1)
      case .running:
        let progress = record.heartbeat.map {
          ": epoch \($0.epochsFinished) of \($0.epochs) finished, process \($0.process.pid) on "
            + "\($0.process.host), last heartbeat \($0.updatedAt)"
        }
        logger.info("running\(progress ?? "")")
      case .interrupted:
        logger.info("interrupted: continue with `\(RunCommands.resume(paths))`")
      case .completed, .failed, .pruned, .queued: break
      }
    }
  }

  /// `report reindex`: rebuild the index from the run folders.
  struct Reindex: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Rebuild the run index (--store, default runs.sqlite; index.html) from the run folders, "
        + "the source of truth."
    )

    @OptionGroup var options: OutputOptions

    func run() throws {
      let catalog = options.catalog()
      print("indexed \(try catalog.reindex()) runs in \(try options.storeLocation())")
      for paths in try RunPageReporter(singleFile: options.singleFile).settleLostRuns(in: catalog) {
        print("lost: rewrote \(paths.report)")
      }
    }
  }
}

extension RunColumn {
  /// How `report list`'s table shows the column: its heading and a row's text; nil for a column
  /// only `--json` shows.
  fileprivate var listed: (heading: String, text: (IndexedRun) -> String)? {
    switch self {
    case .runID: return ("run", { $0.runID })
    case .experiment:
      return ("experiment", { $0.experiment + ($0.kind.storedName.map { " (\($0))" } ?? "") })
    case .status: return ("status", { $0.status.rawValue })
    case .valAccuracy: return ("val acc", { percentText($0.valAccuracy, missing: "-") })
    case .testAccuracy: return ("test acc", { percentText($0.testAccuracy, missing: "-") })
    case .parameters: return ("params", { String($0.parameters) })
    case .seconds: return ("seconds", { String(format: "%.0f", $0.seconds) })
    case .startedAt: return ("started", { $0.startedAt })
    // Runs that differ only by seed share a group (the configuration without the seed).
    case .groupHash: return ("group", { $0.groupHash.map { String($0.prefix(8)) } ?? "-" })
    case .trial: return ("trial", { row in row.trial.map { "\(row.sweep ?? "")#\($0)" } ?? "-" })
    // The kind is shown beside the experiment, the sweep beside the trial.
    case .testLoss, .seed, .configHash, .cacheKey, .directory, .sweep, .sweepParameters, .kind,
      .tags:
      return nil
    }
  }
}

/// One line on a lost run: when it was lost and the command that continues it, or starts it
/// again when it saved no checkpoint.
func lostAdvice(_ record: RunRecord) -> String {
  let who = record.heartbeat.map { " (process \($0.process.pid) on \($0.process.host) is gone)" }
  let name = "\(record.summary.experiment) run \(record.paths.runID)"
  guard FileManager.default.fileExists(atPath: record.paths.checkpoint) else {
    return "lost: \(name) before its first epoch finished\(who ?? ""); start it again with `"
      + RunCommands.startAgain(record.summary, paths: record.paths) + "`"
  }
  return "lost: \(name) after epoch \(record.log.epochs.last?.epoch ?? 0)\(who ?? ""); continue "
    + "with `\(RunCommands.resume(record.paths))`"
}

/// Rewrites lost runs' reports and the index page, which their killed processes left saying
/// `running`, when a command has seen `seen` lost runs; a failure is a warning, since the
/// command's own output is already printed.
private func settleLostRuns(_ catalog: RunCatalog, _ options: OutputOptions, seen: Int) {
  guard seen > 0 else { return }
  do {
    try RunPageReporter(singleFile: options.singleFile).settleLostRuns(in: catalog)
  } catch {
    logger.warning("could not rewrite the lost runs' reports: \(error)")
  }
}
