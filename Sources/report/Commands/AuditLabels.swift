import ArgumentParser
import ExperimentDefinitions
import Foundation
import Reports
import Runs

extension Report {
  /// `report audit-labels NAME`: out-of-fold models of an experiment judge its training labels.
  struct AuditLabels: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      commandName: "audit-labels",
      abstract: "Find suspect training labels with out-of-fold models and confident learning.",
      discussion:
        "Trains K runs of the experiment, each without one stratified fold of the training "
        + "images (dataset.folds, dataset.held_out_fold), under the name NAME-audit. Finished "
        + "folds are reused and interrupted ones resumed, so running the command again goes on "
        + "where it stopped. Writes <output>/audits/NAME/: index.html, label_issues.csv (the "
        + "flagged labels, for `--set dataset.exclude=FILE`) and suspect_labels.csv.")

    @Argument(help: "An experiment in experiments/ or the path of a YAML file.")
    var name: String

    @Option(help: "How many folds, and so fold runs (default: 5).")
    var folds = 5

    @Option(
      name: .customLong("set"),
      help: "Override a key of the definition, e.g. --set training.epochs=2 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Train every fold again, even when a finished run of it exists.")
    var force = false

    @Option(help: "Worker threads for training (default: training.threads, else all cores).")
    var threads: Int?

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard (2...100).contains(folds) else {
        throw ValidationError("--folds must be between 2 and 100")
      }
      try validateThreads(threads)
    }

    func run() throws {
      let library = ExperimentLibrary(directory: options.experiments)
      let base = try library.load(name, overrides: overrides)
      guard base.dataset.fold == nil else {
        throw ValidationError(
          "\(name) already holds a fold out (dataset.folds); audit-labels chooses the folds itself")
      }
      let experiments = try (0..<folds).map {
        try library.load(
          name,
          overrides: overrides
            + LabelAudit.foldOverrides(experiment: base.name, fold: $0, of: folds))
      }
      let trainer = options.trainer(threads: threads)
      trainer.startCommand = { [self] _ in restartCommand }
      var fold = 0
      let runs = try LabelAudit.foldRuns(experiments, trainer: trainer, force: force) {
        paths, start in
        fold += 1
        switch start {
        case .trained: break
        case .reused: logger.info("fold \(fold) of \(folds): reusing finished run \(paths.runID)")
        case .resumed: logger.info("fold \(fold) of \(folds): resumed run \(paths.runID)")
        }
        _ = try finish(paths, trainer: start == .reused ? nil : trainer, options: options)
      }
      let audit = try LabelAudit(folds: runs)
      let directory = LabelAuditPage.directory(of: base.name, outputRoot: options.output)
      let page = try LabelAuditPage(audit: audit, experiment: base.name, directory: directory)
        .write(with: options.pages)
      let excluded = "\(directory)/\(LabelAudit.labelIssuesFile)"
      let accuracy = String(format: "%.2f%%", audit.accuracy * 100)
      logger.info(
        "\(audit.flagged.count) of \(audit.images.count) training labels flagged (out-of-fold accuracy \(accuracy)); train without them: --set dataset.exclude=\(excluded)"
      )
      print(page)
    }

    /// This command again, for a fold lost before its first checkpoint.
    private var restartCommand: String {
      var words = ["report", "audit-labels", name, "--folds", String(folds)]
      words += overrides.flatMap { ["--set", $0] }
      if options.output != RunWorkspace.defaultOutputRoot { words += ["--output", options.output] }
      if options.experiments != "experiments" { words += ["--experiments", options.experiments] }
      return RunCommands.shellJoined(words + options.pageArguments)
    }
  }
}
