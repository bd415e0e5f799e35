import ArgumentParser
import Experiments
import Foundation

extension Report {
  /// `report run NAME`: train an experiment and write its report.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train an experiment and write its notebook-style HTML report.")

    @Argument(help: "An experiment in experiments/ (e.g. quick, baseline, paper) or the path of a YAML file.")
    var name: String

    @Option(name: .customLong("set"), help: "Override a key of the definition, e.g. --set training.epochs=2 (repeatable).")
    var overrides: [String] = []

    @OptionGroup var options: OutputOptions

    func run() throws {
      let experiment = try ExperimentLibrary(directory: options.experiments).load(name, overrides: overrides)
      let runner = options.runner()
      runner.callbacks = [ProgressDisplay()]
      Interruption.install()
      runner.isCancelled = { Interruption.isRequested }
      FileHandle.standardError.write(Data("training \(experiment.name) (config \(experiment.configHash.prefix(12)))\n".utf8))
      let paths = try runner.run(experiment)
      try finish(paths)
    }
  }

  /// `report resume RUN`: continue an interrupted run.
  struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue an interrupted run from its last finished epoch.")

    @Argument(help: "A run folder, a run id, or an experiment name (its newest run).")
    var reference: String

    @OptionGroup var options: OutputOptions

    func run() throws {
      let runner = options.runner()
      runner.callbacks = [ProgressDisplay()]
      Interruption.install()
      runner.isCancelled = { Interruption.isRequested }
      let paths = try runner.resume(try runner.locate(reference))
      try finish(paths)
    }
  }

  /// `report render RUN`: redraw a run's figures and report without training.
  struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild a run's figures and report.html from what it recorded, without training.")

    @Argument(help: "A run folder, a run id, or an experiment name (its newest run).")
    var reference: String

    @OptionGroup var options: OutputOptions

    func run() throws {
      let runner = options.runner()
      let paths = try runner.locate(reference)
      try runner.render(paths)
      print(paths.report)
    }
  }
}

/// Prints where the report is, and exits non-zero for runs that did not complete.
private func finish(_ paths: RunPaths) throws {
  let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths.summary))) as? [String: Any] ?? [:]
  let status = summary["status"] as? String ?? "unknown"
  if let accuracy = summary["test_accuracy"] as? Double {
    FileHandle.standardError.write(Data(String(format: "test accuracy %.2f%%, status %@\n", accuracy * 100, status).utf8))
  }
  print(paths.report)
  switch status {
  case "completed": return
  case "interrupted":
    FileHandle.standardError.write(Data("interrupted: continue with `report resume \(paths.runID)`\n".utf8))
    throw ExitCode(130)
  default:
    FileHandle.standardError.write(Data("run \(status): \(summary["failure_reason"] as? String ?? "see the report")\n".utf8))
    throw ExitCode.failure
  }
}
