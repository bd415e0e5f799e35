import Foundation

/// Writes files atomically: to a temporary name beside the target, then renamed over it, so a
/// crash never leaves a half-written file.
public enum AtomicFile {
  /// Lets `produce` write the content to a temporary path beside `path`, then renames it over
  /// `path`; the temporary file is removed when either step fails. `produce` may make a
  /// directory instead, to make a new folder appear whole (`path` must not exist then).
  public static func replace(
    _ path: String, producing produce: (_ temporary: String) throws -> Void
  ) throws {
    let name = (path as NSString).lastPathComponent
    let temporary = "\((path as NSString).deletingLastPathComponent)/.\(name).\(getpid()).tmp"
    do {
      try produce(temporary)
      guard rename(temporary, path) == 0 else {
        throw FileError.unwritable(path: path, reason: String(cString: strerror(errno)))
      }
    } catch {
      // The error being thrown says what failed; what is left of the temporary goes with it.
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
  }

  /// Deletes the temporary files (and folders) that processes which no longer exist left in
  /// `directory` when they were killed between writing and renaming; returns their names. Temporary files of
  /// living processes are kept: they are about to be renamed.
  @discardableResult
  public static func removeAbandonedTemporaries(in directory: String) throws -> [String] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory)
    } catch {
      throw FileError.unwritable(path: directory, reason: (error as NSError).localizedDescription)
    }
    let abandoned = names.filter { name in
      let parts = name.split(separator: ".", omittingEmptySubsequences: false)
      guard name.hasPrefix("."), parts.count >= 4, parts.last == "tmp",
        let pid = pid_t(parts[parts.count - 2])
      else { return false }
      return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
    }
    for name in abandoned {
      let path = "\(directory)/\(name)"
      do {
        try FileManager.default.removeItem(atPath: path)
      } catch  where FileManager.default.fileExists(atPath: path) {
        throw FileError.unwritable(path: path, reason: (error as NSError).localizedDescription)
      }
    }
    return abandoned
  }

  /// Writes `data` to `path` atomically, naming the path in any error.
  public static func write(_ data: Data, to path: String) throws {
    try replace(path) { temporary in
      guard FileManager.default.createFile(atPath: temporary, contents: data) else {
        throw FileError.unwritable(path: path, reason: String(cString: strerror(errno)))
      }
    }
  }

  /// Writes UTF-8 text atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// Writes a value as sorted, pretty JSON atomically.
  public static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try write(try encoder.encode(value), to: path)
  }
}

/// Directories that must exist before files are written into them.
public enum Directory {
  /// Creates `path` and its parents when missing; an error names the path and the reason.
  public static func create(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw FileError.unwritable(path: path, reason: (error as NSError).localizedDescription)
    }
  }

  /// The folders `create(path)` would make: `path` and those of its parents that do not exist
  /// yet, innermost first (to remove again when what filled them fails).
  public static func missingAncestors(of path: String) -> [String] {
    var missing: [String] = []
    var folder = path
    while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
      missing.append(folder)
      folder = (folder as NSString).deletingLastPathComponent
    }
    return missing
  }
}

/// A file or directory that cannot be written.
public enum FileError: Error, CustomStringConvertible, Equatable {
  /// `path` cannot be created or replaced, for `reason`.
  case unwritable(path: String, reason: String)

  public var description: String {
    switch self {
    case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
    }
  }
}
