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
  /// Seeds of every member (`seeds:`; nil keeps each experiment's own).
  public var seeds: Int?
  /// Label budgets every member trains at (`label_budgets:`; empty when absent), in the order
  /// declared: one group per member and budget, and the label-budget curve on the page.
  public var labelBudgets: [LabelBudget] = []
}

/// How many labelled training images per class a comparison's members get, and for how many
/// epochs they train on them (few labels need more epochs for the same number of steps).
public struct LabelBudget: Sendable, Equatable {
  /// Images per class (`dataset.labels_per_class`); nil keeps every label (`all`).
  public var labelsPerClass: Int?
  public var epochs: Int

  public init(labelsPerClass: Int?, epochs: Int) {
    (self.labelsPerClass, self.epochs) = (labelsPerClass, epochs)
  }

  /// The `--set` overrides that train a member at this budget.
  public var overrides: [String] {
    [
      "dataset.labels_per_class=\(labelsPerClass.map(String.init) ?? "null")",
      "training.epochs=\(epochs)",
    ]
  }
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
    let seeds = try reader.int("seeds", in: 1...100)
    var budgets: [LabelBudget] = []
    if let tree = reader.tree("label_budgets") {
      budgets = try labelBudgets(tree)
      if !ensemble.isEmpty {
        throw ConfigError.invalid(
          at: tree.location,
          "ensemble and label_budgets do not go together: an ensemble averages one configuration's runs"
        )
      }
    }
    try reader.finish()
    return Comparison(
      name: defaultName, title: title, experiments: names, ensemble: ensemble, seeds: seeds,
      labelBudgets: budgets)
  }

  /// `label_budgets:`, a mapping from labels per class (a positive integer, or `all`) to epochs.
  private func labelBudgets(_ tree: ConfigTree) throws -> [LabelBudget] {
    guard case .mapping(let entries, _) = tree, entries.count >= 2 else {
      throw ConfigError.invalid(
        at: tree.location,
        "label_budgets maps at least two budgets (labels per class, or all) to epochs, "
          + "e.g. {10: 300, 100: 30, all: 2}")
    }
    var seen = Set<Int?>()
    return try entries.map { entry in
      let labels: Int?
      if entry.key == "all" {
        labels = nil
      } else if let n = Int(entry.key), n >= 1 {
        labels = n
      } else {
        throw ConfigError.invalid(
          at: entry.keyLocation,
          "label_budgets.\(entry.key): a budget is a number of labels per class (1 or more) or all")
      }
      guard seen.insert(labels).inserted else {
        throw ConfigError.invalid(
          at: entry.keyLocation, "label_budgets.\(entry.key) is given twice")
      }
      guard case .scalar(let text, _) = entry.value, let epochs = Int(text),
        (1...10_000).contains(epochs)
      else {
        throw ConfigError.invalid(
          at: entry.value.location,
          "label_budgets.\(entry.key): epochs must be a whole number from 1 to 10000")
      }
      return LabelBudget(labelsPerClass: labels, epochs: epochs)
    }
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
