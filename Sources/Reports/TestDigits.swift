import ExperimentDefinitions
import Plots

/// Galleries of chosen test digits, framed, drawn alike on every page that shows where two
/// classifiers differ (comparisons, ensembles).
enum TestDigits {
  /// The first `limit` of the test images at `rows` in ink on paper, each captioned with its
  /// real class and `note(row)` (what the other classifier said).
  static func gallery(
    _ rows: [Int], data: ExperimentData, title: String, limit: Int = 16,
    note: (Int) -> String
  ) -> ImageGrid {
    let classes = data.test.classNames
    let tiles = rows.prefix(limit).map { i in
      ImageGrid.Tile(
        pixels: data.test.image(i), rows: data.test.rows, columns: data.test.columns,
        caption: ["Real \(classes[Int(data.test.labels[i])])", note(i)], highlighted: true)
    }
    var grid = ImageGrid(tiles: Array(tiles), title: title, columns: 8)
    grid.colormap = .binary
    grid.imageSide = 84
    return grid
  }

  /// `name` made safe for a file name: anything but letters, digits and '-' becomes '_'.
  static func fileName(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
  }
}
