import Foundation
import Hummingbird
import RunStorage
import Runs

/// What `GET /api/runs` asks for: filters, a sort and a page, read from the query string.
struct RunQuery: Equatable {
  var experiment: String?
  var status: RunStatus?
  var tag: String?
  var sweep: String?
  /// A numeric column and the range its value must fall in (either end open).
  var metric: RunColumn?
  var minimum: Double?, maximum: Double?
  var sort: RunColumn = .startedAt
  var descending = true
  var limit = 50
  var offset = 0

  /// The most rows one page may hold.
  static let largestPage = 1000

  /// The columns a metric range may filter on.
  static let numericColumns: [RunColumn] = [
    .valAccuracy, .testAccuracy, .testLoss, .parameters, .seconds, .seed, .trial,
  ]

  /// Reads the query string's parameters; an unknown status, column or a bad number is a 400
  /// that names the parameter.
  init(parameters: [String: String]) throws {
    func text(_ key: String) -> String? {
      parameters[key].flatMap { $0.isEmpty ? nil : $0 }
    }
    func number(_ key: String) throws -> Double? {
      guard let value = text(key) else { return nil }
      guard let number = Double(value), number.isFinite else {
        throw APIError.badRequest("\(key)=\(value): not a number")
      }
      return number
    }
    func count(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
      guard let value = text(key) else { return nil }
      guard let count = Int(value), range.contains(count) else {
        throw APIError.badRequest(
          "\(key)=\(value): a whole number from \(range.lowerBound) to \(range.upperBound)")
      }
      return count
    }
    experiment = text("experiment")
    tag = text("tag")
    sweep = text("sweep")
    if let value = text("status") {
      guard let status = RunStatus(rawValue: value) else {
        throw APIError.badRequest(
          "status=\(value): one of " + RunStatus.allCases.map(\.rawValue).joined(separator: ", "))
      }
      self.status = status
    }
    if let value = text("sort") {
      guard let column = RunColumn(rawValue: value) else {
        throw APIError.badRequest(
          "sort=\(value): one of " + RunColumn.allCases.map(\.rawValue).joined(separator: ", "))
      }
      sort = column
    }
    if let value = text("order") {
      guard value == "asc" || value == "desc" else {
        throw APIError.badRequest("order=\(value): asc or desc")
      }
      descending = value == "desc"
    }
    if let value = text("metric") {
      guard let column = RunColumn(rawValue: value), Self.numericColumns.contains(column) else {
        throw APIError.badRequest(
          "metric=\(value): one of " + Self.numericColumns.map(\.rawValue).joined(separator: ", "))
      }
      metric = column
    }
    minimum = try number("min")
    maximum = try number("max")
    if metric == nil, minimum != nil || maximum != nil {
      throw APIError.badRequest("min and max bound a metric: give metric= too")
    }
    limit = try count("limit", in: 1...Self.largestPage) ?? limit
    offset = try count("offset", in: 0...Int(Int32.max)) ?? offset
  }

  /// The filters as the store applies them (the status apart: `lost` is derived).
  var filter: RunFilter {
    RunFilter(
      experiment: experiment, sweep: sweep, tag: tag,
      range: metric.map { RunFilter.ValueRange(column: $0, minimum: minimum, maximum: maximum) })
  }
}
