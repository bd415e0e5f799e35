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
      let table =
        [["run", "experiment", "status", "val acc", "test acc", "params", "seconds", "started"]]
        + rows.map {
          [
            $0.runID, $0.experiment, $0.status.rawValue, percentText($0.valAccuracy, missing: "-"),
            percentText($0.testAccuracy, missing: "-"), String($0.parameters),
            String(format: "%.0f", $0.seconds), $0.startedAt,
          ]
        }
      let widths = (0..<8).map { c in table.map { $0[c].count }.max() ?? 0 }
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
