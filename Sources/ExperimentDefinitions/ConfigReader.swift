/// Reads one YAML mapping against a schema: each typed read (`int`, `double`, `bool`, `string`,
/// `choice`, `section`, ...) names a key it knows; `finish` rejects every key nobody asked for,
/// suggesting the closest known one.
struct ConfigReader {
  let section: String
  let location: SourceLocation
  private let entries: [(key: String, keyLocation: SourceLocation, value: ConfigTree)]
  private var known: [String] = []

  init(_ tree: ConfigTree, section: String) throws {
    self.section = section
    location = tree.location
    switch tree {
    case .mapping(let entries, _): self.entries = entries
    case .null: entries = []
    default:
      throw ConfigError.invalid(
        at: tree.location,
        "\(section.isEmpty ? "the file" : section) must be a mapping of keys to values")
    }
  }

  private func path(_ key: String) -> String { section.isEmpty ? key : "\(section).\(key)" }

  /// The raw tree at `key`, nil when absent or null.
  mutating func tree(_ key: String) -> ConfigTree? {
    known.append(key)
    guard let entry = entries.last(where: { $0.key == key }) else { return nil }
    if case .null = entry.value { return nil }
    return entry.value
  }

  /// A nested mapping's reader (absent is an empty mapping).
  mutating func section(_ key: String) throws -> ConfigReader {
    try ConfigReader(tree(key) ?? .null(location), section: path(key))
  }

  mutating func string(_ key: String) throws -> String? {
    guard let t = tree(key) else { return nil }
    guard case .scalar(let s, _) = t else {
      throw ConfigError.invalid(at: t.location, "\(path(key)) must be a single value")
    }
    return s
  }

  /// A list of single values (`[a, b]`), each one `allowed` takes (`rule` says
  /// which, in the error).
  mutating func strings(_ key: String, allowed: (String) -> Bool, rule: String) throws -> [String]?
  {
    guard let t = tree(key) else { return nil }
    guard case .sequence(let items, _) = t else {
      throw ConfigError.invalid(at: t.location, "\(path(key)) must be a list, like [a, b]")
    }
    return try items.map { item in
      guard case .scalar(let s, _) = item, allowed(s) else {
        throw ConfigError.invalid(
          at: item.location, "each of \(path(key)) must be \(rule), got \(item.yaml())")
      }
      return s
    }
  }

  mutating func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
    guard let t = tree(key) else { return nil }
    guard case .scalar(let s, _) = t, let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
      throw ConfigError.invalid(
        at: t.location, "\(path(key)) must be a whole number, got \(t.yaml())")
    }
    guard range.contains(v) else {
      throw ConfigError.invalid(
        at: t.location,
        "\(path(key)) must be in \(range.lowerBound)...\(range.upperBound), got \(v)")
    }
    return v
  }

  mutating func double(
    _ key: String,
    in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
  ) throws -> Double? {
    guard let t = tree(key) else { return nil }
    guard case .scalar(let s, _) = t, let v = Double(s), v.isFinite else {
      throw ConfigError.invalid(at: t.location, "\(path(key)) must be a number, got \(t.yaml())")
    }
    guard range.contains(v) else {
      throw ConfigError.invalid(
        at: t.location,
        "\(path(key)) must be in \(range.lowerBound)...\(range.upperBound), got \(s)")
    }
    return v
  }

  mutating func bool(_ key: String) throws -> Bool? {
    guard let t = tree(key) else { return nil }
    guard case .scalar(let s, _) = t,
      let v = ["true": true, "yes": true, "on": true, "false": false, "no": false, "off": false][
        s.lowercased()]
    else {
      throw ConfigError.invalid(
        at: t.location, "\(path(key)) must be true or false, got \(t.yaml())")
    }
    return v
  }

  /// A value from a fixed set of words.
  mutating func choice<T>(_ key: String, _ options: [String: T]) throws -> T? {
    guard let t = tree(key) else { return nil }
    guard case .scalar(let s, _) = t, let v = options[s] else {
      let names = options.keys.sorted()
      let hint = closest(to: t.yaml(), in: names).map { "; did you mean '\($0)'?" } ?? ""
      throw ConfigError.invalid(
        at: t.location,
        "\(path(key)) must be one of \(names.joined(separator: ", ")), got \(t.yaml())\(hint)")
    }
    return v
  }

  /// A case of `T`, named in the file by its raw value.
  mutating func choice<T: CaseIterable & RawRepresentable<String>>(_ key: String, _: T.Type) throws
    -> T?
  {
    try choice(key, Dictionary(uniqueKeysWithValues: T.allCases.map { ($0.rawValue, $0) }))
  }

  /// A required value: `read` returns nil when absent.
  func require<T>(_ value: T?, _ key: String) throws -> T {
    guard let value else { throw ConfigError.missingKey(at: location, key: key, section: section) }
    return value
  }

  /// Rejects keys that were never asked for.
  func finish() throws {
    for entry in entries where !known.contains(entry.key) {
      throw ConfigError.unknownKey(
        at: entry.keyLocation, key: entry.key, section: section,
        suggestion: closest(to: entry.key, in: known))
    }
  }
}
