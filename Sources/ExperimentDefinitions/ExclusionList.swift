import Datasets
import Foundation

/// `dataset.exclude: FILE`: training images to leave out, as the `index` column of a CSV such as
/// the `label_issues.csv` that `report audit-labels` writes. Indices count the source's training
/// images from 0, in file order.
public struct ExclusionList: Sendable, Equatable {
  /// The file as the definition names it.
  public let path: String
  /// The indices it lists, each once.
  public let indices: Set<Int>
  /// SHA-256 of the file, so that a run's cache key changes with the list.
  public let checksum: String

  /// Reads `path`; `imageCount` is how many training images the source holds.
  public init(path: String, imageCount: Int) throws {
    guard let data = FileManager.default.contents(atPath: path) else { throw Self.unreadable(path) }
    guard let text = String(data: data, encoding: .utf8) else {
      throw Self.error(path, 0, "dataset.exclude: the file is not UTF-8 text")
    }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    let header = lines.first.map {
      $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
    guard let column = header?.firstIndex(of: "index") else {
      throw Self.error(path, 1, "dataset.exclude: the header has no 'index' column")
    }
    var indices = Set<Int>()
    for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      let lineNumber = offset + 1
      guard column < fields.count else {
        throw Self.error(path, lineNumber, "dataset.exclude: the line has no 'index' field")
      }
      let field = fields[column].trimmingCharacters(in: .whitespaces)
      guard let index = Int(field) else {
        throw Self.error(
          path, lineNumber, "dataset.exclude: index '\(field)' is not a whole number")
      }
      guard (0..<imageCount).contains(index) else {
        throw Self.error(
          path, lineNumber,
          "dataset.exclude: index \(index) is outside the \(imageCount) training images (0 to \(imageCount - 1))"
        )
      }
      indices.insert(index)
    }
    self.path = path
    self.indices = indices
    checksum = Checksum.sha256(data)
  }

  /// The provenance key of the list's checksum, beside the data files' own.
  static func checksumKey(_ path: String) -> String {
    "exclude:\((path as NSString).lastPathComponent)"
  }

  /// The error for a list that cannot be read.
  static func unreadable(_ path: String) -> ConfigError {
    error(path, 0, "dataset.exclude: cannot read the file")
  }

  private static func error(_ path: String, _ line: Int, _ message: String) -> ConfigError {
    .invalid(at: SourceLocation(file: path, line: line, column: line > 0 ? 1 : 0), message)
  }
}
