import AtomicFiles
import ExperimentDefinitions
import Reports
import RunStorage
import Runs
import Slurm

/// An error in the command line's own words: a library error with advice added, or a fact found
/// while running (a sweep given to `report run`). ArgumentParser prints a `ValidationError` with
/// the usage text, which suits a malformed flag, not these.
struct AdvisedError: Error, CustomStringConvertible {
  let description: String
}

/// The command line's words for library errors: the libraries state facts (file, key, value);
/// only the command line knows its flags and where its output goes.
enum Advice {
  /// `error` with what the user can do about it, or `error` itself when there is nothing to add;
  /// `outputRoot` is the command's `--output`.
  static func adding(to error: Error, outputRoot: String) -> Error {
    switch error {
    case FileError.unwritable:
      return AdvisedError(description: "\(error). Choose a writable place with --output DIR.")
    case RunError.missingRun(let name):
      return AdvisedError(
        description: "no run '\(name)': give a run directory, a run id, or an experiment name with"
          + " finished runs (see \(outputRoot)/index.html)")
    case RunError.noCheckpoint(_, let experiment, let command):
      let again =
        command
        ?? RunCommands.shellJoined(
          ["report", "run", experiment]
            + (outputRoot == RunWorkspace.defaultOutputRoot ? [] : ["--output", outputRoot]))
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
    case let error as ConfigError where error.isAboutOverride:
      // Overrides come from --set here; the library calls them overrides.
      return AdvisedError(
        description: "--set " + "\(error)".dropFirst(ConfigError.overridePlace.count))
    default:
      return error
    }
  }
}
