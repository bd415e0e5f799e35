import Foundation
import NeuralNet
import TestSupport
import XCTest

/// `report run` and `report resume` killed with SIGKILL at random moments: whatever the moment,
/// every run folder reads back, the index agrees with the folders, no run is left `running`, and
/// resuming gives exactly what an unbroken run gives.
final class KillTests: XCTestCase {
  /// 300 synthetic 28x28 digits in Kaggle's CSV: each class a bar at its own row and column, with
  /// seeded noise. Small enough that the debug binary starts in about a second.
  static func digitsCSV() -> String {
    var random = SeededGenerator(seed: 17)
    let header = "label," + (0..<784).map { "pixel\($0)" }.joined(separator: ",")
    let rows = (0..<300).map { i -> String in
      let label = i % 10
      let pixels = (0..<784).map { p -> String in
        let (row, column) = (p / 28, p % 28)
        let stroke = (row / 2 == 2 + label) || (column / 2 == 3 + label)
        let noise = random.next() % 8 == 0
        return stroke ? "255" : (noise ? String(random.next() % 160) : "0")
      }
      return "\(label)," + pixels.joined(separator: ",")
    }
    return ([header] + rows).joined(separator: "\n") + "\n"
  }

  /// The seed of this run's kills: `REPORT_KILL_SEED` replays a failure, otherwise the clock.
  private static var killSeed: UInt64 {
    ProcessInfo.processInfo.environment["REPORT_KILL_SEED"].flatMap(UInt64.init)
      ?? UInt64(Date().timeIntervalSince1970 * 1000)
  }

  /// The rows of `report list --json` as (run id, status, directory).
  private func listed(_ output: String) throws -> [(id: String, status: String, directory: String)]
  {
    let result = try runReport(["list", "--json", "--output", output])
    XCTAssertEqual(result.status, 0, result.error)
    let rows = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]],
      result.output)
    return rows.map {
      (
        $0["run_id"] as? String ?? "", $0["status"] as? String ?? "",
        $0["directory"] as? String ?? ""
      )
    }
  }

  /// The run folders under `output`, by run id.
  private func folders(_ output: String) -> [String: String] {
    let fm = FileManager.default
    var found: [String: String] = [:]
    for experiment in (try? fm.contentsOfDirectory(atPath: output + "/runs")) ?? [] {
      let parent = "\(output)/runs/\(experiment)"
      for run in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where !run.hasPrefix(".") {
        found[run] = "\(parent)/\(run)"
      }
    }
    return found
  }

  /// `report show` of one run folder (which reads it through RunRecord): its derived status and
  /// what `show` advises on standard error.
  private func shown(_ folder: String, _ context: String) throws -> (
    status: String?, advice: String
  ) {
    let shown = try runReport(["show", folder])
    XCTAssertEqual(shown.status, 0, "\(context): \(folder) does not read back: \(shown.error)")
    let json = try? JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any]
    return (json?["status"] as? String, shown.error)
  }

  private func shownStatus(_ folder: String, _ context: String) throws -> String? {
    try shown(folder, context).status
  }

  /// The columns of metrics.csv that must be bit-identical across a resume: all but the timings.
  private func metrics(_ folder: String) throws -> [String] {
    try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n")
      .map {
        $0.split(separator: ",", omittingEmptySubsequences: false).prefix(6).joined(separator: ",")
      }
  }

  func testTwentyKillsLeaveReadableRunsThatResumeToTheUnbrokenResult() throws {
    let seed = Self.killSeed
    print("KillTests seed \(seed); replay with REPORT_KILL_SEED=\(seed)")
    var random = SeededGenerator(seed: seed)
    let dir = try scratch(name)
    try Self.digitsCSV().write(toFile: dir + "/digits.csv", atomically: true, encoding: .utf8)
    // Early stopping, a plateau schedule and augmentation: everything a resume must restore.
    let yaml = """
      seed: 11
      dataset: {name: kaggle-csv, train_csv: \(dir)/digits.csv, validation_split: 0.2}
      model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
      training:
        epochs: 6
        batch_size: 40
        threads: 1
        augmentation: {rotation: 5, width_shift: 0.05}
        early_stopping: {monitor: val_loss, patience: 2, restore_best_weights: true}
        reduce_lr_on_plateau: {monitor: val_loss, patience: 1, factor: 0.5}
      """
    try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)

    let began = Date()
    let unbroken = try runReport(["run", dir + "/tiny.yaml", "--output", dir + "/a"])
    let lifetime = Date().timeIntervalSince(began)
    XCTAssertEqual(unbroken.status, 0, unbroken.error)
    let reference = try XCTUnwrap(folders(dir + "/a").values.first)

    let output = dir + "/b"
    var continuing: String?  // the lost run the next attempt resumes
    var killedMoments: [String] = []
    var resumable: Set<String> = []  // runs that were lost with a checkpoint at some point
    for attempt in 1...20 {
      let before = Set(folders(output).keys)
      let process = Process()
      process.executableURL = reportExecutable
      process.arguments =
        continuing.map { ["resume", $0, "--output", output] }
        ?? ["run", dir + "/tiny.yaml", "--output", output, "--force"]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      let delay = Double(random.next() % 1000) / 1000 * lifetime
      usleep(UInt32(delay * 1_000_000))
      let killed = process.isRunning
      if killed { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
      let context =
        "attempt \(attempt) (seed \(seed)): " + (continuing.map { "resume \($0)" } ?? "run")
        + (killed ? " killed after \(String(format: "%.2f", delay)) s" : " finished")
      killedMoments.append(context)

      // The run this attempt worked on: the one it resumed, or the folder it created (none when
      // it was killed before its folder appeared).
      let touched = continuing ?? Set(folders(output).keys).subtracting(before).first
      continuing = nil
      guard let runID = touched, let folder = folders(output)[runID] else { continue }
      let (status, advice) = try shown(folder, context)
      XCTAssert(
        ["completed", "lost", "interrupted"].contains(status ?? ""),
        "\(context): run \(runID) is \(status ?? "unreadable")")
      if !killed { XCTAssertEqual(status, "completed", context) }
      if status == "lost",
        FileManager.default.fileExists(atPath: folder + "/checkpoint.safetensors")
      {
        continuing = runID
        resumable.insert(runID)
        XCTAssert(
          advice.contains("continue with `report resume \(runID) --output \(output)`"),
          "\(context): \(advice)")
      } else if status == "lost" {
        XCTAssert(
          advice.contains("before its first epoch finished")
            && advice.contains(
              "start it again with `report run \(dir)/tiny.yaml --output \(output)"),
          "\(context): \(advice)")
      }
      if status == "lost" {
        // `show` rewrote the report the killed process left reloading: it now says lost.
        let page = (try? String(contentsOfFile: folder + "/report.html", encoding: .utf8)) ?? ""
        XCTAssert(page.contains("Lost "), "\(context): the report does not say lost")
        XCTAssertFalse(page.contains("http-equiv=\"refresh\""), "\(context): the report reloads")
      }
      let stillRunning = try listed(output).filter { $0.status == "running" }
      XCTAssert(stillRunning.isEmpty, "\(context): the index says running: \(stillRunning)")
    }

    // The folders are the truth: after reindex the index lists exactly them, with their status.
    let reindexed = try runReport(["reindex", "--output", output])
    XCTAssertEqual(reindexed.status, 0, reindexed.error)
    let runs = folders(output)
    let rows = try listed(output)
    XCTAssertEqual(Set(rows.map(\.id)), Set(runs.keys), "index and folders differ")
    for row in rows {
      XCTAssertEqual(row.status, try shownStatus(runs[row.id] ?? row.directory, "after reindex"))
      XCTAssertNotEqual(row.status, "running", row.id)
    }
    // Nothing trains, so the index no longer reloads; it lists the lost runs' commands.
    let index = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
    XCTAssertFalse(index.contains("http-equiv=\"refresh\""), "index.html still reloads")
    if rows.contains(where: { $0.status == "lost" }) { XCTAssert(index.contains("Lost runs")) }
    // Nothing half-written is left in a run folder or its figures.
    for folder in runs.values {
      for directory in [folder, folder + "/figures"] {
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
          .filter { $0.hasSuffix(".tmp") }
        XCTAssert(leftovers.isEmpty, "\(directory) keeps \(leftovers) after reindex")
      }
    }

    // Every resumable run resumes to exactly the unbroken run's metrics and predictions.
    let expected = try metrics(reference)
    var resumed = 0
    for row in rows where row.status == "lost" || row.status == "interrupted" {
      guard let folder = runs[row.id],
        FileManager.default.fileExists(atPath: folder + "/checkpoint.safetensors")
      else { continue }
      let result = try runReport(["resume", row.id, "--output", output])
      XCTAssertEqual(result.status, 0, "resuming \(row.id): \(result.error)")
      resumed += 1
    }
    var completed: Set<String> = []
    for (runID, folder) in folders(output)
    where try shownStatus(folder, "at the end") == "completed" {
      XCTAssertEqual(try metrics(folder), expected, "run \(runID) differs from the unbroken run")
      XCTAssertEqual(
        FileManager.default.contents(atPath: folder + "/predictions.csv"),
        FileManager.default.contents(atPath: reference + "/predictions.csv"),
        "run \(runID)'s predictions differ from the unbroken run's")
      completed.insert(runID)
    }
    print(
      "KillTests: " + killedMoments.joined(separator: "; ")
        + "; resumed \(resumed) at the end; completed \(completed.count), "
        + "\(completed.intersection(resumable).count) of them after a kill")
    XCTAssertFalse(
      completed.intersection(resumable).isEmpty, "no killed run was resumed to completion")
  }
}
