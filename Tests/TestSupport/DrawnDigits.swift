import Datasets
import Plots

/// An MNIST test digit as a person would hand it to `report predict`: dark ink on white, five
/// times larger, written as a PNG.
public struct DrawnDigit {
  /// The PNG file.
  public let png: String
  /// The digit's 784 pixels as the test set holds them (0 background, 255 ink).
  public let pixels: [UInt8]
  /// Its label.
  public let label: Int

  /// The first `count` test digits, written into `dir` as `digit<K>.png`.
  public static func testDigits(_ count: Int, in dir: String) throws -> [DrawnDigit] {
    let (_, test) = try IDXDataset.mnist.load(
      directory: repositoryRoot + "/data/mnist", verifyChecksums: false)
    return try (0..<count).map { index in
      var grid = ImageGrid(
        tiles: [.init(pixels: test.image(index), rows: 28, columns: 28, caption: [])], title: "",
        columns: 1)
      grid.colormap = .binary
      grid.imageSide = 140
      let png = "\(dir)/digit\(index).png"
      try grid.render(to: png)
      return DrawnDigit(png: png, pixels: Array(test.image(index)), label: Int(test.labels[index]))
    }
  }
}
