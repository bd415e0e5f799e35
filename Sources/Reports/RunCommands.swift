import Foundation
import Runs

/// The commands a page or a message gives for doing something with a run, exactly as a user
/// types them from where they ran `report`.
public enum RunCommands {
  /// `report resume RUN`, with `--output` when the run is not under the default output root.
  public static func resume(_ paths: RunPaths) -> String {
    shellJoined(["report", "resume", paths.runID] + outputOption(paths))
  }

  /// The command that starts `summary`'s run again: the one it recorded, else `report run` of its
  /// experiment.
  public static func startAgain(_ summary: RunSummary, paths: RunPaths) -> String {
    summary.command
      ?? shellJoined(["report", "run", summary.experiment, "--force"] + outputOption(paths))
  }

  private static func outputOption(_ paths: RunPaths) -> [String] {
    let root = paths.outputRoot
    return root == RunWorkspace.defaultOutputRoot || root.isEmpty ? [] : ["--output", root]
  }

  /// `words` as one shell command line: each word single-quoted when it holds anything but
  /// letters, digits and `-_./=:,+@%`.
  public static func shellJoined(_ words: [String]) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    return words.map { word in
      !word.isEmpty && word.allSatisfy(plain.contains)
        ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }.joined(separator: " ")
  }
}
