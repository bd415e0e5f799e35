/// Everything that can be wrong with a dataset on disk, each naming the file and how to fix it.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
  /// The file is not there (neither raw nor .gz).
  case missingFile(path: String, hint: String)
  /// The file could not be decompressed or read.
  case unreadable(path: String, reason: String)
  /// The IDX header or size is wrong.
  case malformedIDX(path: String, reason: String)
  /// The content's SHA-256 is not the published one.
  case checksumMismatch(path: String, expected: String, actual: String)
  /// Images and labels disagree, or a label is out of range.
  case inconsistent(path: String, reason: String)
  /// A CSV line is wrong.
  case malformedCSV(path: String, line: Int, reason: String)
  /// A split or subset request cannot be met.
  case invalidRequest(String)

  public var description: String {
    switch self {
    case .missingFile(let path, let hint): return "\(path): file not found. \(hint)"
    case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
    case .malformedIDX(let path, let reason): return "\(path): not a valid IDX file: \(reason)"
    case .checksumMismatch(let path, let expected, let actual):
      return
        "\(path): SHA-256 of the content is \(actual), expected \(expected); the file is corrupt "
        + "or another version. Restore it from the source named in its README."
    case .inconsistent(let path, let reason): return "\(path): \(reason)"
    case .malformedCSV(let path, let line, let reason): return "\(path):\(line): \(reason)"
    case .invalidRequest(let reason): return reason
    }
  }
}
