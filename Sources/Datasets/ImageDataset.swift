/// Labelled greyscale images held as bytes, as the files store them.
public struct ImageDataset: Sendable {
  /// Pixels, `count * rows * columns` bytes, row-major, 0 = background.
  public var pixels: [UInt8]
  /// Class index of each image; -1 throughout for unlabelled sets (Kaggle's test.csv).
  public var labels: [Int32]
  /// Image height and width.
  public var rows: Int, columns: Int
  /// Display name of each class index.
  public var classNames: [String]

  /// A dataset; `labels.count` images.
  public init(pixels: [UInt8], labels: [Int32], rows: Int, columns: Int, classNames: [String]) {
    self.pixels = pixels
    self.labels = labels
    self.rows = rows
    self.columns = columns
    self.classNames = classNames
  }

  /// Number of images.
  public var count: Int { labels.count }
  /// Bytes per image.
  public var imageSize: Int { rows * columns }
  /// Whether there are labels.
  public var isLabelled: Bool { labels.first.map { $0 >= 0 } ?? true }

  /// The bytes of image `index`.
  public func image(_ index: Int) -> ArraySlice<UInt8> {
    pixels[(index * imageSize)..<((index + 1) * imageSize)]
  }

  /// The images at `indices`, in that order.
  public func subset(_ indices: [Int]) -> ImageDataset {
    var picked = [UInt8]()
    picked.reserveCapacity(indices.count * imageSize)
    for i in indices { picked.append(contentsOf: image(i)) }
    return ImageDataset(
      pixels: picked, labels: indices.map { labels[$0] }, rows: rows, columns: columns,
      classNames: classNames)
  }

  /// How many images of each class.
  public var classCounts: [Int] {
    var counts = [Int](repeating: 0, count: classNames.count)
    for label in labels where label >= 0 && Int(label) < counts.count { counts[Int(label)] += 1 }
    return counts
  }

  /// A seeded, stratified split: `fraction` of each class goes to validation (rounded), the rest
  /// to training, both in a shuffled order fixed by `seed`.
  public func stratifiedSplit(validationFraction fraction: Double, seed: UInt64) throws -> (
    train: ImageDataset, validation: ImageDataset
  ) {
    let split = try stratifiedSplitIndices(validationFraction: fraction, seed: seed)
    return (subset(split.train), subset(split.validation))
  }

  /// The indices of `stratifiedSplit`'s training and validation images.
  public func stratifiedSplitIndices(validationFraction fraction: Double, seed: UInt64) throws
    -> (train: [Int], validation: [Int])
  {
    guard fraction >= 0, fraction < 1 else {
      throw DatasetError.invalidRequest("validation split must be in [0, 1), got \(fraction)")
    }
    var generator = SplitMix64(seed: seed)
    var train: [Int] = []
    var validation: [Int] = []
    for var members in indicesByClass() {
      members.shuffle(using: &generator)
      let held = Int((Double(members.count) * fraction).rounded())
      validation += members[0..<held]
      train += members[held...]
    }
    train.shuffle(using: &generator)
    validation.shuffle(using: &generator)
    return (train, validation)
  }

  /// The first `n` images of a seeded shuffle, keeping class proportions (a stratified subset).
  public func stratifiedSubset(_ n: Int, seed: UInt64) throws -> ImageDataset {
    subset(try stratifiedSubsetIndices(n, seed: seed))
  }

  /// The indices of `stratifiedSubset`'s images.
  public func stratifiedSubsetIndices(_ n: Int, seed: UInt64) throws -> [Int] {
    guard n > 0, n <= count else {
      throw DatasetError.invalidRequest("subset size must be between 1 and \(count), got \(n)")
    }
    guard n < count else { return Array(0..<count) }
    return try stratifiedSplitIndices(validationFraction: Double(n) / Double(count), seed: seed)
      .validation
  }

  /// Stratified k-fold: the fold (0..<k) of every image. Each class is shuffled by `seed` and
  /// dealt round the folds in turn, so folds differ in size by at most one, overall and per class.
  public func stratifiedFolds(_ k: Int, seed: UInt64) throws -> [Int] {
    guard k >= 2, k <= count else {
      throw DatasetError.invalidRequest("folds must be between 2 and \(count), got \(k)")
    }
    var generator = SplitMix64(seed: seed)
    var fold = [Int](repeating: 0, count: count)
    var dealt = 0
    for var members in indicesByClass() {
      members.shuffle(using: &generator)
      for index in members {
        fold[index] = dealt % k
        dealt += 1
      }
    }
    return fold
  }

  private func indicesByClass() -> [[Int]] {
    var byClass = [[Int]](repeating: [], count: classNames.count)
    for (i, label) in labels.enumerated() { byClass[Int(label)].append(i) }
    return byClass
  }
}

/// SplitMix64 (Steele et al. 2014): a small seeded generator for splits and subsets.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension ImageDataset {
  /// The indices of the images of `classes`, in dataset order: the images a class selection
  /// keeps.
  public func indices(ofClasses classes: [Int]) -> [Int] {
    let kept = Set(classes.map(Int32.init))
    return labels.indices.filter { kept.contains(labels[$0]) }
  }

  /// The dataset relabelled for a class selection: class `classes[i]` becomes class `i`, with
  /// its name. Every image must be of one of `classes` (select them first).
  public func relabelled(toClasses classes: [Int]) -> ImageDataset {
    var newLabel = [Int32](repeating: -1, count: classNames.count)
    for (i, k) in classes.enumerated() { newLabel[k] = Int32(i) }
    return ImageDataset(
      pixels: pixels, labels: labels.map { $0 < 0 ? $0 : newLabel[Int($0)] }, rows: rows,
      columns: columns, classNames: classes.map { classNames[$0] })
  }

  /// The indices of `n` images of every class, chosen by a shuffle seeded by `seed` (the same
  /// images for the same seed), in dataset order. Throws when a class has fewer than `n`.
  public func indices(perClass n: Int, seed: UInt64) throws -> [Int] {
    var generator = SplitMix64(seed: seed)
    var chosen: [Int] = []
    for (label, var members) in indicesByClass().enumerated() {
      guard members.count >= n else {
        throw DatasetError.invalidRequest(
          "\(n) images per class asked, but class \(classNames[label]) has \(members.count)")
      }
      members.shuffle(using: &generator)
      chosen += members.prefix(n)
    }
    return chosen.sorted()
  }
}
