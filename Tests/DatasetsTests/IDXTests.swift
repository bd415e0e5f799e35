import Foundation
import XCTest

@testable import Datasets

/// A scratch directory per test, under $TMPDIR.
func scratchDirectory(_ name: String = #function) throws -> String {
  let dir = NSTemporaryDirectory() + "report-datasets-\(name.filter(\.isLetter))-\(getpid())"
  try? FileManager.default.removeItem(atPath: dir)
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}

/// The repository's data/mnist, found from this file's location.
let mnistDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/mnist").path

func idxBytes(magic: UInt8, dimensions: [Int], data: [UInt8]) -> Data {
  var bytes: [UInt8] = [0, 0, 0x08, magic]
  for d in dimensions {
    bytes += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)]
  }
  return Data(bytes + data)
}

final class IDXTests: XCTestCase {
  func testSHA256OfKnownVectors() {
    XCTAssertEqual(
      Checksum.sha256(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(
      Checksum.sha256(Data("abc".utf8)),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    XCTAssertEqual(
      Checksum.sha256(long), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    // 1,000,000 x "a" crosses many blocks.
    XCTAssertEqual(
      Checksum.sha256(Data(repeating: 0x61, count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  func testLoadsRealMNISTWithChecksums() throws {
    let (train, test) = try IDXDataset.mnist.load(directory: mnistDirectory)
    XCTAssertEqual(train.count, 60_000)
    XCTAssertEqual(test.count, 10_000)
    XCTAssertEqual(train.rows, 28)
    XCTAssertEqual(train.classCounts.reduce(0, +), 60_000)
    XCTAssertEqual(test.labels.prefix(5), [7, 2, 1, 0, 4])
  }

  func testRawAndGzipFilesReadTheSame() throws {
    let dir = try scratchDirectory()
    let labels = idxBytes(magic: 1, dimensions: [3], data: [1, 2, 3])
    try labels.write(to: URL(fileURLWithPath: dir + "/raw"))
    XCTAssertEqual(try IDX.read(dir + "/raw").dimensions, [3])
    XCTAssertEqual(
      [UInt8](try IDX.read(mnistDirectory + "/t10k-labels-idx1-ubyte.gz").bytes.prefix(3)),
      [7, 2, 1])
  }

  func testBadMagicIsNamed() throws {
    let dir = try scratchDirectory()
    try Data([1, 2, 3, 4, 5, 6, 7, 8]).write(to: URL(fileURLWithPath: dir + "/bad"))
    XCTAssertThrowsError(try IDX.read(dir + "/bad")) { error in
      XCTAssertEqual("\(error)", "\(dir)/bad: not a valid IDX file: missing the 00 00 magic prefix")
    }
  }

  func testTruncatedDataIsNamedWithSizes() throws {
    let dir = try scratchDirectory()
    try idxBytes(magic: 3, dimensions: [2, 2, 2], data: [1, 2, 3]).write(
      to: URL(fileURLWithPath: dir + "/short"))
    XCTAssertThrowsError(try IDX.read(dir + "/short")) { error in
      XCTAssert("\(error)".contains("need 8 data bytes, the file has 3"), "\(error)")
    }
  }

  func testDimensionsWhoseProductOverflowsAreNamedNotATrap() throws {
    // Found by Fuzzing/FuzzIDX: three dimensions of 2^32 - 1 multiplied past Int.max and trapped.
    let path = try scratchDirectory() + "/train-images-idx3-ubyte"
    try Data(base64Encoded: "AAAIA////////////////w==")?.write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try IDX.read(path)) { error in
      XCTAssertEqual(
        "\(error)",
        "\(path): not a valid IDX file: dimensions [4294967295, 4294967295, 4294967295] need more "
          + "data bytes than any file holds, the file has 0")
    }
    // A zero dimension makes an empty file valid, however large the others.
    try idxBytes(magic: 2, dimensions: [0xffff_ffff, 0], data: []).write(
      to: URL(fileURLWithPath: path))
    XCTAssertEqual(try IDX.read(path).dimensions, [0xffff_ffff, 0])
  }

  func testTruncatedGzipIsAnError() throws {
    let dir = try scratchDirectory()
    let gz = FileManager.default.contents(atPath: mnistDirectory + "/t10k-labels-idx1-ubyte.gz")!
    try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: dir + "/half.gz"))
    XCTAssertThrowsError(try IDX.read(dir + "/half.gz")) { error in
      XCTAssert(
        "\(error)".contains("half.gz: cannot read: the gzip stream is truncated"), "\(error)")
    }
  }

  func testGzipExpandingPastTheLimitIsRefusedByName() throws {
    // The MNIST test labels decompress to 10,008 bytes: one byte less is refused, that many reads.
    let path = mnistDirectory + "/t10k-labels-idx1-ubyte.gz"
    XCTAssertThrowsError(try IDX.read(path, maximumDecompressedBytes: 10_007)) { error in
      XCTAssertEqual(
        "\(error)",
        "\(path): cannot read: the gzip stream decompresses to more than 10007 bytes")
    }
    XCTAssertEqual(try IDX.read(path, maximumDecompressedBytes: 10_008).dimensions, [10_000])
  }

  func testChecksumMismatchNamesFileAndBothDigests() throws {
    let dir = try scratchDirectory()
    for name in ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"] {
      try idxBytes(magic: 3, dimensions: [1, 2, 2], data: [0, 1, 2, 3]).write(
        to: URL(fileURLWithPath: "\(dir)/\(name)"))
    }
    for name in ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"] {
      try idxBytes(magic: 1, dimensions: [1], data: [4]).write(
        to: URL(fileURLWithPath: "\(dir)/\(name)"))
    }
    XCTAssertThrowsError(try IDXDataset.mnist.load(directory: dir)) { error in
      let text = "\(error)"
      XCTAssert(text.hasPrefix("\(dir)/train-images-idx3-ubyte: SHA-256 of the content is "), text)
      XCTAssert(text.contains("expected ba891046"), text)
    }
    let unchecked = try IDXDataset.mnist.load(directory: dir, verifyChecksums: false)
    XCTAssertEqual(unchecked.train.labels, [4])
  }

  func testMismatchedCountsAndLabelRange() throws {
    let dir = try scratchDirectory()
    for prefix in ["train", "t10k"] {
      try idxBytes(magic: 3, dimensions: [2, 1, 1], data: [0, 1]).write(
        to: URL(fileURLWithPath: "\(dir)/\(prefix)-images-idx3-ubyte"))
      try idxBytes(magic: 1, dimensions: [1], data: [4]).write(
        to: URL(fileURLWithPath: "\(dir)/\(prefix)-labels-idx1-ubyte"))
    }
    XCTAssertThrowsError(try IDXDataset.mnist.load(directory: dir, verifyChecksums: false)) {
      error in
      XCTAssert("\(error)".contains("1 labels for 2 images"), "\(error)")
    }
    for prefix in ["train", "t10k"] {
      try idxBytes(magic: 1, dimensions: [2], data: [4, 12]).write(
        to: URL(fileURLWithPath: "\(dir)/\(prefix)-labels-idx1-ubyte"))
    }
    XCTAssertThrowsError(try IDXDataset.mnist.load(directory: dir, verifyChecksums: false)) {
      error in
      XCTAssert("\(error)".contains("label 12 at index 1 is outside 0...9"), "\(error)")
    }
  }

  func testMissingDirectorySaysHowToFix() {
    XCTAssertThrowsError(try IDXDataset.fashionMNIST.load(directory: "/nonexistent")) { error in
      XCTAssert(
        "\(error)".contains("/nonexistent/train-images-idx3-ubyte[.gz]: file not found"), "\(error)"
      )
      XCTAssert("\(error)".contains("apt-get install dataset-fashion-mnist"), "\(error)")
    }
  }

  func testFashionMNISTFromDebianPackage() throws {
    try XCTSkipUnless(
      FileManager.default.fileExists(atPath: IDXDataset.fashionMNIST.defaultDirectory),
      "dataset-fashion-mnist not installed")
    let (train, test) = try IDXDataset.fashionMNIST.load()
    XCTAssertEqual(train.count, 60_000)
    XCTAssertEqual(test.count, 10_000)
    XCTAssertEqual(train.classNames[9], "Ankle boot")
  }
}
