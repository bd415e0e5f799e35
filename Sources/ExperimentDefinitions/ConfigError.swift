/// Everything wrong with an experiment definition or a run request, with the place it was found.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
  /// The YAML does not parse.
  case syntax(file: String, message: String)
  /// A key the schema does not know, with the closest known one.
  case unknownKey(at: SourceLocation, key: String, section: String, suggestion: String?)
  /// A required key is absent.
  case missingKey(at: SourceLocation, key: String, section: String)
  /// A value of the wrong type or out of range.
  case invalid(at: SourceLocation, String)
  /// No experiment of that name.
  case unknownExperiment(name: String, available: [String])
  /// `extends:` loops back on itself.
  case cyclicExtends([String])
  /// An override is not KEY=VALUE.
  case badOverride(String)
  /// A sweep has no trial `index`.
  case noSuchTrial(sweep: String, index: Int, count: Int)
  /// A sweep lists more trials than `limit` without confirmation.
  case tooManyTrials(at: SourceLocation, count: Int, limit: Int)
  /// `KEY=a,b,c` where only one value is taken (a sweep is run by `report sweep`).
  case gridOutsideSweep(String)

  /// How an error names an override (`--set KEY=VALUE` on the command line) as its place.
  public static let overridePlace = "override "

  /// Whether the error is about an override rather than a file, so that the command line can
  /// name its own flag.
  public var isAboutOverride: Bool {
    switch self {
    case .badOverride, .gridOutsideSweep: return true
    case .syntax(let file, _): return file.hasPrefix(Self.overridePlace)
    case .unknownKey(let at, _, _, _), .missingKey(let at, _, _), .invalid(let at, _),
      .tooManyTrials(let at, _, _):
      return at.line == 0 && at.file.hasPrefix(Self.overridePlace)
    case .unknownExperiment, .cyclicExtends, .noSuchTrial: return false
    }
  }

  public var description: String {
    switch self {
    case .syntax(let file, let message): return "\(file): invalid YAML: \(message)"
    case .unknownKey(let at, let key, let section, let suggestion):
      let place = section.isEmpty ? "" : " in \(section)"
      return "\(at): unknown key '\(key)'\(place)"
        + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
    case .missingKey(let at, let key, let section):
      return "\(at): missing required key '\(key)'" + (section.isEmpty ? "" : " in \(section)")
    case .invalid(let at, let message): return "\(at): \(message)"
    case .unknownExperiment(let name, let available):
      return "no experiment named '\(name)'. Available: \(available.joined(separator: ", "))"
    case .cyclicExtends(let chain):
      return "experiments extend each other in a loop: \(chain.joined(separator: " -> "))"
    case .badOverride(let text):
      return "\(Self.overridePlace)'\(text)': expected KEY=VALUE, for example training.epochs=2"
    case .noSuchTrial(let sweep, let index, let count):
      return "sweep \(sweep) has \(count) trials (0...\(count - 1)); there is no trial \(index)"
    case .tooManyTrials(let at, let count, let limit):
      let number = count == Int.max ? "too many" : String(count)
      return "\(at): the sweep has \(number) trials, more than \(limit)"
    case .gridOutsideSweep(let text):
      return "\(Self.overridePlace)'\(text)' lists several values (a sweep); only one is taken here"
    }
  }
}

/// Edit distance, for "did you mean" suggestions.
func levenshtein(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  var previous = Array(0...b.count)
  for i in 1...max(a.count, 1) where !a.isEmpty {
    var current = [i] + [Int](repeating: 0, count: b.count)
    for j in 1...max(b.count, 1) where !b.isEmpty {
      current[j] = min(
        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return a.isEmpty ? b.count : previous[b.count]
}

/// The closest of `candidates` to `key`, if it is close enough to be a likely typo.
func closest(to key: String, in candidates: [String]) -> String? {
  let scored = candidates.map { ($0, levenshtein(key.lowercased(), $0.lowercased())) }
  guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else {
    return nil
  }
  return best.0
}
