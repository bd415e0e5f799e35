import ArgumentParser
import Foundation
import Reports
import Runs

extension Report {
  /// `report compare A B C ...`: one page comparing experiments or runs.
  struct Compare: ParsableCommand, OutputCommand {
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
      let groups = try options.catalog().comparisonGroups(references)
      guard groups.count >= 2 || groups.reduce(0, { $0 + $1.runs.count }) >= 2 else {
        throw AdvisedError(
          description:
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
