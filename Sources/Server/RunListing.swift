import Foundation
import RunStorage
import Runs

/// One row of `GET /api/runs`: the index row's columns, with how far a running run got and its
/// validation accuracy epoch by epoch (the runs page draws it as a sparkline).
struct ListedRun: Encodable {
  var row: IndexedRun
  /// Epochs finished and the most it trains, from the heartbeat of a run still training.
  var epochsFinished: Int?, epochs: Int?
  /// Validation accuracy after each epoch so far.
  var validationCurve: [Double]

  private enum ExtraKeys: String, CodingKey {
    case epochsFinished = "epochs_finished"
    case epochs
    case validationCurve = "val_accuracy_curve"
  }

  func encode(to encoder: Encoder) throws {
    try row.encode(to: encoder)
    var extra = encoder.container(keyedBy: ExtraKeys.self)
    try extra.encodeIfPresent(epochsFinished, forKey: .epochsFinished)
    try extra.encodeIfPresent(epochs, forKey: .epochs)
    try extra.encode(validationCurve, forKey: .validationCurve)
  }

  /// The row for `entry`, with its curve from `curves`.
  init(_ entry: CatalogEntry, curves: ValidationCurves) {
    row = entry.row
    if entry.row.status == .running, let heartbeat = entry.heartbeat {
      (epochsFinished, epochs) = (heartbeat.epochsFinished, heartbeat.epochs)
    }
    validationCurve = curves.curve(entry.paths)
  }
}

/// A page of `GET /api/runs`: how many runs match, and the page asked for.
struct RunListing: Encodable {
  var total: Int
  var offset: Int
  var limit: Int
  var runs: [ListedRun]

  /// The runs of `catalog` that `query` asks for, their curves from `curves`.
  init(_ query: RunQuery, catalog: RunCatalog, curves: ValidationCurves) throws {
    let page = try catalog.page(
      query.filter, status: query.status, sort: query.sort, descending: query.descending,
      limit: query.limit, offset: query.offset)
    total = page.total
    (offset, limit) = (query.offset, query.limit)
    runs = page.entries.map { ListedRun($0, curves: curves) }
  }
}
