import ArgumentParser
import Foundation
import Reports
import RunStorage
import Runs

extension RunStatus: ExpressibleByArgument {}
extension RunSortColumn: ExpressibleByArgument {}

extension Report {
  /// `report list`: the run index as a table or JSON.
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List recorded runs from the run index.")

    @Option(help: "Only runs of this experiment.")
    var experiment: String?
    @Option(help: "Only runs with this status.")
    var status: RunStatus?
    @Option(help: "The column to sort by.")
    var sort = RunSortColumn.startedAt
    @Flag(help: "Sort ascending (default: descending).")
    var ascending = false
    @Flag(help: "Print JSON for scripts.")
    var json = false
    @OptionGroup var options: OutputOptions

    func run() throws {
      let store = try options.storeLocation()
      let rows = try store.open().runs(
        experiment: experiment, status: status, sort: sort, descending: !ascending)
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        return
      }
      // Runs that differ only by seed share a group (the configuration without the seed).
      let table =
        [
          [
            "run", "experiment", "status", "val acc", "test acc", "params", "seconds", "started",
            "group", "trial",
          ]
        ]
        + rows.map { row in
          [
            row.runID, row.experiment, row.status.rawValue,
            percentText(row.valAccuracy, missing: "-"), percentText(row.testAccuracy, missing: "-"),
            String(row.parameters), String(format: "%.0f", row.seconds), row.startedAt,
            row.groupHash.map { String($0.prefix(8)) } ?? "-",
            row.trial.map { "\(row.sweep ?? "")#\($0)" } ?? "-",
          ]
        }
      let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max() ?? 0 }
      for row in table {
        print(
          row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            .joined(separator: "  "))
      }
      if rows.isEmpty {
        FileHandle.standardError.write(
          Data("no runs recorded in \(store) (try `report reindex`)\n".utf8))
      }
    }
  }

  /// `report show RUN`: one run's summary.
  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one run's summary.json.")

    @OptionGroup var target: RunReference
    @OptionGroup var options: OutputOptions

    func run() throws {
      let paths = try target.paths(in: options.runner())
      // Standard output is the JSON alone, so `report show RUN | jq` works.
      print(try String(contentsOfFile: paths.summary, encoding: .utf8))
      FileHandle.standardError.write(Data("report: \(paths.report)\n".utf8))
    }
  }

  /// `report reindex`: rebuild the index from the run folders.
  struct Reindex: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Rebuild the run index (--store, default runs.sqlite; index.html) from the run folders, "
        + "the source of truth."
    )

    @OptionGroup var options: OutputOptions

    func run() throws {
      print("indexed \(try options.runner().reindex()) runs in \(try options.storeLocation())")
    }
  }
}
