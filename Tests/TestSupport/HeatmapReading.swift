import Plots

/// The colours a rendered heatmap shows in its cells, read from its pixels without knowing its
/// layout: the grid is the bounding box of every horizontal run of at least 8 pixels filled with
/// one of `fills` (the colours its cells may have; text is never 8 pixels of one colour, and its
/// antialiased edges never a cell's colour and grey alike for that long), divided into
/// `rows` x `columns` cells, each read at `inset` of its width and height from its top-left
/// corner, away from the value written at its centre. nil when no such run exists.
public func heatmapCellColors(
  in image: RasterImage, rows: Int, columns: Int, fills: [Color],
  inset: (x: Double, y: Double) = (0.2, 0.2)
) -> [[Color]]? {
  let minimumRun = 8
  // Cairo fills with the colour rounded to 8 bits.
  let tolerance = 1.5 / 255
  func fill(_ x: Int, _ y: Int) -> Int? {
    let color = image.color(x: x, y: y)
    return fills.firstIndex { sameColor($0, color, tolerance: tolerance) }
  }
  var (left, top, right, bottom) = (Int.max, Int.max, Int.min, Int.min)
  for y in 0..<image.height {
    var (start, current): (Int, Int?) = (0, nil)
    for x in 0...image.width {
      let here = x < image.width ? fill(x, y) : nil
      if here != current || here == nil {
        if current != nil, x - start >= minimumRun {
          (left, right) = (min(left, start), max(right, x - 1))
          (top, bottom) = (min(top, y), max(bottom, y))
        }
        (start, current) = (x, here)
      }
    }
  }
  guard left <= right, top <= bottom else { return nil }
  let cellWidth = Double(right - left + 1) / Double(columns)
  let cellHeight = Double(bottom - top + 1) / Double(rows)
  return (0..<rows).map { r in
    (0..<columns).map { c in
      image.color(
        x: left + Int(cellWidth * (Double(c) + inset.x)),
        y: top + Int(cellHeight * (Double(r) + inset.y)))
    }
  }
}

/// Whether `a` and `b` differ by at most `tolerance` in each of red, green and blue.
public func sameColor(_ a: Color, _ b: Color, tolerance: Double) -> Bool {
  abs(a.red - b.red) <= tolerance && abs(a.green - b.green) <= tolerance
    && abs(a.blue - b.blue) <= tolerance
}
