import ArgumentParser
import Foundation
import Reports
import Runs

extension Report {
  /// `report ensemble RUN... [--name N]`: average completed runs' test probabilities into an
  /// ensemble, recorded and reported like a run.
  struct EnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ensemble",
      abstract:
        "Average completed runs' test probabilities (soft voting) into an ensemble with its own "
        + "run folder, report and index row.",
      discussion:
        "Members are chosen by you; the best member, which fixes and breaks are counted against, "
        + "is the one with the highest validation accuracy. Test labels choose nothing.")

    @Argument(
      help: ArgumentHelp(
        "Run ids or folders, or experiment names (all completed runs of the experiment's newest "
          + "configuration: its seeds); at least two runs in all."))
    var members: [String]

    @Option(help: "The ensemble's name (default: ensemble-<the members' experiment names>).")
    var name: String?

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard !members.isEmpty else { throw ValidationError("give the runs to average") }
      if let name { try Runs.Ensemble.validate(name: name) }
    }

    func run() throws {
      let runner = options.runner()
      let paths = try runner.ensembleMembers(members)
      let (ensemble, reused) = try runner.buildEnsemble(paths, name: name)
      if reused {
        FileHandle.standardError.write(
          Data("reusing ensemble \(ensemble.runID): same name and members\n".utf8))
      }
      let summary = try RunRecord(loading: ensemble).summary
      if let accuracy = summary.testAccuracy {
        FileHandle.standardError.write(
          Data(
            String(
              format: "ensemble of %d runs: test accuracy %.2f%%\n", paths.count, accuracy * 100
            ).utf8))
      }
      print(options.pages.mainPath(forPage: ensemble.report))
    }
  }
}
