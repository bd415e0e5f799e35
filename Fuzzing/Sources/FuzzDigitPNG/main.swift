import Foundation
import FuzzSupport
import Reports
import Runs

/// The input with every chunk's CRC-32 recomputed, so that mutations of a header or palette reach
/// the decoder instead of stopping at libpng's checksum test.
private func withValidChecksums(_ input: Data) -> Data {
  let table = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }
  var bytes = [UInt8](input)
  var chunk = 8  // after the signature: length, type, data, CRC of type and data
  while chunk + 12 <= bytes.count {
    let length = bytes[chunk..<(chunk + 4)].reduce(0) { $0 << 8 | Int($1) }
    guard length <= bytes.count - chunk - 12 else { break }
    let end = chunk + 8 + length
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes[(chunk + 4)..<end] {
      crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
    }
    bytes.replaceSubrange(end..<(end + 4), with: withUnsafeBytes(of: (~crc).bigEndian, Array.init))
    chunk = end + 4
  }
  return Data(bytes)
}

/// The input as a picture given to `report predict RUN digit.png`, turned into an MNIST-style
/// image: as it is, then with its chunk checksums made right.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDigitPNG(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let input = fuzzInput(start, count)
  for bytes in [input, withValidChecksums(input)] {
    let path = Scratch.write(bytes, to: "digit.png")
    do {
      let digit = try TrainedModel.digit(fromPNG: path)
      guard digit.count == 784 else { fatalError("a digit of \(digit.count) pixels") }
    } catch {
      requireNamed(error, path)
    }
  }
  return 0
}

exit(runLibFuzzer(fuzzDigitPNG))
