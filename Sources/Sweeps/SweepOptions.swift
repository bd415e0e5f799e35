import Foundation
import Reports

/// How a sweep runs, as plain values: what `report sweep` passes to the library, and what a test
/// sets without starting the binary.
public struct SweepOptions: Sendable {
  /// Train every trial again, even those with a finished run.
  public var force = false
  /// Trials running at once on this machine, as child processes sharing the cores.
  public var jobs = 1
  /// Worker threads of each trial (default: the cores divided among `jobs`).
  public var threads: Int?
  /// How pages are written.
  public var pages = PageWriter(format: .html, singleFile: false)
  /// The `report` binary trial processes run (default: this process's own).
  public var executable: String?
  /// How trial processes name the sweep's definition (an experiment name or a YAML path, as the
  /// command line was given it; default: the swept experiment's name).
  public var definition: String?
  /// The arguments every trial process gets after `sweep NAME`, so that it resolves the same
  /// sweep into the same output and store (the command line's `--set`, `--output`, `--store`...).
  public var sharedArguments: [String] = []

  /// Options for running trials one at a time in this process.
  public init() {}

  /// The threads each of `jobs` trials trains with: `threads`, else the cores divided among them.
  var threadsPerTrial: Int {
    threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
  }

  /// The binary trial processes run.
  func binary() throws -> String {
    try executable ?? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
  }
}

/// What a Slurm submission asks of the cluster.
public struct SlurmOptions: Sendable {
  /// The partition (nil: the cluster's default).
  public var partition: String?
  /// Each trial's time limit, e.g. `30` or `2:00:00` (nil: the partition's).
  public var timeLimit: String?
  /// CPUs for each trial, which are also its training threads.
  public var cpusPerTrial = 1
  /// At most this many trials running at once (nil: no limit).
  public var arrayThrottle: Int?

  /// The cluster's defaults, one CPU a trial.
  public init() {}
}
