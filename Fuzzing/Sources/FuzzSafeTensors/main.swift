import Foundation
import FuzzSupport
import Runs

/// The input as a run's `weights.safetensors`, loaded into the model its definition declares, as
/// `report predict` and `report submit` do.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let paths = RunFixture.write(
    root: "run", replacing: "weights.safetensors", with: fuzzInput(start, count), weights: Data())
  do {
    _ = try RunRecord(loading: paths).trainedModel()
  } catch {
    requireNamed(error, paths.weights)
  }
  return 0
}

exit(runLibFuzzer(fuzzSafeTensors))
