import Foundation
import RunStorage

/// Keeps a training run's row in the run index, and the index page drawn from it, up to date
/// without ever stopping the run. The run folder is the truth; the index only mirrors it. A
/// write that fails is retried, the store opened anew each time, with growing pauses for at
/// most `patience` seconds; after that the run trains on and its row waits for the next epoch,
/// or for `report reindex`.
final class IndexUpdates {
  private let workspace: RunWorkspace
  private var store: RunStore?
  /// The most seconds one update keeps retrying. Once the store has been found away, updates
  /// during training try once (an epoch is not held up), and the last one waits the whole time.
  private let patience: TimeInterval
  /// Called with the error the first time the store cannot be reached.
  private let outage: (Error) -> Void
  /// The error of the last update that gave up; nil once one succeeds.
  private(set) var lastFailure: Error?
  private var reported = false

  init(
    workspace: RunWorkspace, store: RunStore, patience: TimeInterval,
    outage: @escaping (Error) -> Void
  ) {
    (self.workspace, self.store, self.patience, self.outage) = (workspace, store, patience, outage)
  }

  /// Records `row` in the store and then rewrites the index page, which reads the store; `last`
  /// marks the run's final row. Nothing it fails at stops the run.
  func update(_ row: IndexedRun, last: Bool) {
    guard record(row, last: last) else { return }
    do {
      try workspace.reporter.writeIndex(of: workspace.catalog)
    } catch {
      // The page reads the store, which may have gone away since the row was written; the page
      // is derived, so the run goes on and the next update (or `report reindex`) redraws it.
      reportOnce(error)
    }
  }

  /// Hands the first error of the run to `outage`.
  private func reportOnce(_ error: Error) {
    if !reported { outage(error) }
    reported = true
  }

  /// Records `row`, retrying as the type says; returns whether it reached the store.
  private func record(_ row: IndexedRun, last: Bool) -> Bool {
    let deadline = Date().addingTimeInterval(lastFailure == nil || last ? patience : 0)
    var pause: TimeInterval = 0.25
    while true {
      do {
        let store = try self.store ?? workspace.openStore()
        self.store = store
        try store.record(row)
        lastFailure = nil
        return true
      } catch {
        store = nil
        guard Date().addingTimeInterval(pause) < deadline else {
          lastFailure = error
          reportOnce(error)
          return false
        }
        Thread.sleep(forTimeInterval: pause)
        pause = min(pause * 2, 8)
      }
    }
  }
}
