import Foundation
import NeuralNet

extension ExperimentLibrary {
  /// The sweep `nameOrPath` declares with its `sweep:` block, or that `overrides` make with
  /// `KEY=a,b,c` grids; nil when there is neither. Every value is checked against the
  /// experiment before anything runs; grids of more than `Sweep.largeTrialCount` trials are
  /// refused unless `allowLarge`. `seeds`, when given, replaces the seeds per combination.
  public func sweep(
    _ nameOrPath: String, overrides: [String] = [], seeds: Int? = nil, allowLarge: Bool = false
  ) throws -> Sweep? {
    let parts = try definition(nameOrPath, overrides: overrides)
    guard parts.sweep != nil || !parts.grids.isEmpty else { return nil }
    return try Sweep(
      base: parts.experiment, block: parts.sweep, grids: parts.grids, seeds: seeds,
      allowLarge: allowLarge)
  }
}

/// Keys whose values are free text, where a comma is part of the value, never a grid.
let freeTextKeys: Set<String> = [
  "name", "description", "dataset.directory", "dataset.train_csv", "dataset.test_csv",
]

/// The values of a `--set KEY=a,b,c` grid: the value split at commas outside brackets, braces and
/// quotes, or nil for a single value (free-text keys are never split).
func gridValues(key: String, value: String) -> [String]? {
  guard !freeTextKeys.contains(key) else { return nil }
  var parts: [String] = []
  var current = ""
  var depth = 0
  var quote: Character?
  for character in value {
    if let open = quote {
      if character == open { quote = nil }
    } else if character == "\"" || character == "'" {
      quote = character
    } else if "[{".contains(character) {
      depth += 1
    } else if "]}".contains(character) {
      depth -= 1
    } else if character == ",", depth == 0 {
      parts.append(current.trimmingCharacters(in: .whitespaces))
      current = ""
      continue
    }
    current.append(character)
  }
  guard !parts.isEmpty else { return nil }
  return parts + [current.trimmingCharacters(in: .whitespaces)]
}

extension Sweep {
  /// Decodes the `sweep:` block (or none) and the command line's grids over `base`, validates
  /// every value and lists the trials.
  init(
    base: Experiment, block: ConfigTree?, grids: [(key: String, values: [ConfigTree])],
    seeds seedsOverride: Int? = nil, allowLarge: Bool
  ) throws {
    self.base = base
    let location = block?.location ?? SourceLocation(file: "--set", line: 0, column: 0)
    var reader = try ConfigReader(block ?? .null(location), section: "sweep")
    method = try reader.choice("method", Method.self) ?? .grid
    let trialCount = try reader.int("trials", in: 1...Sweep.largeTrialCount)
    let declaredSeeds = try reader.int("seeds", in: 1...100)
    seeds = seedsOverride ?? declaredSeeds ?? base.seeds
    metric = try reader.choice("metric", Metric.self) ?? .valAccuracy
    var declared: [Parameter] = []
    if let tree = reader.tree("parameters") {
      guard case .mapping(let entries, _) = tree, !entries.isEmpty else {
        throw ConfigError.invalid(
          at: tree.location, "sweep.parameters must map --set keys to lists or distributions")
      }
      declared = try entries.map { try Parameter(key: $0.key, at: $0.keyLocation, $0.value) }
    }
    if reader.tree("early_termination") != nil {
      var e = try reader.section("early_termination")
      earlyTermination = try EarlyTermination(&e)
    } else {
      earlyTermination = nil
    }
    try reader.finish()
    let fromCommandLine = grids.map {
      Parameter(
        key: $0.key, domain: .values($0.values),
        location: $0.values.first?.location ?? location)
    }
    parameters =
      declared.filter { p in !fromCommandLine.contains { $0.key == p.key } } + fromCommandLine
    guard !parameters.isEmpty else {
      throw ConfigError.invalid(at: location, "sweep.parameters is missing: nothing to sweep")
    }
    for parameter in parameters { try parameter.check(against: base, method: method) }
    if method == .grid, trialCount != nil {
      throw ConfigError.invalid(
        at: location, "sweep.trials applies to method: random; a grid runs every combination")
    }
    let combinations =
      method == .grid ? parameters.map(\.gridSize) : [try reader.require(trialCount, "trials")]
    var count = seeds
    for size in combinations {
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      count = overflow ? Int.max : product
    }
    if count > Sweep.largeTrialCount, !allowLarge {
      throw ConfigError.tooManyTrials(at: location, count: count, limit: Sweep.largeTrialCount)
    }
    switch method {
    case .grid: trials = Self.grid(parameters, seeds: seeds)
    case .random:
      trials = Self.random(parameters, draws: combinations[0], seeds: seeds, seed: base.seed)
    }
  }

  /// Every combination, the first parameter varying slowest and the seed fastest.
  static func grid(_ parameters: [Parameter], seeds: Int) -> [SweepTrial] {
    var combinations: [[SweepTrial.Setting]] = [[]]
    for parameter in parameters {
      let values = parameter.gridValues
      combinations = combinations.flatMap { prefix in
        values.map { prefix + [SweepTrial.Setting(key: parameter.key, value: $0)] }
      }
    }
    return combinations.enumerated().flatMap { combination, settings in
      (0..<seeds).map {
        SweepTrial(index: combination * seeds + $0, settings: settings, seedIndex: $0)
      }
    }
  }

  /// `draws` combinations drawn from one generator seeded by `seed`, parameter by parameter, so
  /// the same definition lists the same trials.
  static func random(_ parameters: [Parameter], draws: Int, seeds: Int, seed: UInt64)
    -> [SweepTrial]
  {
    var generator = SeededGenerator(seed: seed)
    return (0..<draws).flatMap { draw -> [SweepTrial] in
      let settings = parameters.map {
        SweepTrial.Setting(key: $0.key, value: $0.draw(&generator))
      }
      return (0..<seeds).map {
        SweepTrial(index: draw * seeds + $0, settings: settings, seedIndex: $0)
      }
    }
  }
}

extension Sweep.Parameter {
  /// Decodes `key: [values]` or `key: {choice | uniform | log_uniform | int: [a, b]}`.
  init(key: String, at location: SourceLocation, _ tree: ConfigTree) throws {
    self.key = key
    self.location = location
    let path = "sweep.parameters.\(key)"
    switch tree {
    case .sequence(let items, _):
      guard !items.isEmpty else {
        throw ConfigError.invalid(at: tree.location, "\(path) is an empty list: nothing to try")
      }
      domain = .values(items)
    case .mapping(let entries, _) where entries.count == 1:
      let (name, value) = (entries[0].key, entries[0].value)
      guard let distribution = Sweep.Distribution(rawValue: name) else {
        let names = Sweep.Distribution.allCases.map(\.rawValue)
        throw ConfigError.unknownKey(
          at: entries[0].keyLocation, key: name, section: path,
          suggestion: closest(to: name, in: names))
      }
      guard case .sequence(let items, _) = value, !items.isEmpty else {
        throw ConfigError.invalid(at: value.location, "\(path).\(name) must be a non-empty list")
      }
      domain = try distribution.domain(items, at: value.location, path: "\(path).\(name)")
    default:
      throw ConfigError.invalid(
        at: tree.location,
        "\(path) must be a list of values or one of "
          + Sweep.Distribution.allCases.map(\.syntax).joined(separator: ", "))
    }
  }

  /// How many values a grid takes (distributions are refused before this is asked).
  var gridSize: Int {
    switch domain {
    case .values(let values): return values.count
    case .integer(let low, let high): return high - low + 1
    case .uniform, .logUniform: return 1
    }
  }

  /// The values a grid takes.
  var gridValues: [ConfigTree] {
    switch domain {
    case .values(let values): return values
    case .integer(let low, let high): return (low...high).map { .scalar(String($0), location) }
    case .uniform, .logUniform: return []
    }
  }

  /// One random value.
  func draw(_ generator: inout SeededGenerator) -> ConfigTree {
    let unit = Double(generator.next() >> 11) * 0x1p-53
    switch domain {
    case .values(let values):
      return values[min(Int(unit * Double(values.count)), values.count - 1)]
    case .integer(let low, let high):
      let span = Double(high - low + 1)
      return .scalar(String(low + min(Int(unit * span), high - low)), location)
    case .uniform(let low, let high):
      return .scalar(String(format: "%.4g", low + (high - low) * unit), location)
    case .logUniform(let low, let high):
      let value = exp(log(low) + (log(high) - log(low)) * unit)
      return .scalar(String(format: "%.4g", value), location)
    }
  }

  /// Sets each value (or each bound) into `base` and decodes it, so a key the experiment does
  /// not have, or a value it refuses, is an error at the sweep's line before anything runs.
  func check(against base: Experiment, method: Sweep.Method) throws {
    let path = key.split(separator: ".").map(String.init)
    let probes: [ConfigTree]
    switch domain {
    case .values(let values): probes = values
    case .integer(let low, let high):
      probes = [.scalar(String(low), location), .scalar(String(high), location)]
    case .uniform(let low, let high), .logUniform(let low, let high):
      guard method == .random else {
        throw ConfigError.invalid(
          at: location,
          "sweep.parameters.\(key): a distribution needs method: random; a grid takes a list "
            + "or {int: [a, b]}")
      }
      probes = [
        .scalar(String(format: "%.4g", low), location),
        .scalar(String(format: "%.4g", high), location),
      ]
    }
    guard !["seed", "seeds", "name"].contains(key) else {
      throw ConfigError.invalid(
        at: location, "sweep.parameters.\(key) cannot be swept; use sweep.seeds for seeds")
    }
    for probe in probes {
      _ = try Experiment(tree: try base.resolved.setting(path, to: probe), name: base.name)
    }
  }
}

extension Sweep {
  /// A distribution a parameter names in the file, `key: {NAME: [...]}` (the raw value is the
  /// name).
  enum Distribution: String, CaseIterable {
    /// A uniform choice among the listed values: a grid axis when the method is grid.
    case choice
    /// A number uniform in [low, high].
    case uniform
    /// A positive number whose logarithm is uniform in [log low, log high].
    case logUniform = "log_uniform"
    /// A whole number in low...high.
    case int

    /// How a file writes it, as error messages show it.
    var syntax: String {
      switch self {
      case .choice: return "{choice: [...]}"
      case .uniform, .logUniform, .int: return "{\(rawValue): [a, b]}"
      }
    }

    /// The domain of the non-empty list `items` that follows the name at `location`; `path`
    /// (`sweep.parameters.KEY.NAME`) names it in errors.
    func domain(_ items: [ConfigTree], at location: SourceLocation, path: String) throws
      -> Sweep.Domain
    {
      switch self {
      case .choice: return .values(items)
      case .uniform:
        let (low, high) = try bounds(items, at: location, path: path)
        return .uniform(low, high)
      case .logUniform:
        let (low, high) = try bounds(items, at: location, path: path)
        guard low > 0 else {
          throw ConfigError.invalid(at: location, "\(path) bounds must be above 0")
        }
        return .logUniform(low, high)
      case .int:
        let (low, high) = try bounds(items, at: location, path: path)
        return .integer(Int(low), Int(high))
      }
    }

    /// `[low, high]`: two finite numbers, low below high; for `int`, whole numbers that may be
    /// equal.
    private func bounds(_ items: [ConfigTree], at location: SourceLocation, path: String) throws
      -> (low: Double, high: Double)
    {
      let whole = self == .int
      guard items.count == 2 else {
        throw ConfigError.invalid(
          at: location, "\(path) must be [low, high], got \(items.count) values")
      }
      let bounds = try items.map { item -> Double in
        guard case .scalar(let text, _) = item, let number = Double(text), number.isFinite else {
          throw ConfigError.invalid(
            at: item.location, "\(path) bounds must be numbers, got \(item.yaml())")
        }
        if whole, number.rounded() != number {
          throw ConfigError.invalid(
            at: item.location, "\(path) bounds must be whole numbers, got \(text)")
        }
        return number
      }
      guard bounds[0] < bounds[1] || (whole && bounds[0] == bounds[1]) else {
        throw ConfigError.invalid(
          at: location,
          "\(path) bounds are the wrong way round: \(items[0].yaml()) is not below "
            + items[1].yaml())
      }
      return (bounds[0], bounds[1])
    }
  }
}

extension EarlyTermination {
  init(_ r: inout ConfigReader) throws {
    rule = try r.require(try r.choice("method", Rule.self), "method")
    minEpochs = try r.int("min_epochs", in: 1...10_000) ?? 1
    reductionFactor = try r.int("reduction_factor", in: 2...100) ?? 3
    minTrials = try r.int("min_trials", in: 1...10_000) ?? 2
    try r.finish()
  }
}

extension ConfigTree {
  /// One line of YAML that parses back to this value: `0.001`, `{rotation: 10, zoom: 0.1}`,
  /// `[1, 2]`.
  public var oneLine: String {
    switch self {
    case .scalar, .null: return yaml()
    case .sequence(let items, _): return "[" + items.map(\.oneLine).joined(separator: ", ") + "]"
    case .mapping(let entries, _):
      return "{" + entries.map { "\($0.key): \($0.value.oneLine)" }.joined(separator: ", ") + "}"
    }
  }
}
