import ExperimentDefinitions
import Foundation
import FuzzSupport

/// The shipped experiments, so `extends: quick` resolves as it does for `report run` (fuzz.sh runs
/// from the repository root).
private let library = ExperimentLibrary(directory: "experiments")

/// An experiment file as `report run FILE.yaml --set KEY=VALUE ...` reads it: the input up to the
/// first NUL byte is the file, each line after it one override. A definition that loads must be
/// recorded (`config.yaml`, the resolved tree) in a form that reads back to the same definition,
/// since `render` and `resume` rebuild the run from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExperimentYAML(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let parts = fuzzInput(start, count).split(
    separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
  let path = Scratch.write(parts[0], to: "fuzzed.yaml")
  let overrides =
    parts.count > 1
    ? String(decoding: parts[1], as: UTF8.self).split(separator: "\n").map(String.init) : []
  let experiment: Experiment
  do {
    experiment = try library.load(path, overrides: overrides)
  } catch {
    requireNamed(error, path, "override", "experiments/")
    return 0
  }
  let config = Scratch.write(experiment.resolved.yaml(), to: "config.yaml")
  let recorded: Experiment
  do {
    recorded = try Experiment(resolvedFile: config, name: experiment.name)
  } catch {
    fatalError("the recorded config.yaml of a valid definition does not read back: \(error)")
  }
  guard
    recorded.name == experiment.name, recorded.description == experiment.description,
    recorded.seed == experiment.seed, recorded.seeds == experiment.seeds,
    recorded.dataset == experiment.dataset, recorded.model == experiment.model,
    recorded.training == experiment.training, recorded.report == experiment.report,
    recorded.configHash == experiment.configHash
  else {
    fatalError("config.yaml reads back as a different definition:\n\(experiment.resolved.yaml())")
  }
  do {
    _ = try experiment.withSeed(index: experiment.seeds - 1)
  } catch {
    fatalError("seed \(experiment.seeds - 1) of a valid definition fails: \(error)")
  }
  return 0
}

exit(runLibFuzzer(fuzzExperimentYAML))
