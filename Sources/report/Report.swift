import ArgumentParser

/// The `report` command line: train convolutional networks from experiment files and turn every
/// run into a notebook-style HTML report.
@main
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train CNNs on handwritten digits and write notebook-style HTML reports.",
    subcommands: [
      Run.self, Resume.self, Render.self, List.self, Show.self, Reindex.self, Compare.self,
      EnsembleCommand.self,
      Paper.self, Predict.self, Submit.self, Bench.self, Check.self,
    ])

  static func main() {
    KernelSelection.restartWithPreferredKernelsIfNeeded()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: Advice.adding(to: error))
    }
  }
}
