/// An `sbatch` script: a job array (or a single job) running one command line.
public struct BatchScript: Equatable {
  /// The job's name in `squeue`.
  public var jobName: String
  /// Array task ids (nil: a single job), and how many run at once (nil: no limit).
  public var arrayIndices: [Int]?, throttle: Int?
  /// The partition (nil: the cluster's default) and time limit (`MM`, `HH:MM:SS`, `D-HH`...).
  public var partition: String?, timeLimit: String?
  /// CPUs each task gets.
  public var cpusPerTask: Int
  /// The directory tasks start in (nil: where `sbatch` ran).
  public var workingDirectory: String?
  /// Where each task's output goes (`%a` is the array task id, `%j` the job id).
  public var logPath: String
  /// Seconds before the time limit at which Slurm sends the command SIGTERM
  /// (`--signal=B:TERM@N`; the command is the batch shell, which `exec`s it), so that a run
  /// checkpoints and stops as interrupted instead of being killed. Nil: no early signal.
  public var stopSignalSeconds: Int?
  /// Whether the job may be requeued (`--requeue`: by `scontrol requeue`, on preemption or node
  /// failure); a requeued trial continues from its checkpoint.
  public var requeue = false
  /// The command each task runs. A word may use the variables in `taskVariables`, written
  /// `${NAME}`; everything else is quoted literally.
  public var command: [String]

  /// The Slurm variables a command word may refer to.
  public static let taskVariables = ["SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_ID"]

  /// A script for `command`; check the options with `validate()`.
  public init(
    jobName: String, arrayIndices: [Int]? = nil, throttle: Int? = nil, partition: String? = nil,
    timeLimit: String? = nil, cpusPerTask: Int = 1, logPath: String, command: [String]
  ) {
    (self.jobName, self.arrayIndices, self.throttle) = (jobName, arrayIndices, throttle)
    (self.partition, self.timeLimit, self.cpusPerTask) = (partition, timeLimit, cpusPerTask)
    (self.logPath, self.command) = (logPath, command)
  }

  /// Throws `SlurmError.badOption` for an option Slurm would misread or refuse.
  public func validate() throws {
    if let timeLimit,
      timeLimit.range(of: #"^(\d+-)?\d+(:\d+){0,2}$"#, options: .regularExpression) == nil
    {
      throw SlurmError.badOption(
        name: "time limit", value: timeLimit,
        expected: "minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS")
    }
    if let partition, partition.isEmpty || partition.contains(where: { $0.isWhitespace }) {
      throw SlurmError.badOption(
        name: "partition", value: partition, expected: "a partition name without spaces")
    }
    if let stopSignalSeconds, !(1...65_535).contains(stopSignalSeconds) {
      throw SlurmError.badOption(
        name: "stop signal", value: "\(stopSignalSeconds) s", expected: "1 to 65535 seconds")
    }
    if cpusPerTask < 1 {
      throw SlurmError.badOption(
        name: "CPUs per task", value: "\(cpusPerTask)", expected: "1 or more")
    }
    if let throttle, throttle < 1 {
      throw SlurmError.badOption(
        name: "array throttle", value: "\(throttle)", expected: "1 or more")
    }
  }

  /// The `--array` value: the task ids, then `%throttle`.
  public var arraySpecification: String? {
    arrayIndices.map {
      $0.map(String.init).joined(separator: ",") + (throttle.map { "%\($0)" } ?? "")
    }
  }

  /// The script's text.
  public var text: String {
    var lines = ["#!/bin/bash", "#SBATCH --job-name=\(Self.quoted(jobName))"]
    if let array = arraySpecification { lines.append("#SBATCH --array=\(array)") }
    if let partition { lines.append("#SBATCH --partition=\(partition)") }
    if let timeLimit { lines.append("#SBATCH --time=\(timeLimit)") }
    lines.append("#SBATCH --cpus-per-task=\(cpusPerTask)")
    lines.append("#SBATCH --output=\(Self.quoted(logPath))")
    if let workingDirectory { lines.append("#SBATCH --chdir=\(Self.quoted(workingDirectory))") }
    if let stopSignalSeconds { lines.append("#SBATCH --signal=B:TERM@\(stopSignalSeconds)") }
    if requeue { lines.append("#SBATCH --requeue") }
    lines.append("exec " + command.map(Self.shellWord).joined(separator: " "))
    return lines.joined(separator: "\n") + "\n"
  }

  /// `value` in double quotes for an `#SBATCH` line.
  private static func quoted(_ value: String) -> String {
    "\"" + value.replacingOccurrences(of: "\"", with: "") + "\""
  }

  /// `word` for bash, in double quotes: `\`, `"`, `` ` `` and `$` escaped, except the `$` of a
  /// `${NAME}` reference to one of `taskVariables`.
  static func shellWord(_ word: String) -> String {
    var result = "\""
    var rest = Substring(word)
    while let first = rest.first {
      if let variable = taskVariables.first(where: { rest.hasPrefix("${\($0)}") }) {
        result += "${\(variable)}"
        rest = rest.dropFirst(variable.count + 3)
        continue
      }
      if "\\\"`$".contains(first) { result += "\\" }
      result.append(first)
      rest = rest.dropFirst()
    }
    return result + "\""
  }
}
