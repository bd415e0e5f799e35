/// Adds `bias[j]` to column j of every row, then applies `activation`.
func addBiasAndActivate(
  _ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int,
  activation: Activation
) {
  for r in 0..<rows {
    let row = x + r * width
    for j in 0..<width { row[j] += bias[j] }
  }
  activation.apply(x, rows: rows, width: width)
}

/// Adds the column sums of `x` [rows x width] to `sums` [width].
func accumulateColumnSums(
  _ x: UnsafePointer<Float>, rows: Int, width: Int, into sums: UnsafeMutablePointer<Float>
) {
  for r in 0..<rows {
    let row = x + r * width
    for j in 0..<width { sums[j] += row[j] }
  }
}
