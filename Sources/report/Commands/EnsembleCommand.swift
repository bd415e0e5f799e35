import ArgumentParser
import Foundation
import Reports
import Runs

extension Report {
  /// `report ensemble RUN... [--name N]`: average completed runs' test probabilities into an
  /// ensemble, recorded and reported like a run.
  struct EnsembleCommand: ParsableCommand, OutputCommand {
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
      let workspace = options.workspace()
      let members = try workspace.catalog.ensembleMembers(self.members)
      let ensemble = try EnsembleBuilder(workspace: workspace).build(members, name: name)
      if ensemble.reused {
        logger.info("reusing ensemble \(ensemble.paths.runID): same name and members")
      }
      if let accuracy = try RunRecord(loading: ensemble.paths).summary.testAccuracy {
        logger.info(
          "\(String(format: "ensemble of %d runs: test accuracy %.2f%%", members.count, accuracy * 100))"
        )
      }
      print(options.pages.mainPath(forPage: ensemble.paths.report))
    }
  }
}
