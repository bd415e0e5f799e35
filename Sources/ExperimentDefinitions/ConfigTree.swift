import Datasets
import Foundation
import Yams

/// Where a configuration value came from: a file position, or a `--set` override.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
  public var file: String, line: Int, column: Int

  public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// A parsed YAML value that remembers its position, so every error can name file, line and
/// column. Mappings keep their key order.
public indirect enum ConfigTree: Equatable, Sendable {
  case scalar(String, SourceLocation)
  case mapping([(key: String, keyLocation: SourceLocation, value: ConfigTree)], SourceLocation)
  case sequence([ConfigTree], SourceLocation)
  case null(SourceLocation)

  public static func == (a: ConfigTree, b: ConfigTree) -> Bool { a.yaml() == b.yaml() }

  /// Where this value starts.
  public var location: SourceLocation {
    switch self {
    case .scalar(_, let l), .mapping(_, let l), .sequence(_, let l), .null(let l): return l
    }
  }

  /// Parses YAML text from `file` (used in locations); `positions` false leaves line and column
  /// out, for values given on the command line.
  public static func parse(_ text: String, file: String, positions: Bool = true) throws
    -> ConfigTree
  {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw ConfigError.syntax(file: file, message: "\(error)")
    }
    guard let node else {
      return .mapping(
        [], SourceLocation(file: file, line: positions ? 1 : 0, column: positions ? 1 : 0))
    }
    return convert(node, file: file, positions: positions)
  }

  private static func convert(_ node: Node, file: String, positions: Bool) -> ConfigTree {
    func at(_ mark: Mark?) -> SourceLocation {
      positions
        ? SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
        : SourceLocation(file: file, line: 0, column: 0)
    }
    let location = at(node.mark)
    switch node {
    case .scalar(let scalar):
      if scalar.style == .plain, nullWords.contains(scalar.string) {
        return .null(location)
      }
      return .scalar(scalar.string, location)
    case .mapping(let mapping):
      return .mapping(
        mapping.map { key, value in
          (key.string ?? "\(key)", at(key.mark), convert(value, file: file, positions: positions))
        }, location)
    case .sequence(let sequence):
      return .sequence(sequence.map { convert($0, file: file, positions: positions) }, location)
    case .alias:
      return .null(location)
    }
  }

  /// `overrides` laid over this tree: mappings merge key by key, anything else is replaced.
  public func merged(with overrides: ConfigTree) -> ConfigTree {
    guard case .mapping(var base, let location) = self, case .mapping(let top, _) = overrides else {
      return overrides
    }
    for entry in top {
      if let i = base.firstIndex(where: { $0.key == entry.key }) {
        base[i] = (entry.key, entry.keyLocation, base[i].value.merged(with: entry.value))
      } else {
        base.append(entry)
      }
    }
    return .mapping(base, location)
  }

  /// The tree with `value` set at the dotted `path` ("training.epochs"), creating mappings on
  /// the way. Sequence elements are addressed by index ("model.2.filters").
  public func setting(_ path: [String], to value: ConfigTree) throws -> ConfigTree {
    guard let head = path.first else { return value }
    let rest = Array(path.dropFirst())
    switch self {
    case .mapping(var entries, let location):
      if let i = entries.firstIndex(where: { $0.key == head }) {
        entries[i].value = try entries[i].value.setting(rest, to: value)
      } else {
        entries.append(
          (
            head, value.location,
            try ConfigTree.mapping([], value.location).setting(rest, to: value)
          ))
      }
      return .mapping(entries, location)
    case .sequence(var items, let location):
      guard let index = Int(head), items.indices.contains(index) else {
        throw ConfigError.invalid(
          at: value.location, "'\(head)' is not an index of this list of \(items.count)")
      }
      items[index] = try items[index].setting(rest, to: value)
      return .sequence(items, location)
    case .null(let location):
      return try ConfigTree.mapping([], location).setting(path, to: value)
    case .scalar:
      throw ConfigError.invalid(at: value.location, "cannot set '\(head)' inside a plain value")
    }
  }

  /// Canonical YAML for this tree (keys in their order), for records and hashes.
  public func yaml(indent: Int = 0) -> String {
    let pad = String(repeating: "  ", count: indent)
    switch self {
    case .null: return "null"
    case .scalar(let s, _): return ConfigTree.quoted(s)
    case .mapping(let entries, _):
      if entries.isEmpty { return "{}" }
      return entries.map { entry in
        switch entry.value {
        case .mapping(let inner, _) where !inner.isEmpty:
          return "\(pad)\(entry.key):\n\(entry.value.yaml(indent: indent + 1))"
        case .sequence(let inner, _) where !inner.isEmpty:
          return "\(pad)\(entry.key):\n\(entry.value.yaml(indent: indent + 1))"
        default: return "\(pad)\(entry.key): \(entry.value.yaml(indent: indent + 1))"
        }
      }.joined(separator: "\n")
    case .sequence(let items, _):
      if items.isEmpty { return "[]" }
      return items.map { item in
        switch item {
        case .mapping(let inner, _) where inner.count == 1 && inner[0].value.isFlat:
          // One layer per line: "- conv2d: {filters: 64, kernel: 3}".
          return "\(pad)- \(inner[0].key): \(inner[0].value.flow)"
        case .mapping(let inner, _) where !inner.isEmpty:
          let body = item.yaml(indent: indent + 1)
          return "\(pad)- " + body.dropFirst(pad.count + 2)
        default: return "\(pad)- \(item.yaml(indent: indent + 1))"
        }
      }.joined(separator: "\n")
    }
  }

  /// The plain scalars YAML reads as null.
  private static let nullWords: Set = ["", "~", "null", "Null", "NULL"]

  /// A mapping of plain values (or an empty one): printable on one line.
  var isFlat: Bool {
    switch self {
    case .mapping(let entries, _):
      return entries.allSatisfy {
        if case .scalar = $0.value { return true }
        if case .null = $0.value { return true }
        return false
      }
    case .null: return true
    default: return false
    }
  }

  /// Flow style for flat mappings: {a: 1, b: 2}.
  var flow: String {
    guard case .mapping(let entries, _) = self else { return yaml() }
    return "{" + entries.map { "\($0.key): \($0.value.yaml())" }.joined(separator: ", ") + "}"
  }

  private static func quoted(_ s: String) -> String {
    // Plain only where YAML reads the text back as this same string: not the null words `parse`
    // turns into null, and not "-" or "- ...", which start a list.
    let plain =
      s.range(of: #"^[A-Za-z0-9_./+-][A-Za-z0-9_ ./+()-]*$"#, options: .regularExpression) != nil
      && !s.hasSuffix(" ") && !nullWords.contains(s) && s != "-" && !s.hasPrefix("- ")
    guard !plain else { return s }
    return "\""
      + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n") + "\""
  }
}

extension ConfigTree {
  /// The keys a group of runs may differ in: which seed, how many, and the prose and labels
  /// about them.
  public static let ungroupedKeys: Set<String> = ["seed", "seeds", "description", "tags"]

  /// SHA-256 of this resolved definition's canonical YAML without `seed`, `seeds` and
  /// `description`, so runs of one configuration at different seeds share it.
  public var groupHash: String {
    guard case .mapping(let entries, let location) = self else {
      return Checksum.sha256(Data(yaml().utf8))
    }
    let kept = ConfigTree.mapping(
      entries.filter { !ConfigTree.ungroupedKeys.contains($0.key) }, location)
    return Checksum.sha256(Data(kept.yaml().utf8))
  }
}
