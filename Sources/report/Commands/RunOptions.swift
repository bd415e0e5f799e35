import ArgumentParser
import Reports
import Runs

/// Options every command that reads or writes runs shares.
struct OutputOptions: ParsableArguments {
  @Option(name: .long, help: "Where runs and reports go (default: output).")
  var output = "output"

  @Option(name: .long, help: "Directory holding experiment definitions (default: experiments).")
  var experiments = "experiments"

  @Flag(
    name: .long,
    help: "Embed figures in report.html so that one file can be mailed (default: link them).")
  var singleFile = false

  func runner() -> ExperimentRunner {
    ExperimentRunner(outputRoot: output, reporter: HTMLRunReporter(singleFile: singleFile))
  }

  /// A runner that shows progress and stops cleanly on Ctrl-C.
  func trainingRunner() -> ExperimentRunner {
    let runner = runner()
    runner.callbacks = [ProgressDisplay()]
    Interruption.install()
    runner.isCancelled = { Interruption.isRequested }
    return runner
  }
}

/// The run a command acts on.
struct RunReference: ParsableArguments {
  @Argument(help: "A run folder, a run id, or an experiment name (its newest run).")
  var reference: String

  /// The run's folder under `runner`'s output.
  func paths(in runner: ExperimentRunner) throws -> RunPaths { try runner.locate(reference) }
}
