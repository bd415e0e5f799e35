import Datasets
import Foundation
import FuzzSupport
import NeuralNet

/// A valid IDX file: the header for `dimensions`, then `data`.
private func idx(type: UInt8 = 0x08, _ dimensions: [Int], _ data: [UInt8]) -> Data {
  var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
  for d in dimensions { bytes += withUnsafeBytes(of: UInt32(d).bigEndian, Array.init) }
  return Data(bytes + data)
}

/// Three 28x28 images of classes 0, 1 and 2: the files the fuzzed one is loaded beside. Built
/// for each input, since LeakSanitizer takes main.swift's globals for leaks.
private func validFiles() -> (images: Data, labels: Data) {
  (idx([3, 28, 28], (0..<(3 * 784)).map { UInt8($0 % 256) }), idx([3], [0, 1, 2]))
}

/// An MNIST directory whose training images, then training labels, are the input (raw or gzip,
/// whichever it is), loaded and split as an experiment's data is; checksums are off, since
/// they would turn away everything before the parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let input = fuzzInput(start, count)
  let (images, labels) = validFiles()
  for fuzzedLabels in [false, true] {
    let directory = fuzzedLabels ? "labels" : "images"
    Scratch.write(fuzzedLabels ? images : input, to: "\(directory)/train-images-idx3-ubyte")
    Scratch.write(fuzzedLabels ? input : labels, to: "\(directory)/train-labels-idx1-ubyte")
    Scratch.write(images, to: "\(directory)/t10k-images-idx3-ubyte")
    Scratch.write(labels, to: "\(directory)/t10k-labels-idx1-ubyte")
    let fuzzedFile = fuzzedLabels ? "train-labels-idx1-ubyte" : "train-images-idx3-ubyte"
    do {
      let loaded = try IDXDataset.mnist.load(
        directory: Scratch.directory + "/" + directory, verifyChecksums: false)
      let split = try loaded.train.stratifiedSplit(validationFraction: 0.5, seed: 1)
      // As the engine takes them; images of no pixels are refused (the runner refuses any but
      // 28x28 before this).
      _ = try? Examples(
        pixels: split.train.pixels, labels: split.train.labels,
        shape: [split.train.rows, split.train.columns, 1])
      _ = try loaded.train.stratifiedSubset(min(2, loaded.train.count), seed: 1)
    } catch {
      requireNamed(error, fuzzedFile)
    }
  }
  return 0
}

exit(runLibFuzzer(fuzzIDX))
