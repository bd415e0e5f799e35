import Foundation

/// Kaggle's Digit Recognizer CSVs, as the paper loaded them: train.csv is
/// `label,pixel0..pixel783` and test.csv `pixel0..pixel783`, one 28x28 image a row, with a header.
public enum KaggleCSV {
  /// Pixels per image.
  static let pixels = 784

  /// Reads train.csv (`labelled`) or test.csv; every row is checked and a bad one named by line.
  public static func load(_ path: String, labelled: Bool) throws -> ImageDataset {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DatasetError.missingFile(
        path: path, hint: "Download it from Kaggle's Digit Recognizer competition page.")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw DatasetError.unreadable(path: path, reason: "not UTF-8 text")
    }
    var lines = text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    while lines.last?.isEmpty == true { lines.removeLast() }
    let columns = pixels + (labelled ? 1 : 0)
    guard let header = lines.first else {
      throw DatasetError.malformedCSV(path: path, line: 1, reason: "empty file")
    }
    let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let expectedHeader = (labelled ? ["label"] : []) + (0..<pixels).map { "pixel\($0)" }
    guard names == expectedHeader else {
      throw DatasetError.malformedCSV(
        path: path, line: 1,
        reason:
          "header has \(names.count) columns starting \(names.prefix(2).joined(separator: ",")); "
          + "expected \(labelled ? "label," : "")pixel0..pixel783"
      )
    }
    var pixelBytes = [UInt8]()
    var labels = [Int32]()
    pixelBytes.reserveCapacity((lines.count - 1) * pixels)
    for (offset, line) in lines.dropFirst().enumerated() {
      let lineNumber = offset + 2
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      guard fields.count == columns else {
        throw DatasetError.malformedCSV(
          path: path, line: lineNumber, reason: "\(fields.count) fields, expected \(columns)")
      }
      for (column, field) in fields.enumerated() {
        let trimmed = field.trimmingCharacters(in: .whitespaces)
        let isLabel = labelled && column == 0
        guard let value = Int(trimmed), value >= 0, value <= (isLabel ? 9 : 255) else {
          throw DatasetError.malformedCSV(
            path: path, line: lineNumber,
            reason:
              "field \(column + 1) (\(isLabel ? "label" : "pixel\(column - (labelled ? 1 : 0))")) "
              + "is '\(trimmed)', expected an integer in 0...\(isLabel ? 9 : 255)"
          )
        }
        if isLabel { labels.append(Int32(value)) } else { pixelBytes.append(UInt8(value)) }
      }
      if !labelled { labels.append(-1) }
    }
    return ImageDataset(
      pixels: pixelBytes, labels: labels, rows: 28, columns: 28,
      classNames: IDXDataset.mnist.classNames)
  }
}
