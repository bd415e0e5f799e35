import Foundation

/// The experiment definitions in a directory (`experiments/`), resolved with `extends:` and
/// `--set` overrides.
public struct ExperimentLibrary: Sendable {
  /// Where `NAME.yaml` files live.
  public let directory: String

  /// A library over `directory`.
  public init(directory: String = "experiments") { self.directory = directory }

  /// Names of the definitions in the directory, sorted.
  public func available() -> [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// The file a name or path refers to: a path when it has a slash or a YAML extension.
  public func file(for nameOrPath: String) -> String {
    nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
      ? nameOrPath : "\(directory)/\(nameOrPath).yaml"
  }

  /// The raw tree of one file, with its `extends:` chain merged underneath.
  public func resolvedTree(_ nameOrPath: String) throws -> ConfigTree {
    try resolve(nameOrPath, chain: [])
  }

  private func resolve(_ nameOrPath: String, chain: [String]) throws -> ConfigTree {
    let path = file(for: nameOrPath)
    guard !chain.contains(path) else { throw ConfigError.cyclicExtends(chain + [path]) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError.unknownExperiment(name: nameOrPath, available: available())
    }
    let tree = try ConfigTree.parse(String(decoding: data, as: UTF8.self), file: path)
    guard case .mapping(let entries, let location) = tree else {
      throw ConfigError.invalid(
        at: tree.location, "an experiment file must be a mapping of keys to values")
    }
    guard let parentEntry = entries.first(where: { $0.key == "extends" }) else { return tree }
    guard case .scalar(let parent, _) = parentEntry.value else {
      throw ConfigError.invalid(at: parentEntry.value.location, "extends must name one experiment")
    }
    let parentName = parentFile(parent, extendedBy: path)
    let base: ConfigTree
    do {
      base = try resolve(parentName, chain: chain + [path])
    } catch ConfigError.unknownExperiment {
      throw ConfigError.invalid(
        at: parentEntry.value.location,
        "extends names '\(parent)', which does not exist; available: "
          + "\(available().joined(separator: ", "))"
      )
    }
    // The child's own name and description are its own, never inherited.
    let inherited: ConfigTree
    if case .mapping(let baseEntries, let baseLocation) = base {
      inherited = .mapping(
        baseEntries.filter { !["name", "description", "extends"].contains($0.key) }, baseLocation)
    } else {
      inherited = base
    }
    return inherited.merged(with: .mapping(entries.filter { $0.key != "extends" }, location))
  }

  /// The file `extends: parent` in `child` names: a path as it is; a name beside the child
  /// first, so a folder of definitions can extend its own, then in the library, so a definition
  /// anywhere can extend a shipped one.
  private func parentFile(_ parent: String, extendedBy child: String) -> String {
    guard !parent.contains("/"), !parent.hasSuffix(".yaml") else { return parent }
    let beside = "\((child as NSString).deletingLastPathComponent)/\(parent).yaml"
    return FileManager.default.fileExists(atPath: beside) ? beside : "\(directory)/\(parent).yaml"
  }

  /// Loads, merges, overrides (`KEY=VALUE` dotted paths) and validates one experiment; errors in
  /// an override name it as `override KEY=VALUE`. A `sweep:` block is not part of the
  /// experiment (see `sweep(_:overrides:allowLarge:)`); a `KEY=a,b,c` grid is refused here.
  public func load(_ nameOrPath: String, overrides: [String] = []) throws -> Experiment {
    let parts = try definition(nameOrPath, overrides: overrides)
    if let grid = parts.grids.first {
      throw ConfigError.gridOutsideSweep(
        "\(grid.key)=\(grid.values.map(\.oneLine).joined(separator: ","))")
    }
    return parts.experiment
  }

  /// The experiment with single-valued overrides applied, its `sweep:` block, and the
  /// overrides that list several values (`KEY=a,b,c`), in order.
  func definition(_ nameOrPath: String, overrides: [String]) throws -> (
    experiment: Experiment, sweep: ConfigTree?, grids: [(key: String, values: [ConfigTree])]
  ) {
    var tree = try resolvedTree(nameOrPath)
    var sweep: ConfigTree?
    if case .mapping(let entries, let location) = tree {
      sweep = entries.last { $0.key == "sweep" }?.value
      tree = .mapping(entries.filter { $0.key != "sweep" }, location)
    }
    var grids: [(key: String, values: [ConfigTree])] = []
    for text in overrides {
      guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
        throw ConfigError.badOverride(text)
      }
      let key = String(text[..<equals])
      let value = String(text[text.index(after: equals)...])
      func parse(_ value: String) throws -> ConfigTree {
        try ConfigTree.parse(
          value.isEmpty ? "null" : value, file: ConfigError.overridePlace + text, positions: false)
      }
      if let values = gridValues(key: key, value: value) {
        grids.removeAll { $0.key == key }
        grids.append((key, try values.map(parse)))
        continue
      }
      tree = try tree.setting(key.split(separator: ".").map(String.init), to: try parse(value))
    }
    let defaultName = Experiment.name(
      fromFileName: ((file(for: nameOrPath) as NSString).lastPathComponent as NSString)
        .deletingPathExtension)
    return (try Experiment(tree: tree, name: defaultName), sweep, grids)
  }
}

extension Experiment {
  /// Decodes a resolved definition from a YAML file, such as a run's `config.yaml`; `name` is
  /// its name unless the file says otherwise.
  public init(resolvedFile path: String, name: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigError.unknownExperiment(name: path, available: [])
    }
    try self.init(
      tree: try ConfigTree.parse(String(decoding: data, as: UTF8.self), file: path), name: name)
  }
}
