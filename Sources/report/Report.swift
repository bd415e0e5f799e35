import ArgumentParser
import Logging
import Runs

/// The `report` command line: train convolutional networks from experiment files and turn every
/// run into a notebook-style HTML report.
@main
struct Report: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train CNNs on handwritten digits and write notebook-style HTML reports.",
    subcommands: [
      Run.self, Sweep.self, Resume.self, Render.self, List.self, Show.self, Reindex.self,
      Compare.self, EnsembleCommand.self, Paper.self, Predict.self, Submit.self, Bench.self,
      Check.self, Serve.self, Export.self, AuditLabels.self,
    ])

  static func main() async {
    KernelSelection.restartWithPreferredKernelsIfNeeded()
    LoggingSystem.bootstrap { _ in PlainStandardErrorLogHandler() }
    var outputRoot = RunWorkspace.defaultOutputRoot
    do {
      var command = try parseAsRoot()
      if let options = (command as? OutputCommand)?.options { outputRoot = options.output }
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: Advice.adding(to: error, outputRoot: outputRoot))
    }
  }
}

/// A command that reads or writes runs under `--output`: the advice on its errors names it.
protocol OutputCommand {
  var options: OutputOptions { get }
}
