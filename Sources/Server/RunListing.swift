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

  /// The row for `entry`, its curve read from the run's metrics.
  init(_ entry: CatalogEntry) {
    row = entry.row
    if entry.row.status == .running, let heartbeat = entry.heartbeat {
      (epochsFinished, epochs) = (heartbeat.epochsFinished, heartbeat.epochs)
    }
    let log = try? TrainingLog.read(from: entry.paths)
    validationCurve = log?.epochs.compactMap(\.valAccuracy) ?? []
  }
}

/// A page of `GET /api/runs`: how many runs match, and the page asked for.
struct RunListing: Encodable {
  var total: Int
  var offset: Int
  var limit: Int
  var runs: [ListedRun]

  /// The runs of `catalog` that `query` asks for.
  init(_ query: RunQuery, catalog: RunCatalog) throws {
    let matching = try catalog.entries(
      experiment: query.experiment, status: query.status, sort: query.sort,
      descending: query.descending
    ).filter { query.admits($0.row) }
    total = matching.count
    (offset, limit) = (query.offset, query.limit)
    runs = matching.dropFirst(query.offset).prefix(query.limit).map(ListedRun.init)
  }
}
