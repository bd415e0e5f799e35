import ArgumentParser
import Foundation
import Reports
import RunStorage
import Runs

extension PageFormat: ExpressibleByArgument {}

/// Options every command that reads or writes runs shares.
struct OutputOptions: ParsableArguments {
  @Option(name: .long, help: "Where runs and reports go (default: output).")
  var output = RunWorkspace.defaultOutputRoot

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

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Seconds a training run retries a write to an unreachable run index before it trains on "
        + "without it (default: 60).", valueName: "seconds"))
  var storeRetry: Double = 60

  @OptionGroup var logging: LoggingOptions

  /// The environment variable naming the run index when `--store` does not.
  static let storeVariable = "REPORT_STORE"

  func validate() throws {
    guard storeRetry >= 0 else { throw ValidationError("--store-retry must be 0 or more seconds") }
    do {
      _ = try storeLocation()
    } catch {
      throw ValidationError(
        "\(error) (from \(store == nil ? "$" + Self.storeVariable : "--store"))")
    }
  }

  /// The run index: `--store`, else `$REPORT_STORE`, else `runs.sqlite` under `--output`.
  func storeLocation(outputRoot: String? = nil) throws -> RunStoreLocation {
    let variable = ProcessInfo.processInfo.environment[Self.storeVariable]
    guard let uri = store ?? (variable?.isEmpty == false ? variable : nil) else {
      return .embedded(outputRoot: outputRoot ?? output)
    }
    return try RunStoreLocation(parsing: uri)
  }

  /// The runs under `outputRoot` (default `--output`), indexed in the store `--store` names
  /// (default: the output root's own).
  func workspace(outputRoot: String? = nil) -> RunWorkspace {
    let root = outputRoot ?? output
    let workspace = RunWorkspace(
      outputRoot: root, reporter: RunPageReporter(singleFile: singleFile, format: format))
    workspace.openStore = { try storeLocation(outputRoot: root).open() }
    return workspace
  }

  /// The catalog of the runs under `outputRoot` (default `--output`).
  func catalog(outputRoot: String? = nil) -> RunCatalog {
    workspace(outputRoot: outputRoot).catalog
  }

  /// The command that brings the index back in line with the run folders.
  var reindexCommand: String {
    let store = (try? storeLocation()).map { " --store '\($0)'" } ?? ""
    return "report reindex\(store) --output '\(output)'"
  }

  /// A trainer that shows progress, stops cleanly on Ctrl-C, SIGTERM and SIGHUP, and trains on
  /// when the run index goes away.
  func trainer(threads: Int? = nil) -> RunTrainer {
    let trainer = RunTrainer(workspace: workspace())
    trainer.threads = threads
    trainer.callbacks = [ProgressDisplay()]
    trainer.storePatience = storeRetry
    let reindex = reindexCommand
    trainer.storeUnreachable = { error in
      let message =
        "the run index cannot be reached (\(error)); training goes on and the run folder keeps "
        + "everything. Once the index is back, `\(reindex)` restores the run's row"
      logger.warning("\(message)")
    }
    Interruption.install()
    trainer.isCancelled = { Interruption.isRequested }
    return trainer
  }
}

/// The run a command acts on.
struct RunReference: ParsableArguments {
  @Argument(help: "A run folder, a run id, or an experiment name (its newest run).")
  var reference: String

  /// The run's folder, as `catalog` resolves the reference.
  func paths(in catalog: RunCatalog) throws -> RunPaths { try catalog.run(reference) }
}

/// Refuses a `--threads` count outside 1...256.
func validateThreads(_ threads: Int?) throws {
  if let threads, !(1...256).contains(threads) {
    throw ValidationError("--threads must be between 1 and 256")
  }
}
