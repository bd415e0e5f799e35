import ExperimentDefinitions
import Runs

/// Runs split by resolved configuration without the seed (`groupHash`), so that only runs
/// differing by seed are ever averaged together.
enum ConfigurationGroups {
  /// `runs` of one compared name, one group per configuration in order of first appearance; when
  /// there are several, each name gains the settings that tell them apart,
  /// e.g. `quick (training.epochs=1)`.
  static func split(name: String, runs: [RunRecord]) -> [(name: String, runs: [RunRecord])] {
    var order: [String] = []
    var members: [String: [RunRecord]] = [:]
    for run in runs {
      let hash = run.summary.groupHash ?? run.experiment.groupHash
      if members[hash] == nil { order.append(hash) }
      members[hash, default: []].append(run)
    }
    guard order.count > 1 else { return [(name, runs)] }
    let groups = order.map { members[$0] ?? [] }
    let flat = groups.map { flatten($0[0].experiment.resolved) }
    let keys = Set(flat.flatMap(\.keys)).filter { key in
      !ConfigTree.ungroupedKeys.contains(key) && Set(flat.map { $0[key] ?? "–" }).count > 1
    }.sorted()
    return zip(groups, flat).map { runs, settings in
      let label = keys.map { "\($0)=\(settings[$0] ?? "–")" }.joined(separator: " ")
      return ("\(name) (\(label))", runs)
    }
  }
}
