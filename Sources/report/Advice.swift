import AtomicFiles
import ExperimentDefinitions
import Reports
import RunStorage
import Runs
import Slurm

/// A library error with the command line's advice added.
struct AdvisedError: Error, CustomStringConvertible {
  let description: String
}

/// The command line's words for library errors: the libraries state facts (file, key, value);
/// only the command line knows its flags and where its output goes.
enum Advice {
  /// How the library names an override's place in its messages.
  private static let overridePrefix = "override "

  /// The output root the command line names (`--output DIR` or `--output=DIR`), else `output`.
  static func outputRoot(in arguments: [String]) -> String {
    for (index, argument) in arguments.enumerated() {
      if argument == "--output", index + 1 < arguments.count { return arguments[index + 1] }
      if argument.hasPrefix("--output=") { return String(argument.dropFirst("--output=".count)) }
    }
    return "output"
  }

  /// `error` with what the user can do about it, or `error` itself when there is nothing to add.
  static func adding(to error: Error, arguments: [String] = CommandLine.arguments) -> Error {
    switch error {
    case FileError.unwritable:
      return AdvisedError(description: "\(error). Choose a writable place with --output DIR.")
    case RunError.missingRun(let name):
      return AdvisedError(
        description: "no run '\(name)': give a run directory, a run id, or an experiment name with"
          + " finished runs (see \(outputRoot(in: arguments))/index.html)")
    case RunError.noCheckpoint(_, let experiment, let command):
      let again =
        command
        ?? RunCommands.shellJoined(
          ["report", "run", experiment]
            + (outputRoot(in: arguments) == "output"
              ? [] : ["--output", outputRoot(in: arguments)]))
      return AdvisedError(description: "\(error). Start it again with `\(again)`.")
    case RunError.stillRunning(_, let process?) where process.isOnThisMachine:
      return AdvisedError(
        description: "\(error). Wait for it to finish, or stop it first (`kill \(process.pid)`).")
    case RunStoreError.unreachable:
      return AdvisedError(
        description: "\(error)\nCheck --store or $\(OutputOptions.storeVariable), and that the "
          + "server is running.")
    case SlurmError.missingCommand:
      return AdvisedError(
        description: "\(error). Install Slurm's client (Debian: slurm-client), or leave out "
          + "--executor slurm to run the trials here.")
    case ConfigError.tooManyTrials:
      return AdvisedError(description: "\(error); pass --yes to run them all")
    case let error as ConfigError where "\(error)".hasPrefix(overridePrefix):
      // Overrides come from --set here; the library calls them overrides.
      return AdvisedError(description: "--set " + "\(error)".dropFirst(overridePrefix.count))
    default:
      return error
    }
  }
}
