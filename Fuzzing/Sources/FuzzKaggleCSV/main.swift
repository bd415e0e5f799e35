import Datasets
import Foundation
import FuzzSupport

/// The input as Kaggle's train.csv (labelled, then split as an experiment's data is) and as its
/// test.csv (unlabelled).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKaggleCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let path = Scratch.write(fuzzInput(start, count), to: "fuzzed.csv")
  for labelled in [true, false] {
    do {
      let images = try KaggleCSV.load(path, labelled: labelled)
      if labelled {
        _ = try images.stratifiedSplit(validationFraction: 0.1, seed: 1)
      }
    } catch {
      requireNamed(error, path)
    }
  }
  return 0
}

exit(runLibFuzzer(fuzzKaggleCSV))
