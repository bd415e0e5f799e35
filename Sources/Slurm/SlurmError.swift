/// What went wrong talking to Slurm.
public enum SlurmError: Error, CustomStringConvertible, Equatable {
  /// A Slurm command is on none of the directories searched.
  case missingCommand(String, searched: String)
  /// Slurm refused a command; `message` is its own.
  case rejected(command: String, message: String)
  /// `sbatch --parsable` printed something that is not a job id.
  case unreadableJobID(String)
  /// A job option with a value Slurm would misread.
  case badOption(name: String, value: String, expected: String)

  public var description: String {
    switch self {
    case .missingCommand(let tool, let searched):
      return "\(tool) is not on the PATH (\(searched)): Slurm's client commands are needed"
    case .rejected(let command, let message):
      return "Slurm refused `\(command)`: \(message)"
    case .unreadableJobID(let output):
      return "sbatch printed no job id: '\(output)'"
    case .badOption(let name, let value, let expected):
      return "\(name) '\(value)': expected \(expected)"
    }
  }
}
