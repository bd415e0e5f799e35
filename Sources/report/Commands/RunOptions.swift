import ArgumentParser
import Experiments

/// Options every command that reads or writes runs shares.
struct OutputOptions: ParsableArguments {
  @Option(name: .long, help: "Where runs and reports go (default: output).")
  var output = "output"

  @Option(name: .long, help: "Directory holding experiment definitions (default: experiments).")
  var experiments = "experiments"

  @Flag(name: .long, help: "Embed figures in report.html so that one file can be mailed (default: link them).")
  var singleFile = false

  func runner() -> ExperimentRunner {
    let runner = ExperimentRunner(outputRoot: output)
    runner.singleFile = singleFile
    return runner
  }
}
