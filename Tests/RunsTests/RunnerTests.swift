import AtomicFiles
import Datasets
import Foundation
import NeuralNet
import Plots
import Reports
import TestSupport
import XCTest

@testable import ExperimentDefinitions
@testable import Runs

/// What one tiny run leaves behind (trained once for the class: the tests only read it, or
/// change a copy of it), and `render` rebuilding its report.
final class RunnerTests: XCTestCase {
  /// The tiny experiment trained once into a scratch output folder, with the runner that
  /// trained it.
  private static let tinyRun = Result { () throws -> (runner: RunTrainer, paths: RunPaths) in
    let dir = try scratch("RunnerTestsTinyRun")
    try write(tinyExperimentYAML(), to: dir + "/tiny.yaml")
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
    return (runner, try runner.start(try ExperimentLibrary(directory: dir).load("tiny")).paths)
  }

  /// The tiny run's paths.
  private func tinyRun() throws -> RunPaths { try Self.tinyRun.get().paths }

  /// A copy of the tiny run's output folder for a test that changes it: a runner on the copy
  /// and the copied run's paths.
  private func copyOfTinyRun() throws -> (runner: RunTrainer, paths: RunPaths) {
    let original = try Self.tinyRun.get()
    let copy = try scratch(name) + "/out"
    try FileManager.default.copyItem(atPath: original.runner.workspace.outputRoot, toPath: copy)
    let runner = RunTrainer(workspace: RunWorkspace(outputRoot: copy, reporter: RunPageReporter()))
    return (runner, try runner.workspace.catalog.run(original.paths.runID))
  }

  func testARunLeavesEveryRecordAndTheIndex() throws {
    let (runner, paths) = try Self.tinyRun.get()
    let root = runner.workspace.outputRoot
    XCTAssert(paths.directory.hasPrefix(root + "/runs/tiny/"), paths.directory)
    for file in [
      paths.config, paths.summary, paths.metricsCSV, paths.metricsJSON, paths.weights,
      paths.checkpoint, paths.predictions, paths.report, root + "/index.html",
    ] {
      XCTAssert(FileManager.default.fileExists(atPath: file), "missing \(file)")
    }
  }

  func testTheProvenanceSaysWhatComputedTheRunAndTheReportShowsIt() throws {
    let paths = try tinyRun()
    let provenance = try RunRecord(loading: paths).summary.provenance
    XCTAssertEqual(provenance.engine, "oneDNN \(Precision.auto.resolved.rawValue)")
    XCTAssertEqual(provenance.isa, ComputeEngine.isa)
    let page = try String(contentsOfFile: paths.report, encoding: .utf8)
    XCTAssert(page.contains("oneDNN \(Precision.auto.resolved.rawValue), \(ComputeEngine.isa)"))
  }

  func testEveryFigureIsDrawnAndNoneIsBlank() throws {
    let paths = try tinyRun()
    // Each has ink beyond the white page.
    for figure in FigureName.allCases {
      let image = try RasterImage(pngPath: "\(paths.figures)/\(figure.file)")
      let inked = stride(from: 0, to: image.width * image.height, by: 7).filter {
        image.color(x: $0 % image.width, y: $0 / image.width).luminance < 0.8
      }
      XCTAssertGreaterThan(inked.count, 50, "\(figure.file) is blank")
    }
  }

  func testTheConfusionMatrixShowsTheRecordedPredictions() throws {
    let paths = try tinyRun()
    let confusion = try XCTUnwrap(try RunRecord(loading: paths).evaluation()).confusion
    XCTAssertEqual(confusion.joined().reduce(0, +), 200, "every test image counted once")
    // Each cell in the Blues colour of its count on a scale from 0 to the largest count, read
    // where the figure draws it, wherever that is.
    let largest = Double(confusion.joined().max() ?? 1)
    let expected = confusion.map { $0.map { Colormap.blues.color(at: Double($0) / largest) } }
    let image = try RasterImage(pngPath: "\(paths.figures)/\(FigureName.confusion.file)")
    for inset in [(x: 0.2, y: 0.2), (x: 0.8, y: 0.8)] {
      let shown = try XCTUnwrap(
        heatmapCellColors(
          in: image, rows: 10, columns: 10, fills: expected.flatMap { $0 }, inset: inset),
        "no confusion matrix cells in the figure")
      let wrong = (0..<10).flatMap { r in (0..<10).map { (r, $0) } }.filter { r, c in
        !sameColor(shown[r][c], expected[r][c], tolerance: 2.0 / 255)
      }
      XCTAssert(
        wrong.isEmpty,
        "cells (true, predicted) \(wrong.prefix(5)) do not show their counts "
          + "\(wrong.prefix(5).map { confusion[$0.0][$0.1] }) at \(inset)")
      // With most test digits right, the diagonal is darker than its row's neighbours.
      let darkDiagonal = (0..<10).filter { k in
        shown[k][k].luminance < shown[k][(k + 1) % 10].luminance
      }
      XCTAssertGreaterThanOrEqual(darkDiagonal.count, 8, "diagonal darker in rows \(darkDiagonal)")
    }
  }

  func testTheSummaryAndMetricsRecordBothEpochs() throws {
    let paths = try tinyRun()
    let summary = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths.summary)))
        as? [String: Any])
    XCTAssertEqual(summary["status"] as? String, "completed")
    let accuracy = try XCTUnwrap(summary["test_accuracy"] as? Double)
    XCTAssertGreaterThan(accuracy, 0.5, "600 images, 2 epochs: well above chance")
    XCTAssertNotNil(summary["test_loss"] as? Double)
    XCTAssertEqual(summary["epochs_run"] as? Int, 2)
    let csv = try String(contentsOfFile: paths.metricsCSV, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(
      csv.first, "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second"
    )
    XCTAssertEqual(csv.count, 3)
  }

  func testTheReportShowsTheRunWithItsDescriptionEscaped() throws {
    let paths = try tinyRun()
    let accuracy = try XCTUnwrap(try RunRecord(loading: paths).summary.testAccuracy)
    let html = try String(contentsOfFile: paths.report, encoding: .utf8)
    XCTAssert(html.contains("tiny &lt;b&gt;test&lt;/b&gt; run"), "description not escaped")
    XCTAssert(html.contains(String(format: "%.2f%%", accuracy * 100)))
    XCTAssert(html.contains("Param #"))
    XCTAssertFalse(html.contains("<script"))
  }

  func testRenderingAgainGivesTheSameFiguresAndReportByteForByte() throws {
    let (runner, paths) = try copyOfTinyRun()
    let files = FigureName.allCases.map { "\(paths.figures)/\($0.file)" } + [paths.report]
    let before = files.map { FileManager.default.contents(atPath: $0) }
    try FileManager.default.removeItem(atPath: paths.figures)
    try FileManager.default.removeItem(atPath: paths.report)
    try RunPageReporter().render(
      try RunRecord(loading: try runner.workspace.catalog.run(paths.runID)))
    for (file, content) in zip(files, before) {
      XCTAssertNotNil(content, file)
      XCTAssertEqual(
        FileManager.default.contents(atPath: file), content, "\(file) differs after render")
    }
  }

  func testASingleFileReportEmbedsItsFigures() throws {
    let (runner, paths) = try copyOfTinyRun()
    try RunPageReporter(singleFile: true).render(
      try RunRecord(loading: try runner.workspace.catalog.run("tiny")))
    XCTAssert(
      try String(contentsOfFile: paths.report, encoding: .utf8).contains("data:image/png;base64,"))
  }

  func testCommandLineThreadsWinOverTheExperiments() throws {
    let dir = try scratch()
    try write(tinyExperimentYAML(epochs: 1, extra: "  threads: 1"), to: dir + "/tiny.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("tiny")
    let runner = RunTrainer(workspace: RunWorkspace(outputRoot: dir, reporter: RunPageReporter()))
    runner.threads = 2
    let paths = try runner.start(experiment).paths
    XCTAssertEqual(Parallel.workers, 2)
    XCTAssertEqual(try RunRecord(loading: paths).summary.provenance.threads, 2)
    runner.threads = nil
    try runner.start(experiment, force: true).paths
    XCTAssertEqual(Parallel.workers, 1, "without --threads, training.threads applies")
    // The next experiment, without training.threads, is back on every core.
    try write(tinyExperimentYAML(epochs: 1), to: dir + "/plain.yaml")
    try runner.start(try ExperimentLibrary(directory: dir).load("plain")).paths
    XCTAssertEqual(Parallel.workers, Parallel.allCores, "a member's threads outlived its run")
  }

  func testDivergingRunFailsWithTheReasonInTheReport() throws {
    let dir = try scratch()
    try write(
      tinyExperimentYAML(epochs: 2).replacingOccurrences(
        of: "{name: adam, learning_rate: 0.003}", with: "{name: sgd, learning_rate: 10}"),
      to: dir + "/tiny.yaml")
    // An experiment file may not end without softmax, so the linear head that makes the loss
    // blow up with SGD at 10 is set on the decoded definition: the runner must still record a
    // run that diverges.
    var experiment = try ExperimentLibrary(directory: dir).load("tiny")
    experiment.model[3] = .dense(units: 10, activation: .linear)
    let paths = try RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter())
    ).start(
      experiment
    ).paths
    let summary =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths.summary)))
      as! [String: Any]
    XCTAssertEqual(summary["status"] as? String, "failed")
    XCTAssert((summary["failure_reason"] as? String ?? "").contains("NaN or infinite"))
    XCTAssert(try String(contentsOfFile: paths.report, encoding: .utf8).contains("NaN or infinite"))
  }

  func testBadDatasetAndUnwritableOutputAreClearErrorsThatWriteNothing() throws {
    let dir = try scratch()
    try write(
      tinyExperimentYAML().replacingOccurrences(
        of: "\(repositoryRoot)/data/mnist", with: dir + "/nowhere"), to: dir + "/tiny.yaml")
    XCTAssertThrowsError(
      try RunTrainer(workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter()))
        .start(
          try ExperimentLibrary(directory: dir).load("tiny")
        ).paths
    ) { error in
      XCTAssert(
        "\(error)".contains("\(dir)/nowhere/train-images-idx3-ubyte[.gz]: file not found"),
        "\(error)")
    }
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: dir + "/out"), "a failed start left files behind")
    try write(tinyExperimentYAML(), to: dir + "/tiny.yaml")
    try write("not a directory", to: dir + "/file")
    XCTAssertThrowsError(
      try RunTrainer(
        workspace: RunWorkspace(outputRoot: dir + "/file", reporter: RunPageReporter())
      ).start(
        try ExperimentLibrary(directory: dir).load("tiny")
      ).paths
    ) { error in
      XCTAssert("\(error)".contains("cannot write"), "\(error)")
    }
  }

  func testLocateRejectsUnknownRuns() throws {
    XCTAssertThrowsError(
      try RunTrainer(
        workspace: RunWorkspace(outputRoot: try scratch(), reporter: RunPageReporter())
      ).workspace.catalog.run("nope")
    ) { XCTAssert("\($0)".hasPrefix("no run 'nope'"), "\($0)") }
  }
}

/// A run interrupted inside its second epoch, then left as a killed process leaves it, then
/// resumed, against the same experiment trained unbroken. The scenario runs once for the class;
/// each test checks one thing it should have shown.
final class InterruptedRunTests: XCTestCase {
  /// What the scenario left and saw along the way.
  private struct Scenario {
    let unbroken: RunPaths
    /// The interrupted run, resumed to its end.
    let resumed: RunPaths
    /// The thread count both runs started with: not this machine's default.
    let startingThreads: Int
    /// What someone watching the interrupted run saw after each epoch.
    let watcher: LivePagesWatcher
    /// Right after the interruption: the report (nil if gone) and summary.json.
    let reportWhenInterrupted: String?
    let summaryWhenInterrupted: [String: Any]
    /// The run as read after its process was made to look killed: its status's name.
    let statusWhenKilled: String
    let resumableWhenKilled: Bool
    /// The half-written temporary file the killed process left.
    let abandonedFile: String
    /// `Parallel.workers` right after `resume`, which a new process had set to 1.
    let workersAfterResume: Int
    /// What resuming the finished run again threw.
    let secondResumeError: Error?
    /// The runner on the interrupted run's output folder.
    let runner: RunTrainer
  }

  private static let scenario = Result { try play() }

  /// Trains the unbroken run, then interrupts, kills, resumes and resumes again the other.
  private static func play() throws -> Scenario {
    let dir = try scratch("InterruptedRunTestsScenario")
    try write(
      tinyExperimentYAML(epochs: 3, extra: "  augmentation: {rotation: 10, width_shift: 0.1}"),
      to: dir + "/tiny.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("tiny")
    // Both train on a thread count that is not this machine's default, as `--threads` gives.
    let startingThreads = ProcessInfo.processInfo.activeProcessorCount + 1
    let first = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/a", reporter: RunPageReporter()))
    first.threads = startingThreads
    let unbroken = try first.start(experiment).paths

    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/b", reporter: RunPageReporter()))
    runner.threads = startingThreads
    var batches = 0
    runner.isCancelled = {
      batches += 1
      return batches == 15  // inside epoch 2 (11 batches an epoch)
    }
    // While it trains, the report and the index are rewritten after every epoch.
    let watcher = LivePagesWatcher(outputRoot: dir + "/b")
    runner.callbacks = [watcher]
    let interrupted = try runner.start(experiment).paths
    let reportWhenInterrupted = try? String(contentsOfFile: interrupted.report, encoding: .utf8)
    let summaryWhenInterrupted =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: interrupted.summary))) as? [String: Any] ?? [:]
    // Now as if killed during epoch 2, just after writing its metrics and before its
    // checkpoint: its process is gone, metrics.json is one epoch ahead of the checkpoint, and a
    // temporary file was never renamed.
    var summary = try readJSON(RunSummary.self, from: interrupted.summary)
    summary.status = .running
    try AtomicFile.writeJSON(summary, to: interrupted.summary)
    var gone = ProcessIdentity.current
    gone.startTicks = (gone.startTicks ?? 0) + 1
    try RunHeartbeat(
      process: gone, updatedAt: "2026-01-01T00:00:00Z", epochsFinished: 1, epochs: 3
    ).write(to: interrupted)
    var ahead = try readJSON(TrainingLog.self, from: interrupted.metricsJSON)
    ahead.epochs.append(ahead.epochs[0])
    ahead.epochs[1].epoch = 2
    try AtomicFile.writeJSON(ahead, to: interrupted.metricsJSON)
    let abandoned = interrupted.directory + "/.summary.json.\(Int32.max).tmp"
    try write("{\"half\":", to: abandoned)
    let lost = try RunRecord(loading: interrupted)
    runner.isCancelled = { false }
    runner.callbacks = []
    // A new process starts on all cores; `resume` goes back to the count the run started with.
    runner.threads = nil
    Parallel.workers = 1
    try runner.resume(interrupted)
    let workersAfterResume = Parallel.workers
    var secondResumeError: Error?
    do { try runner.resume(interrupted) } catch { secondResumeError = error }
    return Scenario(
      unbroken: unbroken, resumed: interrupted, startingThreads: startingThreads,
      watcher: watcher, reportWhenInterrupted: reportWhenInterrupted,
      summaryWhenInterrupted: summaryWhenInterrupted,
      statusWhenKilled: lost.summary.status.rawValue,
      resumableWhenKilled: lost.isResumable, abandonedFile: abandoned,
      workersAfterResume: workersAfterResume, secondResumeError: secondResumeError,
      runner: runner)
  }

  func testWhileItTrainsTheReportAndTheIndexReloadAndShowTheEpochsSoFar() throws {
    let watcher = try Self.scenario.get().watcher
    XCTAssertEqual(watcher.epochsSeen, 1)
    XCTAssertEqual(watcher.problems, [])
  }

  func testAnInterruptedRunKeepsAReportThatNoLongerReloads() throws {
    let scenario = try Self.scenario.get()
    let report = try XCTUnwrap(
      scenario.reportWhenInterrupted, "an interrupted run keeps its report")
    XCTAssertFalse(report.contains("http-equiv"), "an interrupted run's report still reloads")
    XCTAssertEqual(scenario.summaryWhenInterrupted["status"] as? String, "interrupted")
    XCTAssertEqual(scenario.summaryWhenInterrupted["epochs_run"] as? Int, 1)
  }

  func testARunWhoseProcessIsGoneIsLostAndResumable() throws {
    let scenario = try Self.scenario.get()
    XCTAssertEqual(scenario.statusWhenKilled, "lost")
    XCTAssert(scenario.resumableWhenKilled)
  }

  func testResumeTrainsOnTheThreadCountTheRunStartedWith() throws {
    let scenario = try Self.scenario.get()
    XCTAssertEqual(
      scenario.workersAfterResume, scenario.startingThreads,
      "resume trains on the run's thread count")
  }

  func testResumeRemovesTheFilesAKilledProcessLeftHalfWritten() throws {
    let abandoned = try Self.scenario.get().abandonedFile
    XCTAssertFalse(FileManager.default.fileExists(atPath: abandoned), "the abandoned file stays")
  }

  func testAResumedRunEndsExactlyAsAnUnbrokenOne() throws {
    let scenario = try Self.scenario.get()
    func metrics(_ paths: RunPaths) throws -> [ArraySlice<Substring>] {
      try String(contentsOfFile: paths.metricsCSV, encoding: .utf8).split(separator: "\n")
        .map { $0.split(separator: ",").prefix(6) }
    }
    XCTAssertEqual(
      try metrics(scenario.unbroken), try metrics(scenario.resumed),
      "resumed metrics differ from the unbroken run")
    XCTAssertEqual(
      FileManager.default.contents(atPath: scenario.unbroken.predictions),
      FileManager.default.contents(atPath: scenario.resumed.predictions))
  }

  func testOnlyInterruptedAndLostRunsResume() throws {
    let error = try XCTUnwrap(Self.scenario.get().secondResumeError, "a finished run resumed")
    XCTAssert("\(error)".contains("only interrupted and lost runs continue"), "\(error)")
  }

  func testEveryEpochRecordsItsValidationConfusionsAndTheReportShowsThem() throws {
    let resumed = try Self.scenario.get().resumed
    let log = try RunRecord(loading: resumed).log
    XCTAssertEqual(log.epochs.count, 3)
    for m in log.epochs {
      let confusion = try XCTUnwrap(m.valConfusion, "epoch \(m.epoch) has no confusion matrix")
      XCTAssertEqual(confusion.count, 10)
      XCTAssertEqual(confusion.joined().reduce(0, +), 60, "every validation image counted once")
      let correct = (0..<10).reduce(0) { $0 + confusion[$1][$1] }
      XCTAssertEqual(Double(correct) / 60, m.valAccuracy ?? -1, accuracy: 1e-12)
    }
    XCTAssert(
      try String(contentsOfFile: resumed.report, encoding: .utf8).contains(
        "Confusions over training"))
  }

  func testRecordsFromBeforePerEpochConfusionsRenderWithoutTheStrip() throws {
    // On a copy: the other tests read the resumed run as it finished.
    let scenario = try Self.scenario.get()
    let copy = try scratch(name) + "/b"
    try FileManager.default.copyItem(atPath: scenario.runner.workspace.outputRoot, toPath: copy)
    let paths = try RunTrainer(
      workspace: RunWorkspace(outputRoot: copy, reporter: RunPageReporter())
    ).workspace.catalog.run(
      scenario.resumed.runID)
    var old = try readJSON(TrainingLog.self, from: paths.metricsJSON)
    for i in old.epochs.indices { old.epochs[i].valConfusion = nil }
    try AtomicFile.writeJSON(old, to: paths.metricsJSON)
    try RunPageReporter().render(try RunRecord(loading: paths))
    XCTAssertFalse(
      try String(contentsOfFile: paths.report, encoding: .utf8).contains(
        "Confusions over training"))
  }
}

final class KaggleRunTests: XCTestCase {
  func testKaggleCSVExperimentRunsAndValidatesOnItsSplit() throws {
    let dir = try scratch()
    let (train, _) = try Datasets.IDXDataset.mnist.load(
      directory: repositoryRoot + "/data/mnist", verifyChecksums: false)
    let header = (0..<784).map { "pixel\($0)" }.joined(separator: ",")
    let rows = (0..<400).map { i in
      "\(train.labels[i])," + train.image(i).map(String.init).joined(separator: ",")
    }
    try write((["label," + header] + rows).joined(separator: "\n") + "\n", to: dir + "/train.csv")
    let yaml = """
      seed: 3
      dataset: {name: kaggle-csv, train_csv: \(dir)/train.csv, validation_split: 0.2}
      model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """
    try write(yaml, to: dir + "/kaggle.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("kaggle")
    XCTAssertEqual(experiment.dataset.source, .kaggleCSV(train: dir + "/train.csv", test: nil))
    let data = try ExperimentData(experiment)
    XCTAssertEqual(data.train.count + data.validation.count, 400)
    XCTAssertEqual(
      data.test.labels, data.validation.labels,
      "Kaggle's test.csv has no labels: metrics use the validation split")
    let paths = try RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: RunPageReporter())
    ).start(
      experiment
    ).paths
    let record = try RunRecord(loading: paths)
    XCTAssertEqual(record.summary.status, .completed)
    XCTAssertEqual(try record.evaluation()?.predictions.count, data.test.count)
  }
}

/// Checks, after every epoch of a run, what someone watching it sees: its report and the index
/// reload themselves and show the epochs so far. Records what is wrong in `problems` rather than
/// failing, so that the test about live pages reports it whichever test ran the training.
final class LivePagesWatcher: TrainingCallback {
  let outputRoot: String
  private(set) var epochsSeen = 0
  /// What was wrong after which epoch; empty when every page showed what it should.
  private(set) var problems: [String] = []

  init(outputRoot: String) { self.outputRoot = outputRoot }

  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    epochsSeen += 1
    let runs = RunFolders.all(outputRoot: outputRoot).map(RunPaths.init(directory:))
    guard let paths = runs.first,
      let report = try? String(contentsOfFile: paths.report, encoding: .utf8),
      let index = try? String(contentsOfFile: outputRoot + "/index.html", encoding: .utf8)
    else {
      problems.append("no report or index after epoch \(metrics.epoch)")
      return
    }
    let checks = [
      (report.contains("<meta http-equiv=\"refresh\""), "the report does not reload"),
      (report.contains("Epoch \(metrics.epoch) of 3 finished"), "no progress in the report"),
      (index.contains("<meta http-equiv=\"refresh\""), "the index does not reload"),
      (
        index.contains("<progress value=\"\(metrics.epoch)\" max=\"3\">"),
        "no progress bar in the index"
      ),
      (
        (try? RunRecord(loading: paths))?.log.epochs.last?.valConfusion?.joined().reduce(0, +)
          == 60, "the last epoch's validation confusions do not count 60 images"
      ),
    ]
    problems += checks.filter { !$0.0 }.map { "epoch \(metrics.epoch): \($0.1)" }
  }
}
