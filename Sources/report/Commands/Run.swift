import ArgumentParser
import ExperimentDefinitions
import Foundation
import Reports
import Runs

extension Report {
  /// `report run NAME`: train an experiment (one seed or several) or a declared comparison, and
  /// write the reports.
  struct Run: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train an experiment and write its notebook-style HTML report.",
      discussion:
        "NAME may also declare a comparison (`compare:`), whose members train and are compared. "
        + "A sweep (`sweep:`, or --set KEY=a,b,c) runs with `report sweep NAME`.")

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
        "Worker threads for training, not part of the configuration (default: training.threads, "
          + "else all cores)."))
    var threads: Int?

    @OptionGroup var options: OutputOptions

    func validate() throws {
      if let seeds, !(1...100).contains(seeds) {
        throw ValidationError("--seeds must be between 1 and 100")
      }
      try validateThreads(threads)
    }

    func run() throws {
      let library = ExperimentLibrary(directory: options.experiments)
      let comparison = try library.comparison(name)
      if comparison == nil, try library.sweep(name, overrides: overrides, allowLarge: true) != nil {
        let words = ["report", "sweep", name] + overrides.flatMap { ["--set", $0] }
        throw AdvisedError(
          description:
            "\(name) is a sweep (a `sweep:` block, or --set with several values): run it with `"
            + RunCommands.shellJoined(words) + "`")
      }
      let trainer = options.trainer(threads: threads)
      let jobs = try trainingJobs(comparison, library: library)
      let sources = try untrainedSources(of: jobs, library: library, workspace: trainer.workspace)
      if plan {
        let cache = RunCache(workspace: trainer.workspace)
        for job in sources + jobs {
          print(try planLine(job.experiment, cache: cache, sources: sources))
        }
        return
      }
      var trained: [String: [RunPaths]] = [:]
      var indexBehind = false
      for job in sources + jobs {
        let experiment = job.experiment
        trainer.startCommand = startCommand(job)
        let why =
          job.isSource ? ": the init.from source of what follows, with no completed run" : ""
        logger.info(
          "training \(experiment.name), seed \(experiment.seed) (config \(experiment.configHash.prefix(12)))\(why)"
        )
        let started = try trainer.start(experiment, force: force && !job.isSource)
        if started.reused {
          logger.info(
            "reusing finished run \(started.paths.runID): same configuration, data and commit (--force trains again)"
          )
        }
        if comparison == nil || job.isSource {
          let indexed = try finish(
            started.paths, trainer: started.reused ? nil : trainer, options: options)
          indexBehind = indexBehind || !indexed
        }
        if !job.isSource { trained[experiment.name, default: []].append(started.paths) }
      }
      if let comparison {
        print(try compare(comparison, runs: trained, workspace: trainer.workspace))
      } else if jobs.count > 1 {
        logger.info(
          "\(jobs.count) seeds done: `report compare \(name)` shows their mean, spread and 95% interval"
        )
      }
      if indexBehind { throw ExitCode(indexBehindStatus) }
    }

    /// One run to train, and how to start it again by itself.
    private struct TrainingJob {
      var experiment: Experiment
      /// The experiment name and overrides `report run` takes to train it again.
      var command: String
      var overrides: [String]
      /// Whether its experiment trains several seeds here (the command then names the seed).
      var multipleSeeds: Bool
      /// An `init.from` source trained first because it had no completed run.
      var isSource = false
    }

    /// What `report run NAME` trains: NAME's seeds, or every member of the comparison NAME at
    /// each of its label budgets and seeds.
    private func trainingJobs(_ comparison: Comparison?, library: ExperimentLibrary) throws
      -> [TrainingJob]
    {
      guard let comparison else {
        let experiments = try variants(of: library.load(name, overrides: overrides), seeds: nil)
        let file = (library.file(for: name) as NSString).lastPathComponent
        if let named = experiments.first?.name, named != (file as NSString).deletingPathExtension {
          logger.info("\(file) runs as '\(named)', the name of its runs' folder")
        }
        return jobs(experiments, command: name, overrides: overrides)
      }
      // Experiments only the ensemble names train too, without a column of their own.
      let names =
        comparison.experiments
        + comparison.ensemble.filter {
          !comparison.experiments.contains($0)
        }
      let budgets =
        comparison.labelBudgets.isEmpty ? [[]] : comparison.labelBudgets.map(\.overrides)
      return try names.flatMap { member in
        try budgets.flatMap { budget -> [TrainingJob] in
          let experiments = try variants(
            of: library.load(member, overrides: overrides + budget), seeds: comparison.seeds)
          return jobs(experiments, command: member, overrides: overrides + budget)
        }
      }
    }

    /// The seeds `experiments` of one configuration, each started again by `report run command`
    /// with `overrides`.
    private func jobs(_ experiments: [Experiment], command: String, overrides: [String])
      -> [TrainingJob]
    {
      experiments.map {
        TrainingJob(
          experiment: $0, command: command, overrides: overrides,
          multipleSeeds: experiments.count > 1)
      }
    }

    /// The experiments `jobs` name in `init.from` that have a file but no completed run: they
    /// train first, at their own definition and seed.
    private func untrainedSources(
      of jobs: [TrainingJob], library: ExperimentLibrary, workspace: RunWorkspace
    ) throws -> [TrainingJob] {
      var names: [String] = []
      for job in jobs {
        guard let source = job.experiment.initialization?.from, !names.contains(source),
          FileManager.default.fileExists(atPath: library.file(for: source)),
          try TransferSource.newestCompletedRun(of: source, in: workspace) == nil
        else { continue }
        names.append(source)
      }
      return try names.map {
        TrainingJob(
          experiment: try library.load($0), command: $0, overrides: [], multipleSeeds: false,
          isSource: true)
      }
    }

    /// `experiment` at each seed `--seeds` (else `seeds`, else its file's `seeds:`) asks for.
    private func variants(of experiment: Experiment, seeds defaultSeeds: Int?) throws
      -> [Experiment]
    {
      try (0..<(seeds ?? defaultSeeds ?? experiment.seeds)).map {
        try experiment.withSeed(index: $0)
      }
    }

    /// The comparison page of `comparison`'s members from the `runs` just trained or reused,
    /// with its ensemble when it declares one; returns the page's path.
    private func compare(
      _ comparison: Comparison, runs: [String: [RunPaths]], workspace: RunWorkspace
    ) throws -> String {
      var groups = comparison.experiments.map { (name: $0, runs: runs[$0] ?? []) }
      if !comparison.ensemble.isEmpty {
        // Exactly the runs this comparison trained or reused, each experiment once.
        var listed = Set<String>()
        let members = comparison.ensemble.filter { listed.insert($0).inserted }
          .flatMap { runs[$0] ?? [] }
        let ensemble = try EnsembleBuilder(workspace: workspace).build(members)
        let verb = ensemble.reused ? "reused" : "built"
        logger.info("\(verb) ensemble \(ensemble.paths.experiment): \(ensemble.paths.runID)")
        groups.append((ensemble.paths.experiment, [ensemble.paths]))
      }
      return try ComparisonReport(
        title: comparison.title, groups: groups, singleFile: options.singleFile,
        format: options.format
      ).write(to: options.output + "/compare/" + comparison.name)
    }

    /// The command that trains `job`'s run again, as this command was given: the same overrides
    /// and folders, its seed alone.
    private func startCommand(_ job: TrainingJob) -> (Experiment) -> String {
      { [options] experiment in
        var words = ["report", "run", job.command] + job.overrides.flatMap { ["--set", $0] }
        if job.multipleSeeds { words += ["--set", "seed=\(experiment.seed)", "--seeds", "1"] }
        if options.output != RunWorkspace.defaultOutputRoot {
          words += ["--output", options.output]
        }
        if options.experiments != "experiments" { words += ["--experiments", options.experiments] }
        words += options.pageArguments
        return RunCommands.shellJoined(words)
      }
    }

    /// What `--plan` says of `experiment`: cached (with its run) or what would train. A run
    /// whose `init.from` is among `sources` cannot be looked up before its source trains.
    private func planLine(_ experiment: Experiment, cache: RunCache, sources: [TrainingJob]) throws
      -> String
    {
      let source = experiment.initialization?.from
      let waits = sources.contains { $0.experiment.name == source }
      if !force, !waits, let cached = try cache.plan(experiment) {
        return "cached  \(experiment.name) seed \(experiment.seed): run \(cached.runID)"
      }
      let dirty =
        cache.isCommittedCode ? "" : " (uncommitted code changes or no git: runs are not reused)"
      let after = waits ? ", after its init.from source \(source ?? "")" : ""
      return
        "train   \(experiment.name) seed \(experiment.seed): up to \(experiment.training.epochs) "
        + "epochs, batch \(experiment.training.batchSize), config "
        + "\(experiment.configHash.prefix(12))\(after)\(dirty)"
    }
  }

  /// `report resume RUN`: continue an interrupted run.
  struct Resume: ParsableCommand, OutputCommand {
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
      let trainer = options.trainer(threads: threads)
      let paths = try trainer.resume(try target.paths(in: trainer.workspace.catalog))
      if try !finish(paths, trainer: trainer, options: options) {
        throw ExitCode(indexBehindStatus)
      }
    }
  }

  /// `report render RUN`: redraw a run's figures and report without training.
  struct Render: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rebuild a run's figures and report.html from what it recorded, without training.")

    @OptionGroup var target: RunReference

    @OptionGroup var options: OutputOptions

    func run() throws {
      let paths = try target.paths(in: options.catalog())
      try RunPageReporter(singleFile: options.singleFile, format: options.format).render(
        try RunRecord(loading: paths))
      print(options.pages.mainPath(forPage: paths.report))
    }
  }
}

/// The exit status of a run that finished but whose last state did not reach the run index
/// (sysexits' EX_TEMPFAIL): nothing is lost, `report reindex` brings the row back.
let indexBehindStatus: Int32 = 75

/// Prints where the report is (as `options` write pages), and exits non-zero for runs that did not
/// complete (or were not pruned by their sweep). Returns false, having said so, when `trainer`
/// could not record the run's final state in the index.
func finish(_ paths: RunPaths, trainer: RunTrainer?, options: OutputOptions) throws -> Bool {
  let indexed = trainer?.missedIndexUpdate == nil
  if let error = trainer?.missedIndexUpdate {
    let message =
      "run \(paths.runID) finished, but the run index still lacks its last state (\(error)); "
      + "the run folder has everything: `\(options.reindexCommand)` restores the row"
    logger.error("\(message)")
  }
  let summary = try RunRecord(loading: paths).summary
  if let accuracy = summary.testAccuracy {
    logger.info(
      "\(String(format: "test accuracy %.2f%%", accuracy * 100)), status \(summary.status.rawValue)"
    )
  }
  print(options.pages.mainPath(forPage: paths.report))
  switch summary.status {
  case .completed, .pruned: return indexed
  case .interrupted:
    logger.info("interrupted: continue with `\(RunCommands.resume(paths))`")
    throw ExitCode(Interruption.exitStatus)
  case .failed, .running, .lost, .queued:
    logger.error("run \(summary.status.rawValue): \(summary.failureReason ?? "see the report")")
    throw ExitCode.failure
  }
}
