import Foundation
import Reports
import RunStorage
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Runs

/// `report reindex` rebuilds the index from the run folders without losing what has none.
final class ReindexTests: XCTestCase {
  func testReindexKeepsQueuedTrialsThatHaveNoFolderYet() throws {
    let dir = try scratch()
    try write(
      tinyExperimentYAML(
        epochs: 1,
        extra: """
          sweep:
            parameters:
              training.optimizer.learning_rate: [0.003, 0.002]
          """), to: dir + "/tiny.yaml")
    let sweep = try XCTUnwrap(try ExperimentLibrary(directory: dir).sweep("tiny"))
    let runner = ExperimentRunner(outputRoot: dir + "/out", reporter: HTMLRunReporter())
    let finished = try runner.run(
      try sweep.experiment(trial: 0), trial: try TrialContext(sweep: sweep, index: 0))
    let queued = try runner.queuedRow(
      try sweep.experiment(trial: 1), trial: try TrialContext(sweep: sweep, index: 1),
      runID: "20260101-000000-q001")
    try SQLiteRunStore(outputRoot: dir + "/out").record(queued)

    XCTAssertEqual(try runner.reindex(), 1, "one run folder")
    let rows = try SQLiteRunStore(outputRoot: dir + "/out").runs()
    XCTAssertEqual(Set(rows.map(\.runID)), [finished.runID, queued.runID])
    XCTAssertEqual(rows.first { $0.runID == queued.runID }?.status, .queued)
  }
}
