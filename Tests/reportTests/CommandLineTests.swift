import Foundation
import TestSupport
import XCTest

/// Runs the built `report` binary the way a user does and checks its output and exit code.
final class CommandLineTests: XCTestCase {
  private let root = repositoryRoot

  private func report(_ arguments: [String], in directory: String? = nil) throws -> ReportResult {
    try runReport(arguments, in: directory ?? root)
  }

  private func scratch() throws -> String { try TestSupport.scratch(name) }

  func testMissingExperimentListsAvailableOnesAndFails() throws {
    let result = try report(["run", "no_such_experiment", "--output", try scratch()])
    XCTAssertNotEqual(result.status, 0)
    XCTAssert(
      result.error.contains(
        "no experiment named 'no_such_experiment'. Available: architectures, baseline, deeper"),
      result.error)
  }

  func testBadOverrideFails() throws {
    let result = try report([
      "run", "quick", "--set", "training.epohcs=2", "--output", try scratch(),
    ])
    XCTAssertNotEqual(result.status, 0)
    XCTAssert(
      result.error.contains("unknown key 'epohcs' in training; did you mean 'epochs'?"),
      result.error)
  }

  func testAModelThatDoesNotFitTheDataFailsBeforeAnythingIsWritten() throws {
    let output = try scratch()
    let result = try report([
      "run", "quick", "--set", "model.6.dense.units=7", "--set", "training.epochs=1",
      "--set", "dataset.subset=500", "--output", output,
    ])
    XCTAssertEqual(result.status, 1, result.error)
    XCTAssert(
      result.error.contains(
        "model[6].dense has 7 units, but mnist has 10 classes: the last dense layer needs one "
          + "output per class"), result.error)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output), [])
  }

  func testTheKernelsTheBinarySelectsMatchTheReferenceOnThePaperModel() throws {
    // Through the binary, so under the kernel selection it makes at start.
    let result = try report(["check", "--batch-size", "32", "--precision", "fp32"])
    XCTAssertEqual(result.status, 0, result.output + result.error)
    XCTAssert(result.output.contains("conv2d_1: backward-weights"), result.output)
    XCTAssert(result.output.contains("max_pooling2d [24, 24, 64]: input gradient"), result.output)
    // The first layer is checked as training runs it: without an input gradient.
    XCTAssert(result.output.contains("conv2d [28, 28, 1]: kernel gradient"), result.output)
    XCTAssertFalse(result.output.contains("conv2d [28, 28, 1]: input gradient"), result.output)
    XCTAssert(
      result.output.contains(
        "all 93 results within a relative RMS error of 0.001 of the reference"),
      result.output)
    // What training uses here (bf16 on CPUs with native bf16) passes its own measure too.
    let auto = try report(["check", "--batch-size", "32"])
    XCTAssertEqual(auto.status, 0, auto.output + auto.error)
    XCTAssert(auto.output.contains("all 93 results within a "), auto.output)
  }

  func testRunsATinyExperimentFileEndToEnd() throws {
    let dir = try scratch()
    let yaml = """
      seed: 1
      dataset: {name: mnist, directory: \(root)/data/mnist, subset: 300, test_subset: 100}
      model: [{conv2d: {filters: 2, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """
    try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = try report([
      "run", dir + "/tiny.yaml", "--output", dir + "/out", "--set", "training.epochs=2",
    ])
    XCTAssertEqual(result.status, 0, result.error)
    let reportPath = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    XCTAssert(
      reportPath.hasPrefix(dir + "/out/runs/tiny/") && reportPath.hasSuffix("/report.html"),
      result.output)
    XCTAssert(FileManager.default.fileExists(atPath: reportPath))
    XCTAssert(
      result.error.contains("epoch 2:"),
      "no plain progress lines when not on a terminal: \(result.error)")
    XCTAssert(result.error.contains("test accuracy"), result.error)
    let rendered = try report(["render", "tiny", "--output", dir + "/out"])
    XCTAssertEqual(rendered.status, 0, rendered.error)
    let unwritable = try report([
      "run", dir + "/tiny.yaml", "--output", "/proc/report-cannot-write-here",
    ])
    XCTAssertNotEqual(unwritable.status, 0)
    XCTAssert(unwritable.error.contains("cannot write"), unwritable.error)
  }

  /// Two classes with a label budget: trained, reported in the data section, and predicted by
  /// their own names.
  func testAClassSelectionWithALabelBudgetTrainsReportsAndPredictsThoseClasses() throws {
    let dir = try scratch()
    try """
    seed: 1
    dataset: {name: mnist, directory: \(root)/data/mnist, classes: [3, 8], labels_per_class: 100}
    model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 2, activation: softmax}}]
    training: {epochs: 2, batch_size: 20}
    """.write(toFile: dir + "/pair.yaml", atomically: true, encoding: .utf8)
    let result = try report(["run", dir + "/pair.yaml", "--output", dir + "/out"])
    XCTAssertEqual(result.status, 0, result.error)
    let page = try String(
      contentsOfFile: result.output.trimmingCharacters(in: .whitespacesAndNewlines),
      encoding: .utf8)
    for text in [
      "180 training, 20 validation",
      "Only classes 3, 8 are kept (dataset.classes), relabelled 0 to 1",
      "100 labelled images per class are kept (dataset.labels_per_class, chosen by seed 1)",
    ] {
      XCTAssert(page.contains(text), "the page lacks: \(text)")
    }
    // The model answers in the kept classes' names: "digit18.png: 3 (3 97.0%, 8 3.0%)".
    let digits = try DrawnDigit.testDigits(19, in: dir)
    let predicted = try report(["predict", "pair", digits[18].png, "--output", dir + "/out"])
    XCTAssertEqual(predicted.status, 0, predicted.error)
    let ranked = predicted.output.split(separator: "(").last?.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
    }
    XCTAssertEqual(Set(ranked ?? []), ["3", "8"], predicted.output)
  }

  func testALabelBudgetComparisonTrainsItsMissingSourceFirstAndDrawsTheCurve() throws {
    let dir = try scratch()
    func definition(classes: String, extra: String = "") -> String {
      """
      seed: 1
      dataset: {name: mnist, directory: \(root)/data/mnist, classes: [\(classes)], subset: 200, test_subset: 200}
      model: [{conv2d: {filters: 4, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 2, activation: softmax}}]
      training: {epochs: 1, batch_size: 20}
      \(extra)
      """
    }
    try definition(classes: "0, 1").write(
      toFile: dir + "/src.yaml", atomically: true, encoding: .utf8)
    try definition(classes: "2, 3").write(
      toFile: dir + "/scratch.yaml", atomically: true, encoding: .utf8)
    try definition(classes: "2, 3", extra: "init: {from: src, layers: [conv2d]}").write(
      toFile: dir + "/pre.yaml", atomically: true, encoding: .utf8)
    try "compare: [pre, scratch]\nseeds: 2\nlabel_budgets: {10: 2, 30: 1}\n".write(
      toFile: dir + "/budget.yaml", atomically: true, encoding: .utf8)
    let common = ["--experiments", dir, "--output", dir + "/out"]

    let plan = try report(["run", "budget", "--plan"] + common)
    XCTAssertEqual(plan.status, 0, plan.error)
    let lines = plan.output.split(separator: "\n")
    XCTAssertEqual(lines.count, 9, plan.output)
    XCTAssert(lines[0].hasPrefix("train   src seed 1"), plan.output)
    XCTAssert(lines[1].contains("after its init.from source src"), plan.output)

    let result = try report(["run", "budget"] + common)
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssert(
      result.error.contains("training src, seed 1") && result.error.contains("init.from source"),
      result.error)
    let listed = try report(["list", "--json", "--experiment", "pre"] + common)
    let rows = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
    XCTAssertEqual(rows.count, 4, "2 budgets x 2 seeds of pre")
    let page = try String(contentsOfFile: dir + "/out/compare/budget/index.html", encoding: .utf8)
    XCTAssert(page.contains("Label budget") && page.contains("label_budget.png"))
    XCTAssert(FileManager.default.fileExists(atPath: dir + "/out/compare/budget/label_budget.png"))
  }

  func testTwoRunsAtOnceAreBothRecordedAndListed() throws {
    let dir = try scratch()
    let yaml = """
      dataset: {name: mnist, directory: \(root)/data/mnist, subset: 200, test_subset: 50}
      model: [flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """
    try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      _ = try? report([
        "run", dir + "/tiny.yaml", "--output", dir + "/out", "--force", "--set", "seed=\(i)",
      ])
    }
    let listed = try report(["list", "--json", "--output", dir + "/out"])
    XCTAssertEqual(listed.status, 0, listed.error)
    let rows = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
    XCTAssertEqual(rows.count, 2)
    XCTAssertEqual(Set(rows.compactMap { $0["status"] as? String }), ["completed"])
    let table = try report(["list", "--sort", "test_accuracy", "--output", dir + "/out"])
    XCTAssert(table.output.hasPrefix("run"), table.output)
    let bad = try report(["list", "--sort", "colour", "--output", dir + "/out"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssert(bad.error.contains("'colour' is invalid for '--sort"), bad.error)
    XCTAssert(bad.error.contains("test_accuracy"), "the valid columns are listed: \(bad.error)")
    let shown = try report(["show", "tiny", "--output", dir + "/out"])
    XCTAssert(shown.output.contains("\"test_accuracy\""), shown.output)
  }

  /// Starts `report run` of a 3-epoch experiment `dir/tiny.yaml` (written here) with `extra`
  /// arguments, output in `dir/out`, in the background: long enough to stop during its run.
  /// Starts `report COMMAND tiny.yaml` (a run, or with `--trial` a sweep's trial) that trains
  /// long enough to be killed mid-run.
  private func startSlowTinyRun(in dir: String, command: String = "run", _ extra: [String] = [])
    throws -> Process
  {
    try slowTinyExperimentYAML.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = reportExecutable
    process.arguments = [command, dir + "/tiny.yaml", "--output", dir + "/out"] + extra
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  func testCtrlCKeepsTheRunAsInterruptedAndResumeFinishesIt() throws {
    let dir = try scratch()
    let process = try startSlowTinyRun(in: dir)
    // Interrupt as soon as the first epoch is on disk.
    let deadline = Date().addingTimeInterval(120)
    func firstEpochWritten() -> Bool {
      let runs =
        (try? FileManager.default.contentsOfDirectory(atPath: dir + "/out/runs/tiny")) ?? []
      return runs.contains {
        FileManager.default.fileExists(atPath: "\(dir)/out/runs/tiny/\($0)/metrics.csv")
      }
    }
    while !firstEpochWritten() && Date() < deadline && process.isRunning { usleep(20_000) }
    process.interrupt()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 130, "an interrupted run exits 130")
    let shown = try report(["show", "tiny", "--output", dir + "/out"])
    XCTAssert(shown.output.contains("\"status\" : \"interrupted\""), shown.output)
    let resumed = try report(["resume", "tiny", "--output", dir + "/out"])
    XCTAssertEqual(resumed.status, 0, resumed.error)
    let after = try report(["show", "tiny", "--output", dir + "/out"])
    XCTAssert(
      after.output.contains("\"status\" : \"completed\"")
        && after.output.contains("\"epochs_run\" : 3"), after.output)
    // Standard output is the JSON alone (`report show RUN | jq`); the report's path is on stderr.
    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(after.output.utf8)), after.output)
    XCTAssert(after.error.contains("report: "), after.error)
    let missing = try report(["show", "nonexistent", "--output", dir + "/out"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssert(missing.error.contains("(see \(dir)/out/index.html)"), missing.error)
  }

  func testBenchJSONCarriesTheAgreedKeys() throws {
    let result = try report(["bench", "--steps", "1", "--repeats", "1", "--json", "--augment"])
    XCTAssertEqual(result.status, 0, result.error)
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    for key in [
      "train_images_per_second", "inference_images_per_second", "figures_milliseconds",
      "errors_section_milliseconds", "validation_predictions_milliseconds",
    ] {
      let value = try XCTUnwrap(json[key] as? Double, "missing \(key)")
      XCTAssert(value.isFinite && value > 0, "\(key) = \(value)")
    }
    // Peak memory is read from /proc: a model of 692,682 parameters with MNIST loaded needs tens
    // of MiB at least, and 0 means it was not read.
    let peak = try XCTUnwrap(json["peak_rss_mib"] as? Double)
    XCTAssert(peak > 20 && peak < 65_536, "peak_rss_mib = \(peak)")
    XCTAssertGreaterThanOrEqual(json["threads"] as? Int ?? 0, 1)
    XCTAssertEqual(json["steps"] as? Int, 1)
    XCTAssertEqual(json["repeats"] as? Int, 1)
    XCTAssertEqual(json["augmentation"] as? Bool, true)
    XCTAssertEqual(json["batch_size"] as? Int, 128)
    XCTAssertFalse((json["blas_core"] as? String ?? "").isEmpty)
    XCTAssertEqual(json["parameters"] as? Int, 692_682)
    // What computed it: oneDNN at the resolved default precision, on the ISA oneDNN reports.
    let precision = try XCTUnwrap(json["precision"] as? String)
    XCTAssert(["bf16", "fp32"].contains(precision), precision)
    XCTAssertEqual(json["engine"] as? String, "oneDNN \(precision)")
    XCTAssert((json["isa"] as? String ?? "").hasPrefix("avx"), "\(json["isa"] ?? "no isa")")
    // The machine's own limit, measured, and training and inference as fractions of it.
    let limit = try XCTUnwrap(json["peak"] as? [String: Any])
    XCTAssertGreaterThan(limit["gigaflops"] as? Double ?? 0, 8)
    XCTAssert((limit["instructions"] as? String ?? "").hasPrefix("avx"), "\(limit)")
    XCTAssertEqual(json["train_flops_per_image"] as? Double, 3 * 79_497_728 - 778_752)
    XCTAssertEqual(json["inference_flops_per_image"] as? Double, 79_497_728)
    for key in ["train_fraction_of_peak", "inference_fraction_of_peak"] {
      let fraction = try XCTUnwrap(json[key] as? Double, "missing \(key)")
      XCTAssert(fraction > 0 && fraction < 2, "\(key) = \(fraction)")
    }
    XCTAssertNil(json["layers"], "layers are timed only with --layers")
  }

  func testBenchLayersTimesEveryPassWithItsImplementation() throws {
    let result = try report([
      "bench", "--steps", "2", "--repeats", "1", "--json", "--layers", "--precision", "fp32",
    ])
    XCTAssertEqual(result.status, 0, result.error)
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
    let passes = layers.map { "\($0["layer"] ?? "") \($0["pass"] ?? "")" }
    for convolution in ["conv2d", "conv2d_1", "conv2d_2", "conv2d_3"] {
      for pass in ["forward", "backward-weights"] {
        XCTAssert(passes.contains("\(convolution) \(pass)"), "\(convolution) \(pass): \(passes)")
      }
      // The first layer's input gradient is never needed.
      XCTAssertEqual(
        passes.contains("\(convolution) backward-data"), convolution != "conv2d", convolution)
    }
    // The 2x2-output convolution runs on im2col + sgemm in fp32, whose backward is one pass.
    let last = layers.filter { $0["layer"] as? String == "conv2d_4" }
    XCTAssertEqual(last.map { $0["pass"] as? String }, ["forward", "backward"], "\(last)")
    XCTAssertEqual(
      last.map { $0["implementation"] as? String },
      Array(repeating: "im2col + sgemm (OpenBLAS, fp32)", count: 2))
    XCTAssertEqual(passes.first, "batch step")
    XCTAssertEqual(passes.last, "optimizer step")
    for row in layers where (row["layer"] as? String ?? "").hasPrefix("conv2d") {
      XCTAssertGreaterThan(row["flops"] as? Double ?? 0, 0, "\(row)")
      XCTAssertFalse((row["implementation"] as? String ?? "").isEmpty, "\(row)")
    }
    let table = try report(["bench", "--steps", "1", "--repeats", "1", "--layers"])
    XCTAssertEqual(table.status, 0, table.error)
    XCTAssert(table.output.contains("FMA peak"), table.output)
    XCTAssert(table.output.contains("of peak  implementation"), table.output)
    XCTAssert(table.output.contains("conv2d_1              backward-data"), table.output)
  }

  func testBenchRefusesAPrecisionTheCPUCannotRun() throws {
    let bf16 = try report(["bench", "--precision", "bf16", "--steps", "1", "--repeats", "1"])
    let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    if cpuInfo.contains("avx512f") {
      XCTAssertEqual(bf16.status, 0, bf16.error)
    } else {
      XCTAssertNotEqual(bf16.status, 0)
      XCTAssert(bf16.error.contains("--precision bf16 needs an AVX-512 CPU"), bf16.error)
    }
    let wrong = try report(["bench", "--precision", "fp16"])
    XCTAssertNotEqual(wrong.status, 0)
    XCTAssert(wrong.error.contains("fp16"), wrong.error)
  }

  func testBenchTakesTheThreadCountsRunTakes() throws {
    for threads in ["0", "257"] {
      let result = try report(["bench", "--threads", threads, "--steps", "1", "--repeats", "1"])
      XCTAssertNotEqual(result.status, 0)
      XCTAssert(result.error.contains("--threads must be between 1 and 256"), result.error)
    }
  }

  /// A Slurm task whose node died is requeued: its trial continues the lost run, not a new one.
  func testAKilledSweepTrialContinuesFromItsCheckpoint() throws {
    let dir = try scratch()
    let sweep = ["--set", "training.optimizer.learning_rate=0.003,0.001", "--trial", "0"]
    let process = try startSlowTinyRun(in: dir, command: "sweep", sweep)
    let runs = dir + "/out/runs/tiny"
    func checkpointed() -> String? {
      ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).first {
        FileManager.default.fileExists(atPath: "\(runs)/\($0)/checkpoint.safetensors")
      }
    }
    let deadline = Date().addingTimeInterval(120)
    while checkpointed() == nil && Date() < deadline && process.isRunning { usleep(20_000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let runID = try XCTUnwrap(checkpointed(), "the trial saved no checkpoint before the kill")

    let again = try report(["sweep", dir + "/tiny.yaml", "--output", dir + "/out"] + sweep)
    XCTAssertEqual(again.status, 0, again.error)
    XCTAssert(again.error.contains("continuing tiny trial 0 of 2"), again.error)
    XCTAssert(again.error.contains("from run \(runID)"), again.error)
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: runs).filter { !$0.hasPrefix(".") },
      [runID], "the lost run was continued, not trained again beside it")
    let shown = try report(["show", runID, "--output", dir + "/out"])
    XCTAssert(
      shown.output.contains("\"status\" : \"completed\"")
        && shown.output.contains("\"epochs_run\" : 3"), shown.output)
  }

  func testATinySweepRunsTwoTrialsAtOnceThroughChildProcesses() throws {
    let dir = try scratch()
    let yaml = """
      seed: 1
      dataset: {name: mnist, directory: \(root)/data/mnist, subset: 200, test_subset: 50}
      model: [{conv2d: {filters: 2, kernel: 3, activation: relu}}, {maxpool: {size: 2}}, flatten, {dense: {units: 10, activation: softmax}}]
      training: {epochs: 1, batch_size: 50}
      """
    try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
    let sweep = [
      "sweep", dir + "/tiny.yaml", "--output", dir + "/out",
      "--set", "training.optimizer.learning_rate=0.003,0.001", "--jobs", "2",
    ]
    let plan = try report(sweep + ["--plan"])
    XCTAssertEqual(plan.status, 0, plan.error)
    XCTAssertEqual(plan.output.split(separator: "\n").count, 2, plan.output)
    XCTAssert(plan.output.contains("trial 1 of 2 (training.optimizer.learning_rate=0.001"))
    let result = try report(sweep)
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(
      result.output.trimmingCharacters(in: .whitespacesAndNewlines),
      dir + "/out/sweeps/tiny/index.html")
    XCTAssert(result.error.contains("[trial 0] "), result.error)
    XCTAssert(result.error.contains("[trial 1] "), result.error)
    let listed = try report(["list", "--json", "--output", dir + "/out"])
    let rows = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
    XCTAssertEqual(rows.compactMap { $0["trial"] as? Int }.sorted(), [0, 1])
    XCTAssertEqual(Set(rows.compactMap { $0["sweep"] as? String }), ["tiny"])
    XCTAssertEqual(Set(rows.compactMap { $0["group_hash"] as? String }).count, 2)
    // One trial by index, as a Slurm array task runs it; a trial out of range is an error.
    let missing = try report([
      "sweep", dir + "/tiny.yaml", "--output", dir + "/out",
      "--set", "training.optimizer.learning_rate=0.003,0.001", "--trial", "2",
    ])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssert(missing.error.contains("sweep tiny has 2 trials (0...1); there is no trial 2"))
    // Bad input writes nothing.
    let bad = try report([
      "sweep", dir + "/tiny.yaml", "--output", dir + "/bad",
      "--set", "training.optimizr.learning_rate=0.1,0.2",
    ])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssert(bad.error.contains("unknown key 'optimizr' in training"), bad.error)
    let huge = try report([
      "sweep", dir + "/tiny.yaml", "--output", dir + "/bad",
      "--set", "training.epochs=" + (1...101).map(String.init).joined(separator: ","),
      "--set", "training.batch_size=" + (1...100).map(String.init).joined(separator: ","),
    ])
    XCTAssertNotEqual(huge.status, 0)
    XCTAssert(
      huge.error.contains("the sweep has 10100 trials, more than 10000; pass --yes"),
      huge.error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
  }
}
