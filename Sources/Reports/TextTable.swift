import Foundation

/// A table for the terminal: columns padded to their widest cell, two spaces apart.
public enum TextTable {
  /// The header line, then one line per row.
  public static func lines(header: [String], rows: [[String]]) -> [String] {
    let table = [header] + rows
    let widths = header.indices.map { column in
      table.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    return table.map { row in
      row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
        .joined(separator: "  ")
    }
  }
}
