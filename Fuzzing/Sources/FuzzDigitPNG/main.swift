import Foundation
import FuzzSupport
import Reports
import Runs

/// The input as a picture given to `report predict RUN digit.png`, turned into an MNIST-style
/// image.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDigitPNG(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let path = Scratch.write(fuzzInput(start, count), to: "digit.png")
  do {
    let digit = try TrainedModel.digit(fromPNG: path)
    guard digit.count == 784 else { fatalError("a digit of \(digit.count) pixels") }
  } catch {
    requireNamed(error, path)
  }
  return 0
}

exit(runLibFuzzer(fuzzDigitPNG))
