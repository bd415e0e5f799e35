import ArgumentParser
import Foundation
import Reports
import RunStorage
import Runs

extension Report {
  /// `report compare A B C ...`: one page comparing experiments or runs.
  struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Compare experiments (their completed runs, one per seed) or run ids on one HTML page; "
        + "one experiment alone shows its spread over seeds."
    )

    @Argument(help: "Experiment names or run ids; one experiment needs at least two seeds.")
    var references: [String]

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard !references.isEmpty else {
        throw ValidationError("give the experiments or runs to compare")
      }
    }

    func run() throws {
      let runner = options.runner()
      let store = try options.storeLocation().open()
      let groups = try references.map { reference -> (name: String, runs: [RunPaths]) in
        // An experiment name: its newest completed run for each configuration (without the
        // seed) and seed; the report splits the configurations apart. Otherwise one run.
        let completed = try store.runs(experiment: reference, status: .completed)
        if !completed.isEmpty {
          var newest: [String: IndexedRun] = [:]
          for row in completed {
            let paths = RunPaths(directory: row.directory)
            let group = row.groupHash ?? (try? RunRecord.experiment(of: paths).groupHash) ?? ""
            let key = "\(group) \(row.seed)"
            if newest[key] == nil { newest[key] = row }
          }
          let rows = newest.values.sorted { ($0.startedAt, $0.seed) < ($1.startedAt, $1.seed) }
          return (reference, rows.map { RunPaths(directory: $0.directory) })
        }
        let paths = try runner.locate(reference)
        return (reference, [paths])
      }
      guard groups.count >= 2 || groups.reduce(0, { $0 + $1.runs.count }) >= 2 else {
        throw ValidationError(
          "\(references[0]) has one completed run: compare it with another experiment, or train "
            + "more seeds (report run \(references[0]) --seeds 5)"
        )
      }
      let name = references.map { $0.replacingOccurrences(of: "/", with: "_") }.joined(
        separator: "-vs-")
      print(
        try ComparisonReport(
          title: "Comparison: " + references.joined(separator: ", "), groups: groups,
          singleFile: options.singleFile, format: options.format
        ).write(to: options.output + "/compare/" + name))
    }
  }
}
