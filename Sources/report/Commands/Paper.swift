import ArgumentParser
import Datasets
import ExperimentDefinitions
import Foundation
import Reports
import Runs

extension Report {
  /// `report paper`: regenerate the paper's Section 4.
  struct Paper: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Reproduce the paper's figures, submission CSV and results table into OUTPUT/paper/ "
        + "(training `paper` first if no completed run exists)."
    )

    @Option(
      name: .customLong("run"),
      help: "Use this run instead of the newest completed run of the `paper` experiment.")
    var chosenRun: String?

    @OptionGroup var options: OutputOptions

    func run() throws {
      let trainer = options.trainer()
      let catalog = trainer.workspace.catalog
      let paper = try ExperimentLibrary(directory: options.experiments).load("paper")
      let paths: RunPaths
      if let chosenRun {
        paths = try catalog.run(chosenRun)
      } else if let finished = try? catalog.run("paper"),
        (try? RunRecord(loading: finished))?.summary.status == .completed
      {
        paths = finished
      } else {
        logger.info(
          "no completed run of `paper` yet: training it (up to 100 epochs with early stopping)")
        paths = try trainer.start(paper).paths
      }
      print(
        try PaperReproduction(run: paths, paper: paper, format: options.format).write(
          to: options.output + "/paper"))
    }
  }
}
