import Foundation
import FuzzSupport
import Runs

/// The run files `render`, `show`, `compare` and `reindex` read back: the input as a run's
/// `summary.json`, then its `metrics.json`, then its `predictions.csv`, the other files valid.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunFolder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let input = fuzzInput(start, count)
  for file in ["summary.json", "metrics.json", "predictions.csv"] {
    let paths = RunFixture.write(root: file, replacing: file, with: input, weights: Data())
    do {
      let record = try RunRecord(loading: paths)
      _ = record.summary.cacheKey
      _ = record.log.bestEpoch
      _ = record.log.csv
      if let evaluation = try record.evaluation() {
        _ = evaluation.perClass
      }
    } catch {
      requireNamed(error, paths.directory + "/" + file)
    }
  }
  return 0
}

exit(runLibFuzzer(fuzzRunFolder))
