import ArgumentParser
import Foundation
import Reports
import RunStorage
import Runs

extension PageFormat: ExpressibleByArgument {}

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

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Write reports and pages as html, as a Jupyter notebook beside it (ipynb: report.ipynb, "
        + "figures embedded), or both (default: html).", valueName: "html|ipynb|both"))
  var format = PageFormat.html

  /// Writes pages in the formats `--format` and `--single-file` ask for.
  var pages: PageWriter { PageWriter(format: format, singleFile: singleFile) }

  /// The arguments that give another `report` process the same `--single-file` and `--format`.
  var pageArguments: [String] {
    (singleFile ? ["--single-file"] : []) + (format == .html ? [] : ["--format", format.rawValue])
  }

  @Option(
    name: .long,
    help: ArgumentHelp(
      "The run index: sqlite:PATH or postgresql://user@host:port/database (default: "
        + "$\(Self.storeVariable), else sqlite:<output>/runs.sqlite).", valueName: "uri"))
  var store: String?

  /// The environment variable naming the run index when `--store` does not.
  static let storeVariable = "REPORT_STORE"

  func validate() throws {
    do {
      _ = try storeLocation()
    } catch {
      throw ValidationError(
        "\(error) (from \(store == nil ? "$" + Self.storeVariable : "--store"))")
    }
  }

  /// The run index: `--store`, else `$REPORT_STORE`, else `runs.sqlite` under `--output`.
  func storeLocation() throws -> RunStoreLocation {
    let variable = ProcessInfo.processInfo.environment[Self.storeVariable]
    guard let uri = store ?? (variable?.isEmpty == false ? variable : nil) else {
      return .embedded(outputRoot: output)
    }
    return try RunStoreLocation(parsing: uri)
  }

  func runner() -> ExperimentRunner {
    let runner = ExperimentRunner(
      outputRoot: output, reporter: HTMLRunReporter(singleFile: singleFile, format: format))
    runner.openStore = { _ in try storeLocation().open() }
    return runner
  }

  /// A runner that shows progress and stops cleanly on Ctrl-C.
  func trainingRunner(threads: Int? = nil) -> ExperimentRunner {
    let runner = runner()
    runner.threads = threads
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

/// Refuses a `--threads` count outside 1...256.
func validateThreads(_ threads: Int?) throws {
  if let threads, !(1...256).contains(threads) {
    throw ValidationError("--threads must be between 1 and 256")
  }
}
