import ArgumentParser
import ExperimentDefinitions
import Foundation
import Reports
import Runs
import Sweeps

/// Where a sweep's trials run.
enum Executor: String, ExpressibleByArgument, CaseIterable {
  /// This machine, `--jobs` at a time.
  case local
  /// A Slurm job array, one task per trial, and a job writing the sweep page after it.
  case slurm
}

extension Report {
  /// `report sweep NAME`: a hyper-parameter sweep, here or on Slurm, and its page.
  struct Sweep: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Run a sweep (NAME's `sweep:` block, or --set keys given several values): every trial not "
        + "finished yet, here or as a Slurm job array, then the sweep page.",
      discussion:
        "--trial K runs one trial alone, as the sweep would (what each Slurm task runs); --status "
        + "prints every trial's state; --plan says what would train.")

    @Argument(help: "An experiment in experiments/ that declares a sweep, or its YAML file.")
    var name: String

    @Option(
      name: .customLong("set"),
      help: "Override a key, or sweep it with several values: --set training.epochs=1,2,3.")
    var overrides: [String] = []

    @Option(help: "Seeds per combination of values; overrides the sweep's `seeds:`.")
    var seeds: Int?

    @Flag(help: "Train every trial again, even those with a finished run.")
    var force = false

    @Flag(help: "Print what would train and what is cached, and train nothing.")
    var plan = false

    @Flag(help: "Print every trial's state: its run, status, epochs and best metric.")
    var status = false

    @Option(help: "Run only trial K (0-based), as the sweep runs it.")
    var trial: Int?

    @Option(help: "Trials at once, as child processes sharing the cores (default: 1).")
    var jobs = 1

    @Option(
      help: ArgumentHelp(
        "Worker threads of each trial (default: training.threads, else the cores divided among "
          + "--jobs)."))
    var threads: Int?

    @Flag(help: "Run a sweep of more than 10,000 trials.")
    var yes = false

    @OptionGroup var options: OutputOptions

    @OptionGroup(title: "Slurm") var cluster: ClusterOptions

    func validate() throws {
      if let seeds, !(1...100).contains(seeds) {
        throw ValidationError("--seeds must be between 1 and 100")
      }
      if let trial, trial < 0 { throw ValidationError("--trial must be 0 or more") }
      if !(1...256).contains(jobs) { throw ValidationError("--jobs must be between 1 and 256") }
      if cluster.runID != nil, trial == nil {
        throw ValidationError("--run-id names the run of one trial: give --trial too")
      }
      try validateThreads(threads)
    }

    func run() throws {
      guard
        let sweep = try ExperimentLibrary(directory: options.experiments).sweep(
          name, overrides: overrides, seeds: seeds, allowLarge: yes)
      else {
        throw AdvisedError(
          description:
            "\(name) declares no sweep: give it a `sweep:` block, or sweep a key with --set "
            + "KEY=a,b,c (`report run \(name)` trains it as it is)")
      }
      let trainer = options.trainer(threads: threads)
      let runner = SweepRunner(sweep: sweep, trainer: trainer, options: sweepOptions)
      if let array = cluster.finishArray {
        print(try runner.finishArray(array, store: try options.storeLocation()))
      } else if status {
        printStatus(runner)
      } else if plan {
        for (index, cached) in try runner.plan(trial: trial) {
          let trial = try runner.describe(index)
          print((cached.map { "cached  run \($0.runID)  " } ?? "train   ") + trial)
        }
      } else if let trial {
        let paths = try runner.runTrial(trial, runID: cluster.runID).paths
        if try !finish(paths, trainer: trainer, options: options) {
          throw ExitCode(indexBehindStatus)
        }
      } else if cluster.executor == .slurm {
        let submission = try runner.submit(to: cluster.slurm, store: try options.storeLocation())
        if let job = submission.arrayJob { print(job) }
      } else {
        let outcome = try runner.runAll(
          isCancelled: { Interruption.isRequested }, passOn: { Interruption.signalForChildren })
        print(outcome.page)
        if Interruption.isRequested { throw ExitCode(Interruption.exitStatus) }
        guard outcome.failed.isEmpty else {
          logger.error(
            "trials \(outcome.failed.map(String.init).joined(separator: ", ")) did not finish")
          throw ExitCode.failure
        }
      }
    }

    /// The library's options, as this command line gives them.
    private var sweepOptions: SweepOptions {
      var sweep = SweepOptions()
      sweep.force = force
      sweep.jobs = jobs
      sweep.threads = threads
      sweep.pages = options.pages
      sweep.definition = name
      // What every trial process needs to resolve the same sweep into the same folders.
      sweep.sharedArguments =
        overrides.flatMap { ["--set", $0] } + (seeds.map { ["--seeds", String($0)] } ?? [])
        + (yes ? ["--yes"] : [])
        + ["--output", options.output, "--experiments", options.experiments]
        + (options.store.map { ["--store", $0] } ?? []) + options.pageArguments
      return sweep
    }

    private func printStatus(_ runner: SweepRunner) {
      for line in runner.statusTable() { print(line) }
    }
  }
}

/// `report sweep`'s options for running a sweep on a cluster.
struct ClusterOptions: ParsableArguments {
  @Option(
    help: "Where trials run: local (here, --jobs at a time) or slurm (an sbatch job array).")
  var executor = Executor.local

  @Option(help: "Slurm: the partition (default: the cluster's default).")
  var partition: String?

  @Option(help: "Slurm: each trial's time limit, e.g. 30 or 2:00:00 (default: the partition's).")
  var timeLimit: String?

  @Option(help: "Slurm: CPUs for each trial, which is also its training threads (default: 1).")
  var cpusPerTrial = 1

  @Option(help: "Slurm: at most this many trials running at once (default: no limit).")
  var arrayThrottle: Int?

  @Option(
    help: ArgumentHelp(
      "The run id of this trial's run (set by the Slurm array).", visibility: .hidden))
  var runID: String?

  @Option(
    help: ArgumentHelp(
      "After Slurm array JOB: record its trials that never started as failed, write the page.",
      valueName: "job", visibility: .hidden))
  var finishArray: String?

  /// What each trial asks of the cluster.
  var slurm: SlurmOptions {
    var options = SlurmOptions()
    options.partition = partition
    options.timeLimit = timeLimit
    options.cpusPerTrial = cpusPerTrial
    options.arrayThrottle = arrayThrottle
    return options
  }

  func validate() throws {
    if let runID,
      runID.isEmpty || !runID.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
    {
      throw ValidationError("--run-id '\(runID)': letters, digits, '-', '_' and '.' only")
    }
    if !(1...256).contains(cpusPerTrial) {
      throw ValidationError("--cpus-per-trial must be between 1 and 256")
    }
    if let arrayThrottle, arrayThrottle < 1 {
      throw ValidationError("--array-throttle must be 1 or more")
    }
  }
}
