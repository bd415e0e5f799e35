import Foundation

/// Reads IDX files (LeCun's MNIST format), raw or gzip-compressed.
///
/// Layout: two zero bytes, a type byte (0x08 = unsigned byte), a dimension count, one big-endian
/// UInt32 per dimension, then the data. Images are 0x00000803 [count, rows, columns], labels
/// 0x00000801 [count].
public enum IDX {
  /// The most decompressed bytes read from one gzip IDX file: 2 GiB, four times EMNIST's largest.
  public static let maximumDecompressedBytes = 1 << 31

  /// The dimensions and bytes of one IDX file, decompressing it when it is gzip (refusing more
  /// than `maximumDecompressedBytes`).
  public static func read(
    _ path: String, expectedSHA256: String? = nil,
    maximumDecompressedBytes: Int = maximumDecompressedBytes
  ) throws -> (dimensions: [Int], bytes: Data) {
    guard let raw = FileManager.default.contents(atPath: path) else {
      throw DatasetError.unreadable(path: path, reason: "the file cannot be opened")
    }
    let content: Data
    do {
      content =
        Gzip.isCompressed(raw)
        ? try Gzip.decompress(raw, limit: maximumDecompressedBytes) : raw
    } catch DatasetError.unreadable(_, let reason) {
      throw DatasetError.unreadable(path: path, reason: reason)
    }
    if let expectedSHA256 {
      let actual = Checksum.sha256(content)
      guard actual == expectedSHA256 else {
        throw DatasetError.checksumMismatch(path: path, expected: expectedSHA256, actual: actual)
      }
    }
    return try parse(content, path: path)
  }

  /// Splits decompressed IDX content into dimensions and data, checking the size.
  static func parse(_ content: Data, path: String) throws -> (dimensions: [Int], bytes: Data) {
    let bytes = [UInt8](content.prefix(4))
    guard bytes.count == 4, bytes[0] == 0, bytes[1] == 0 else {
      throw DatasetError.malformedIDX(path: path, reason: "missing the 00 00 magic prefix")
    }
    guard bytes[2] == 0x08 else {
      throw DatasetError.malformedIDX(
        path: path,
        reason: String(format: "data type 0x%02x, expected 0x08 (unsigned byte)", bytes[2]))
    }
    let dimensionCount = Int(bytes[3])
    let headerSize = 4 + 4 * dimensionCount
    guard dimensionCount > 0, content.count >= headerSize else {
      throw DatasetError.malformedIDX(
        path: path, reason: "header truncated (\(content.count) bytes)")
    }
    let dimensions = (0..<dimensionCount).map { d -> Int in
      let at = content.startIndex + 4 + 4 * d
      return content[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
    }
    let actual = content.count - headerSize
    // A header can claim up to 255 dimensions of 2^32 - 1: their product must not overflow.
    var expected = dimensions.contains(0) ? 0 : 1
    for d in dimensions where expected > 0 {
      let (product, overflow) = expected.multipliedReportingOverflow(by: d)
      guard !overflow else {
        throw DatasetError.malformedIDX(
          path: path,
          reason: "dimensions \(dimensions) need more data bytes than any file holds, the file "
            + "has \(actual)")
      }
      expected = product
    }
    guard actual == expected else {
      throw DatasetError.malformedIDX(
        path: path,
        reason:
          "dimensions \(dimensions) need \(expected) data bytes, the file has \(actual) "
          + "(truncated or padded)"
      )
    }
    return (dimensions, content.subdata(in: (content.startIndex + headerSize)..<content.endIndex))
  }
}

/// MNIST-format datasets in a directory: the four files
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte, each raw or with .gz.
public enum IDXDataset: String, Codable, Sendable, CaseIterable {
  case mnist
  case fashionMNIST = "fashion-mnist"

  /// The class names.
  public var classNames: [String] {
    switch self {
    case .mnist: return (0...9).map(String.init)
    case .fashionMNIST:
      return [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
        "Ankle boot",
      ]
    }
  }

  /// Published SHA-256 of each file's decompressed content.
  var checksums: [String: String] {
    switch self {
    case .mnist:
      return [
        "train-images-idx3-ubyte":
          "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
          "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
          "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
          "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
      ]
    case .fashionMNIST:
      return [
        "train-images-idx3-ubyte":
          "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
          "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
          "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
          "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
      ]
    }
  }

  /// Where the dataset lives unless configured otherwise.
  public var defaultDirectory: String {
    switch self {
    case .mnist: return "data/mnist"
    case .fashionMNIST: return "/usr/share/datasets/fashion-mnist"
    }
  }

  private var fixHint: String {
    switch self {
    case .mnist:
      return
        "The repository ships MNIST in data/mnist/; restore it with `git checkout -- data/mnist`."
    case .fashionMNIST:
      return "Install it with `apt-get install dataset-fashion-mnist` (scripts/setup.sh does)."
    }
  }

  /// Loads the training and test sets from `directory`, validating magic numbers, sizes, label
  /// range, image/label counts and (when `verifyChecksums`) the published SHA-256.
  public func load(directory: String? = nil, verifyChecksums: Bool = true) throws -> (
    train: ImageDataset, test: ImageDataset
  ) {
    let dir = directory ?? defaultDirectory
    return (
      try loadSplit("train", dir, verifyChecksums), try loadSplit("t10k", dir, verifyChecksums)
    )
  }

  /// SHA-256 of each file's content, by file name, for run records.
  public func fileChecksums() -> [String: String] { checksums }

  private func loadSplit(_ prefix: String, _ dir: String, _ verify: Bool) throws -> ImageDataset {
    let imagesName = "\(prefix)-images-idx3-ubyte"
    let labelsName = "\(prefix)-labels-idx1-ubyte"
    let imagesPath = try locate(imagesName, in: dir)
    let labelsPath = try locate(labelsName, in: dir)
    let images = try IDX.read(imagesPath, expectedSHA256: verify ? checksums[imagesName] : nil)
    let labels = try IDX.read(labelsPath, expectedSHA256: verify ? checksums[labelsName] : nil)
    guard images.dimensions.count == 3 else {
      throw DatasetError.malformedIDX(
        path: imagesPath,
        reason: "expected 3 dimensions (count, rows, columns), found \(images.dimensions.count)")
    }
    guard labels.dimensions.count == 1 else {
      throw DatasetError.malformedIDX(
        path: labelsPath, reason: "expected 1 dimension (count), found \(labels.dimensions.count)")
    }
    guard images.dimensions[0] == labels.dimensions[0] else {
      throw DatasetError.inconsistent(
        path: labelsPath,
        reason: "\(labels.dimensions[0]) labels for \(images.dimensions[0]) images in \(imagesPath)"
      )
    }
    let labelValues = [UInt8](labels.bytes)
    if let bad = labelValues.firstIndex(where: { Int($0) >= classNames.count }) {
      throw DatasetError.inconsistent(
        path: labelsPath,
        reason: "label \(labelValues[bad]) at index \(bad) is outside 0...\(classNames.count - 1)")
    }
    return ImageDataset(
      pixels: [UInt8](images.bytes), labels: labelValues.map(Int32.init),
      rows: images.dimensions[1],
      columns: images.dimensions[2], classNames: classNames)
  }

  private func locate(_ name: String, in dir: String) throws -> String {
    for candidate in ["\(dir)/\(name).gz", "\(dir)/\(name)"]
    where FileManager.default.fileExists(atPath: candidate) {
      return candidate
    }
    throw DatasetError.missingFile(path: "\(dir)/\(name)[.gz]", hint: fixHint)
  }
}
