import ArgumentParser
import Experiments
import Foundation

extension Report {
  /// `report compare A B C ...`: one page comparing experiments or runs.
  struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare experiments (their completed runs, one per seed) or run ids on one HTML page.")

    @Argument(help: "Experiment names or run ids, at least two.")
    var references: [String]

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard references.count >= 2 else { throw ValidationError("give at least two experiments or runs to compare") }
    }

    func run() throws {
      let runner = options.runner()
      let database = try RunDatabase(outputRoot: options.output)
      let groups = try references.map { reference -> (name: String, runs: [RunPaths]) in
        // An experiment name: its newest completed run for each seed; otherwise one run.
        let completed = try database.rows(experiment: reference, status: "completed")
        if !completed.isEmpty {
          var bySeed: [Int64: RunPaths] = [:]
          for row in completed where bySeed[row.seed] == nil { bySeed[row.seed] = RunPaths(directory: row.directory) }
          return (reference, bySeed.sorted { $0.key < $1.key }.map(\.value))
        }
        let paths = try runner.locate(reference)
        return (reference, [paths])
      }
      let name = references.map { $0.replacingOccurrences(of: "/", with: "_") }.joined(separator: "-vs-")
      print(try ComparisonReport(title: "Comparison: " + references.joined(separator: ", "), groups: groups).write(to: options.output + "/compare/" + name))
    }
  }
}
