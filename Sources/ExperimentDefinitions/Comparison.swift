import Foundation

/// A declared comparison (`experiments/NAME.yaml` with a `compare:` list): `report run NAME`
/// trains the missing experiments and writes the comparison page.
public struct Comparison: Sendable {
  public var name: String
  public var title: String
  public var experiments: [String]
  /// The experiments whose completed runs (all seeds of each one's newest configuration) are
  /// averaged into one more entry, an ensemble, after training (`ensemble:`; empty when absent).
  public var ensemble: [String] = []
}

extension ExperimentLibrary {
  /// The comparison `nameOrPath` declares, or nil when it is an ordinary experiment.
  public func comparison(_ nameOrPath: String) throws -> Comparison? {
    let path = file(for: nameOrPath)
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let tree = try ConfigTree.parse(String(decoding: data, as: UTF8.self), file: path)
    guard case .mapping(let entries, _) = tree, entries.contains(where: { $0.key == "compare" })
    else { return nil }
    var reader = try ConfigReader(tree, section: "")
    let defaultName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let title = try reader.string("title") ?? "Comparison: \(defaultName)"
    guard let list = reader.tree("compare"), case .sequence(let items, _) = list, items.count >= 2
    else {
      throw ConfigError.invalid(at: tree.location, "compare must list at least two experiments")
    }
    let names = try items.map { try experimentName($0, key: "compare") }
    var ensemble: [String] = []
    if let list = reader.tree("ensemble") {
      guard case .sequence(let items, _) = list, items.count >= 2 else {
        throw ConfigError.invalid(
          at: list.location, "ensemble must list at least two experiments to average")
      }
      ensemble = try items.map { try experimentName($0, key: "ensemble") }
    }
    try reader.finish()
    return Comparison(name: defaultName, title: title, experiments: names, ensemble: ensemble)
  }

  /// The experiment name `item` of the list `key` gives, which must have a file.
  private func experimentName(_ item: ConfigTree, key: String) throws -> String {
    guard case .scalar(let name, _) = item else {
      throw ConfigError.invalid(at: item.location, "\(key) lists experiment names")
    }
    guard FileManager.default.fileExists(atPath: file(for: name)) else {
      throw ConfigError.invalid(
        at: item.location,
        "no experiment named '\(name)'; available: \(available().joined(separator: ", "))")
    }
    return name
  }
}

/// Flattens a config tree to dotted keys ("training.optimizer.learning_rate") and values.
public func flatten(_ tree: ConfigTree, prefix: String = "") -> [String: String] {
  switch tree {
  case .mapping(let entries, _):
    var out: [String: String] = [:]
    for e in entries {
      out.merge(flatten(e.value, prefix: prefix.isEmpty ? e.key : "\(prefix).\(e.key)")) { $1 }
    }
    return out
  case .sequence(let items, _):
    // A model is compared layer by layer as one line each.
    var out: [String: String] = [:]
    for (i, item) in items.enumerated() { out["\(prefix)[\(i)]"] = item.flowLine }
    return out
  case .scalar(let s, _): return [prefix: s]
  case .null: return [prefix: "null"]
  }
}

extension ConfigTree {
  /// One line: "conv2d: {filters: 64, kernel: 3}" or the plain value.
  var flowLine: String {
    if case .mapping(let m, _) = self, m.count == 1 { return "\(m[0].key): \(m[0].value.flow)" }
    return yaml()
  }
}
