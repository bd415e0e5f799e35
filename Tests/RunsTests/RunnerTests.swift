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

final class RunnerTests: XCTestCase {
  func testRunLeavesEveryRecordAndRenderRebuildsTheReport() throws {
    let dir = try scratch()
    try write(tinyExperimentYAML(), to: dir + "/tiny.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("tiny")
    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: HTMLRunReporter()))
    let paths = try runner.start(experiment).paths
    XCTAssert(paths.directory.hasPrefix(dir + "/out/runs/tiny/"))
    for file in [
      paths.config, paths.summary, paths.metricsCSV, paths.metricsJSON, paths.weights,
      paths.checkpoint, paths.predictions, paths.report, dir + "/out/index.html",
    ] {
      XCTAssert(FileManager.default.fileExists(atPath: file), "missing \(file)")
    }
    // The provenance says what computed the run, and the report shows it.
    let provenance = try RunRecord(loading: paths).summary.provenance
    XCTAssertEqual(provenance.engine, "oneDNN \(Precision.auto.resolved.rawValue)")
    XCTAssertEqual(provenance.isa, ComputeEngine.isa)
    let page = try String(contentsOfFile: paths.report, encoding: .utf8)
    XCTAssert(page.contains("oneDNN \(Precision.auto.resolved.rawValue), \(ComputeEngine.isa)"))
    // Every figure is drawn, and none is blank: each has ink beyond the white page.
    for figure in FigureName.allCases {
      let image = try RasterImage(pngPath: "\(paths.figures)/\(figure.file)")
      let inked = stride(from: 0, to: image.width * image.height, by: 7).filter {
        image.color(x: $0 % image.width, y: $0 / image.width).luminance < 0.8
      }
      XCTAssertGreaterThan(inked.count, 50, "\(figure.file) is blank")
    }
    // The confusion matrix shows the recorded predictions: with most test digits right, the
    // diagonal cells (10 classes, 62-point cells from (60, 44)) are darker than their row's
    // neighbours.
    let confusion = try RasterImage(pngPath: "\(paths.figures)/\(FigureName.confusion.file)")
    func cell(_ row: Int, _ column: Int) -> Double {
      confusion.color(x: 60 + column * 62 + 6, y: 44 + row * 62 + 6).luminance
    }
    let darkDiagonal = (0..<10).filter { k in cell(k, k) < cell(k, (k + 1) % 10) }
    XCTAssertGreaterThanOrEqual(darkDiagonal.count, 8, "diagonal darker in rows \(darkDiagonal)")
    let summary =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths.summary)))
      as! [String: Any]
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
    let html = try String(contentsOfFile: paths.report, encoding: .utf8)
    XCTAssert(html.contains("tiny &lt;b&gt;test&lt;/b&gt; run"), "description not escaped")
    XCTAssert(html.contains(String(format: "%.2f%%", accuracy * 100)))
    XCTAssert(html.contains("Param #"))
    XCTAssertFalse(html.contains("<script"))
    // Rendering again from the records gives the same figures and report, byte for byte.
    let files = FigureName.allCases.map { "\(paths.figures)/\($0.file)" } + [paths.report]
    let before = files.map { FileManager.default.contents(atPath: $0) }
    try FileManager.default.removeItem(atPath: paths.figures)
    try FileManager.default.removeItem(atPath: paths.report)
    try HTMLRunReporter().render(
      try RunRecord(loading: try runner.workspace.catalog.run(paths.runID)))
    for (file, content) in zip(files, before) {
      XCTAssertNotNil(content, file)
      XCTAssertEqual(
        FileManager.default.contents(atPath: file), content, "\(file) differs after render")
    }
    // A single file embeds its figures.
    try HTMLRunReporter(singleFile: true).render(
      try RunRecord(loading: try runner.workspace.catalog.run("tiny")))
    XCTAssert(
      try String(contentsOfFile: paths.report, encoding: .utf8).contains("data:image/png;base64,"))
  }

  func testInterruptedRunResumesToTheSameResultAsAnUnbrokenOne() throws {
    let dir = try scratch()
    try write(
      tinyExperimentYAML(epochs: 3, extra: "  augmentation: {rotation: 10, width_shift: 0.1}"),
      to: dir + "/tiny.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("tiny")
    // Both train on a thread count that is not this machine's default, as `--threads` gives.
    let startingThreads = ProcessInfo.processInfo.activeProcessorCount + 1
    let first = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/a", reporter: HTMLRunReporter()))
    first.threads = startingThreads
    let unbroken = try first.start(experiment).paths

    let runner = RunTrainer(
      workspace: RunWorkspace(outputRoot: dir + "/b", reporter: HTMLRunReporter()))
    runner.threads = startingThreads
    var batches = 0
    runner.isCancelled = {
      batches += 1
      return batches == 15  // inside epoch 2 (11 batches an epoch)
    }
    // While it trains, the report and the index are rewritten after every epoch and reload
    // themselves; each epoch's validation confusion matrix is on disk.
    let watcher = LivePagesWatcher(outputRoot: dir + "/b")
    runner.callbacks = [watcher]
    let interrupted = try runner.start(experiment).paths
    XCTAssertEqual(watcher.epochsSeen, 1)
    XCTAssertFalse(
      try String(contentsOfFile: interrupted.report, encoding: .utf8).contains("http-equiv"),
      "an interrupted run's report still reloads")
    let partial =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: interrupted.summary))) as! [String: Any]
    XCTAssertEqual(partial["status"] as? String, "interrupted")
    XCTAssertEqual(partial["epochs_run"] as? Int, 1)
    XCTAssert(
      FileManager.default.fileExists(atPath: interrupted.report),
      "an interrupted run keeps its report")
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
    XCTAssertEqual(lost.summary.status, .lost)
    XCTAssert(lost.isResumable)
    runner.isCancelled = { false }
    runner.callbacks = []
    // A new process starts on all cores; `resume` goes back to the count the run started with.
    runner.threads = nil
    Parallel.workers = 1
    try runner.resume(interrupted)
    XCTAssertEqual(Parallel.workers, startingThreads, "resume trains on the run's thread count")
    XCTAssertFalse(FileManager.default.fileExists(atPath: abandoned), "the abandoned file stays")
    let a = try String(contentsOfFile: unbroken.metricsCSV, encoding: .utf8).split(separator: "\n")
      .map { $0.split(separator: ",").prefix(6) }
    let b = try String(contentsOfFile: interrupted.metricsCSV, encoding: .utf8).split(
      separator: "\n"
    ).map { $0.split(separator: ",").prefix(6) }
    XCTAssertEqual(a, b, "resumed metrics differ from the unbroken run")
    XCTAssertEqual(
      FileManager.default.contents(atPath: unbroken.predictions),
      FileManager.default.contents(atPath: interrupted.predictions))
    XCTAssertThrowsError(try runner.resume(interrupted)) {
      XCTAssert("\($0)".contains("only interrupted and lost runs continue"), "\($0)")
    }
    let log = try RunRecord(loading: interrupted).log
    XCTAssertEqual(log.epochs.count, 3)
    for m in log.epochs {
      let confusion = try XCTUnwrap(m.valConfusion, "epoch \(m.epoch) has no confusion matrix")
      XCTAssertEqual(confusion.count, 10)
      XCTAssertEqual(confusion.joined().reduce(0, +), 60, "every validation image counted once")
      let correct = (0..<10).reduce(0) { $0 + confusion[$1][$1] }
      XCTAssertEqual(Double(correct) / 60, m.valAccuracy ?? -1, accuracy: 1e-12)
    }
    XCTAssert(
      try String(contentsOfFile: interrupted.report, encoding: .utf8).contains(
        "Confusions over training"))
    // Records from before per-epoch confusions still read and render, without the strip.
    var old = try readJSON(TrainingLog.self, from: interrupted.metricsJSON)
    for i in old.epochs.indices { old.epochs[i].valConfusion = nil }
    try AtomicFile.writeJSON(old, to: interrupted.metricsJSON)
    try HTMLRunReporter().render(try RunRecord(loading: interrupted))
    XCTAssertFalse(
      try String(contentsOfFile: interrupted.report, encoding: .utf8).contains(
        "Confusions over training"))
  }

  func testCommandLineThreadsWinOverTheExperiments() throws {
    let dir = try scratch()
    try write(tinyExperimentYAML(epochs: 1, extra: "  threads: 1"), to: dir + "/tiny.yaml")
    let experiment = try ExperimentLibrary(directory: dir).load("tiny")
    let runner = RunTrainer(workspace: RunWorkspace(outputRoot: dir, reporter: HTMLRunReporter()))
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
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: HTMLRunReporter())
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
      try RunTrainer(workspace: RunWorkspace(outputRoot: dir + "/out", reporter: HTMLRunReporter()))
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
        workspace: RunWorkspace(outputRoot: dir + "/file", reporter: HTMLRunReporter())
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
        workspace: RunWorkspace(outputRoot: try scratch(), reporter: HTMLRunReporter())
      ).workspace.catalog.run("nope")
    ) { XCTAssert("\($0)".hasPrefix("no run 'nope'"), "\($0)") }
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
      workspace: RunWorkspace(outputRoot: dir + "/out", reporter: HTMLRunReporter())
    ).start(
      experiment
    ).paths
    let record = try RunRecord(loading: paths)
    XCTAssertEqual(record.summary.status, .completed)
    XCTAssertEqual(try record.evaluation()?.predictions.count, data.test.count)
  }
}

/// Checks, after every epoch of a run, what someone watching it sees: its report and the index
/// reload themselves and show the epochs so far.
final class LivePagesWatcher: TrainingCallback {
  let outputRoot: String
  private(set) var epochsSeen = 0

  init(outputRoot: String) { self.outputRoot = outputRoot }

  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    epochsSeen += 1
    let runs = RunFolders.all(outputRoot: outputRoot).map(RunPaths.init(directory:))
    guard let paths = runs.first,
      let report = try? String(contentsOfFile: paths.report, encoding: .utf8),
      let index = try? String(contentsOfFile: outputRoot + "/index.html", encoding: .utf8)
    else {
      XCTFail("no report or index after epoch \(metrics.epoch)")
      return
    }
    XCTAssert(report.contains("<meta http-equiv=\"refresh\""), "the report does not reload")
    XCTAssert(report.contains("Epoch \(metrics.epoch) of 3 finished"), "no progress in the report")
    XCTAssert(index.contains("<meta http-equiv=\"refresh\""), "the index does not reload")
    XCTAssert(
      index.contains("<progress value=\"\(metrics.epoch)\" max=\"3\">"),
      "no progress bar in the index")
    XCTAssertEqual(
      (try? RunRecord(loading: paths))?.log.epochs.last?.valConfusion?.joined().reduce(0, +), 60)
  }
}
