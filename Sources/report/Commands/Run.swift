import ArgumentParser
import ExperimentDefinitions
import Foundation
import Reports
import Runs

extension Report {
  /// `report run NAME`: train an experiment and write its report.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train an experiment and write its notebook-style HTML report.")

    @Argument(
      help:
        "An experiment in experiments/ (e.g. quick, baseline, paper) or the path of a YAML file.")
    var name: String

    @Option(
      name: .customLong("set"),
      help: "Override a key of the definition, e.g. --set training.epochs=2 (repeatable).")
    var overrides: [String] = []

    @Option(
      help: "Train this many seeds (seed, seed+1, ...); overrides the file's `seeds:` (default: 1)."
    )
    var seeds: Int?

    @Flag(
      help: ArgumentHelp(
        "Train even when a finished run of exactly this configuration, data and committed code "
          + "exists."))
    var force = false

    @Flag(help: "Print what would train and what is cached, and train nothing.")
    var plan = false

    @Option(
      help: ArgumentHelp(
        "Run only trial K (0-based) of the sweep (the file's `sweep:` block or --set KEY=a,b,c), "
          + "as an ordinary run tagged with the sweep and its values."))
    var trial: Int?

    @Option(
      help: "Run this many sweep trials at once, as child processes sharing the cores (default: 1)."
    )
    var jobs = 1

    @Option(
      help: ArgumentHelp(
        "Worker threads for training, not part of the configuration (default: training.threads, "
          + "else all cores)."))
    var threads: Int?

    @Flag(help: "Run a sweep of more than 10,000 trials.")
    var yes = false

    @OptionGroup var options: OutputOptions

    @OptionGroup(title: "Executor") var executor: ExecutorOptions

    func validate() throws {
      if executor.runID != nil, trial == nil {
        throw ValidationError("--run-id names the run of one trial: give --trial too")
      }
      if let seeds, !(1...100).contains(seeds) {
        throw ValidationError("--seeds must be between 1 and 100")
      }
      if let trial, trial < 0 { throw ValidationError("--trial must be 0 or more") }
      if !(1...256).contains(jobs) { throw ValidationError("--jobs must be between 1 and 256") }
      try validateThreads(threads)
    }

    func run() throws {
      let library = ExperimentLibrary(directory: options.experiments)
      let comparison = try library.comparison(name)
      if comparison == nil,
        let sweep = try library.sweep(name, overrides: overrides, seeds: seeds, allowLarge: yes)
      {
        try SweepCommand(sweep: sweep, request: self).run()
        return
      }
      if trial != nil || jobs > 1 || executor.executor != .local || executor.finishArray != nil {
        throw ValidationError(
          "\(name) declares no sweep: --trial, --jobs and --executor need a `sweep:` block in its "
            + "file or a grid such as --set training.epochs=1,2")
      }
      let runner = plan ? options.runner() : options.trainingRunner(threads: threads)
      if let comparison {
        try runComparison(comparison, library: library, runner: runner)
        return
      }
      let experiment = try library.load(name, overrides: overrides)
      let variants = try (0..<(seeds ?? experiment.seeds)).map {
        try experiment.withSeed(index: $0)
      }
      if plan {
        for variant in variants { print(try planLine(variant, runner: runner)) }
        return
      }
      runner.startCommand = startCommand(name, multipleSeeds: variants.count > 1)
      for variant in variants {
        FileHandle.standardError.write(
          Data(
            ("training \(variant.name), seed \(variant.seed) (config "
              + "\(variant.configHash.prefix(12)))\n").utf8))
        let paths = try runner.run(variant, force: force)
        if runner.reusedCachedRun {
          FileHandle.standardError.write(
            Data(
              ("reusing finished run \(paths.runID): same configuration, data and commit (--force "
                + "trains again)\n").utf8))
        }
        try finish(paths, pages: options.pages)
      }
      if variants.count > 1 {
        FileHandle.standardError.write(
          Data(
            ("\(variants.count) seeds done: `report compare \(experiment.name)` shows their mean, "
              + "spread and 95% interval\n").utf8))
      }
    }

    private func runComparison(
      _ comparison: Comparison, library: ExperimentLibrary, runner: ExperimentRunner
    ) throws {
      // Experiments only the ensemble names train too, without a column of their own.
      let names =
        comparison.experiments
        + comparison.ensemble.filter {
          !comparison.experiments.contains($0)
        }
      let experiments = try names.flatMap { name -> [Experiment] in
        let e = try library.load(name, overrides: overrides)
        return try (0..<(seeds ?? e.seeds)).map { try e.withSeed(index: $0) }
      }
      if plan {
        for e in experiments { print(try planLine(e, runner: runner)) }
        return
      }
      var groups: [String: [RunPaths]] = [:]
      for e in experiments {
        runner.startCommand = startCommand(e.name, multipleSeeds: e.seeds > 1 || (seeds ?? 1) > 1)
        let paths = try runner.run(e, force: force)
        FileHandle.standardError.write(
          Data(
            ("\(runner.reusedCachedRun ? "reused" : "trained") \(e.name) seed \(e.seed): "
              + "\(paths.runID)\n").utf8))
        groups[e.name, default: []].append(paths)
      }
      var entries = comparison.experiments.map { (name: $0, runs: groups[$0] ?? []) }
      if !comparison.ensemble.isEmpty {
        // Exactly the runs this comparison trained or reused, each experiment once.
        var listed = Set<String>()
        let members = comparison.ensemble.filter { listed.insert($0).inserted }
          .flatMap { groups[$0] ?? [] }
        let (ensemble, reused) = try runner.buildEnsemble(members)
        FileHandle.standardError.write(
          Data(
            ("\(reused ? "reused" : "built") ensemble \(ensemble.experiment): "
              + "\(ensemble.runID)\n").utf8))
        entries.append((ensemble.experiment, [ensemble]))
      }
      let page = try ComparisonReport(
        title: comparison.title, groups: entries,
        singleFile: options.singleFile, format: options.format
      ).write(to: options.output + "/compare/" + comparison.name)
      print(page)
    }

    /// The command that trains one seed of experiment `name` again, as this command was given:
    /// the same overrides and folders, that seed alone.
    private func startCommand(_ name: String, multipleSeeds: Bool) -> (Experiment) -> String {
      { [overrides, options] experiment in
        var words = ["report", "run", name] + overrides.flatMap { ["--set", $0] }
        if multipleSeeds { words += ["--set", "seed=\(experiment.seed)", "--seeds", "1"] }
        if options.output != "output" { words += ["--output", options.output] }
        if options.experiments != "experiments" { words += ["--experiments", options.experiments] }
        words += options.pageArguments
        return RunCommands.shellJoined(words)
      }
    }

    private func planLine(_ experiment: Experiment, runner: ExperimentRunner) throws -> String {
      if let cached = try runner.plan(experiment), !force {
        return "cached  \(experiment.name) seed \(experiment.seed): run \(cached.runID)"
      }
      let dirty =
        runner.provenance([:]).isCommittedCode
        ? "" : " (uncommitted code changes or no git: runs are not reused)"
      return
        "train   \(experiment.name) seed \(experiment.seed): up to \(experiment.training.epochs) "
        + "epochs, batch \(experiment.training.batchSize), config "
        + "\(experiment.configHash.prefix(12))\(dirty)"
    }
  }

  /// `report resume RUN`: continue an interrupted run.
  struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Continue an interrupted run from its last finished epoch.")

    @OptionGroup var target: RunReference

    @Option(
      help: ArgumentHelp(
        "Worker threads for training (default: training.threads, else the count the run started "
          + "with, so it computes what an unbroken run would)."))
    var threads: Int?

    @OptionGroup var options: OutputOptions

    func validate() throws {
      try validateThreads(threads)
    }

    func run() throws {
      let runner = options.trainingRunner(threads: threads)
      let paths = try runner.resume(try target.paths(in: runner))
      try finish(paths, pages: options.pages)
    }
  }

  /// `report render RUN`: redraw a run's figures and report without training.
  struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rebuild a run's figures and report.html from what it recorded, without training.")

    @OptionGroup var target: RunReference

    @OptionGroup var options: OutputOptions

    func run() throws {
      let paths = try target.paths(in: options.runner())
      try HTMLRunReporter(singleFile: options.singleFile, format: options.format).render(
        try RunRecord(loading: paths))
      print(options.pages.mainPath(forPage: paths.report))
    }
  }
}

/// Prints where the report is (as `pages` writes it), and exits non-zero for runs that did not
/// complete (or were not pruned by their sweep).
func finish(_ paths: RunPaths, pages: PageWriter) throws {
  let summary = try RunRecord(loading: paths).summary
  if let accuracy = summary.testAccuracy {
    let line = String(
      format: "test accuracy %.2f%%, status %@\n", accuracy * 100, summary.status.rawValue)
    FileHandle.standardError.write(Data(line.utf8))
  }
  print(pages.mainPath(forPage: paths.report))
  switch summary.status {
  case .completed, .pruned: return
  case .interrupted:
    FileHandle.standardError.write(
      Data("interrupted: continue with `\(RunCommands.resume(paths))`\n".utf8))
    throw ExitCode(130)
  case .failed, .running, .lost, .queued:
    let reason = summary.failureReason ?? "see the report"
    FileHandle.standardError.write(Data("run \(summary.status.rawValue): \(reason)\n".utf8))
    throw ExitCode.failure
  }
}
