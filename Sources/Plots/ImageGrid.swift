import Foundation

/// A grid of small greyscale images scaled up crisply, each with a title: the paper's Fig 2
/// ("Real Number is 5") and Fig 5 (real vs predicted), with wrong predictions framed in red.
public struct ImageGrid: Figure {
  /// One image and its caption.
  public struct Tile {
    /// Row-major bytes, 0 = background.
    public var pixels: ArraySlice<UInt8>
    public var rows: Int, columns: Int
    /// Caption lines drawn above the image.
    public var caption: [String]
    /// Framed in red and captioned in red when true.
    public var highlighted: Bool
    /// A map drawn over the image (row-major, 0...1, the image's size): where a model looked.
    public var overlay: [Float]?

    public init(
      pixels: ArraySlice<UInt8>, rows: Int, columns: Int, caption: [String],
      highlighted: Bool = false, overlay: [Float]? = nil
    ) {
      (self.pixels, self.rows, self.columns, self.caption, self.highlighted) = (
        pixels, rows, columns, caption, highlighted
      )
      self.overlay = overlay
    }
  }

  public var tiles: [Tile]
  public var title: String
  /// Images per row.
  public var columns: Int
  public var colormap = Colormap.gray
  /// The colour of tiles' overlays, and its opacity where a map is 1.
  public var overlayColor = Color(hex: 0xff7f0e)
  public var overlayOpacity = 0.65
  /// Side of one image in points, before shrinking to `maxWidth`.
  public var imageSide = 112.0
  /// The figure never grows wider than this; images shrink instead.
  public var maxWidth = 1400.0

  public init(tiles: [Tile], title: String, columns: Int) {
    (self.tiles, self.title, self.columns) = (tiles, title, max(1, columns))
  }

  private var captionLines: Int { tiles.map(\.caption.count).max() ?? 0 }
  private var side: Double { min(imageSide, (maxWidth - 20) / Double(columns) - 12) }
  /// Captions are left out when the images are too small to carry them.
  private var showsCaptions: Bool { side >= 40 }
  private var captionSize: Double { min(12, max(8, side / 9)) }
  private var cellHeight: Double {
    side + 12 + (showsCaptions ? Double(captionLines) * (captionSize + 3) : 0)
  }
  private var rowCount: Int { (tiles.count + columns - 1) / columns }

  public var size: (width: Double, height: Double) {
    (Double(columns) * (side + 12) + 20, 44 + max(Double(rowCount), 1) * cellHeight + 10)
  }

  public func draw(on canvas: Canvas) {
    canvas.text(
      title, x: size.width / 2, y: 26, size: 15, align: .center, bold: true,
      maxWidth: size.width - 20)
    guard !tiles.isEmpty else {
      canvas.text(
        "no images", x: size.width / 2, y: 44 + cellHeight / 2, size: 13, color: .axis,
        align: .center)
      return
    }
    for (i, tile) in tiles.enumerated() {
      let x = 16 + Double(i % columns) * (side + 12)
      var y = 44 + Double(i / columns) * cellHeight
      if showsCaptions {
        for line in tile.caption {
          y += captionSize + 3
          canvas.text(
            line, x: x + side / 2, y: y - 2, size: captionSize,
            color: tile.highlighted ? .error : .text, align: .center, maxWidth: side + 10)
        }
        y += 4
      }
      canvas.image(
        tile.pixels, rows: tile.rows, columns: tile.columns, x: x, y: y, width: side, height: side,
        colormap: colormap)
      if let overlay = tile.overlay {
        canvas.overlay(
          overlay, rows: tile.rows, columns: tile.columns, x: x, y: y, width: side, height: side,
          color: overlayColor, opacity: overlayOpacity)
      }
      if tile.highlighted {
        canvas.stroke(
          x: x - 1.5, y: y - 1.5, width: side + 3, height: side + 3, color: .error, lineWidth: 3)
      }
    }
  }
}
