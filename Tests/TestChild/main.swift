// A second process for tests that need one, run by them from beside the test bundle:
//   TestChild record-runs STORE PREFIX COUNT
//     waits for a line on standard input, so that the test can start every child at once, then
//     records COUNT completed runs PREFIX-0, PREFIX-1, ... into the store at URI STORE, opening
//     it anew for each run as `report run` does (schema creation races too).
//   TestChild render-notebook DIRECTORY
//     prints the IPYNB rendering of a fixed notebook whose figures are in DIRECTORY
//     (`figures/a.png`), under this process's own hash seed.
// Exits 1 with the error on standard error when anything fails, 2 on a bad command line.
import Foundation
import Notebook
import RunStorage

/// Records `count` runs named `prefix-<j>` into the store at `uri`, each through a new
/// connection.
func recordRuns(uri: String, prefix: String, count: Int) throws {
  let location = try RunStoreLocation(parsing: uri)
  _ = readLine()
  for j in 0..<count {
    let id = "\(prefix)-\(j)"
    try location.open().record(
      IndexedRun(
        runID: id, experiment: "x", status: .completed, valAccuracy: 0.9, testAccuracy: 0.9,
        testLoss: 0.1, parameters: 1, seconds: 1, startedAt: "t-\(id)", seed: 1,
        configHash: "h", cacheKey: "k-\(id)", directory: "d-\(id)"))
  }
}

/// A notebook with every kind of cell, so that any part of the renderer that iterated a
/// `Dictionary` or `Set` would order its output by this process's hash seed.
func fixtureNotebook() -> Notebook {
  Notebook(
    title: "Run 20261125-100000", subtitle: "completed",
    facts: [
      ("Experiment", "tiny"), ("Seed", "3"), ("Status", "completed"), ("Test accuracy", "91.50%"),
      ("Parameters", "3,402"), ("Engine", "oneDNN fp32"),
    ],
    cells: [
      .heading("Configuration"),
      .code("seed: 3\ntraining: {epochs: 2}\n", language: "yaml"),
      .prose([
        .text("Trained "), .strong("2 epochs"), .text(" with "), .code("adam"), .text("; see "),
        .link("the index", href: "../index.html"),
      ]),
      .table(
        Table(
          header: ["epoch", "loss", "accuracy", "val_accuracy"],
          rows: [["1", "1.20", "0.61", "0.80"], ["2", "0.50", "0.85", "0.90"]],
          highlightedRow: 1, numericColumns: [0, 1, 2, 3], caption: "Best epoch in bold.")),
      .figure(path: "figures/a.png", caption: "Accuracy", alt: "accuracy"),
      .figureRow([(path: "figures/a.png", caption: "left"), (path: "figures/a.png", caption: "")]),
      .callout([.text("Interrupted after epoch 1.")], warning: true),
      .progress([.text("epoch 2 of 3")], done: 2, total: 3),
    ])
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
  switch (arguments.first, arguments.count) {
  case ("record-runs", 4):
    guard let count = Int(arguments[3]) else { throw ChildError("COUNT is not a number") }
    try recordRuns(uri: arguments[1], prefix: arguments[2], count: count)
  case ("render-notebook", 2):
    FileHandle.standardOutput.write(
      try IPYNBRenderer(baseDirectory: arguments[1]).render(fixtureNotebook()))
  default:
    FileHandle.standardError.write(
      Data(
        "usage: TestChild record-runs STORE PREFIX COUNT | render-notebook DIRECTORY\n".utf8))
    exit(2)
  }
} catch {
  FileHandle.standardError.write(
    Data("TestChild \(arguments.joined(separator: " ")): \(error)\n".utf8))
  exit(1)
}

/// A bad command line.
struct ChildError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
