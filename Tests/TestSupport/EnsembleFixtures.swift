import Foundation

/// Hand-made completed run folders for ensemble tests: no training, just the files an ensemble
/// reads (config.yaml, summary.json, predictions.csv).
public enum EnsembleFixtures {
  /// predictions.csv's header for MNIST's ten classes.
  public static let header =
    "index,label,predicted," + (0..<10).map { "p_\($0)" }.joined(separator: ",")

  /// One predictions.csv row: `label`, then ten probabilities, zero but for `probabilities`
  /// (class: probability); the predicted column is the most probable class, the lowest on ties.
  public static func row(_ index: Int, label: Int, _ probabilities: [Int: Double]) -> String {
    let p = (0..<10).map { probabilities[$0] ?? 0 }
    let predicted = p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) } ?? 0
    return "\(index),\(label),\(predicted)," + p.map { "\(Float($0))" }.joined(separator: ",")
  }

  /// Writes a completed run `runID` of experiment `experiment` under `outputRoot` with best
  /// validation accuracy `validation`, test accuracy `test` (as its summary says) and
  /// `rows` as its predictions; returns its folder.
  @discardableResult
  public static func member(
    outputRoot: String, experiment: String = "tiny", runID: String, seed: Int = 1,
    validation: Double, test: Double, rows: [String]
  ) throws -> String {
    let directory = "\(outputRoot)/runs/\(experiment)/\(runID)"
    try FileManager.default.createDirectory(
      atPath: directory + "/figures", withIntermediateDirectories: true)
    try write(tinyExperimentYAML(), to: directory + "/config.yaml")
    try write(
      """
      {"best_epoch":2,"best_val_accuracy":\(validation),"config_hash":"c0ffee","epochs_run":2,\
      "experiment":"\(experiment)","finished_at":"2026-11-25T10:00:09Z","parameters":3402,\
      "provenance":{"binary_version":"0.1","blas":"OpenBLAS","dataset_checksums":{},\
      "git_commit":"f7ae360","git_dirty":false,"machine":"x86_64","swift_version":"6.3.1",\
      "threads":2},"run_id":"\(runID)","seed":\(seed),"started_at":"2026-11-25T10:00:0\(seed)Z",\
      "status":"completed","test_accuracy":\(test),"total_seconds":9.5,"training_seconds":8,\
      "group_hash":"g"}
      """, to: directory + "/summary.json")
    try write(([header] + rows).joined(separator: "\n") + "\n", to: directory + "/predictions.csv")
    return directory
  }

  /// Two members whose soft vote is known row by row. Member "b" (listed first) has the higher
  /// test accuracy (4 of 5) but the lower validation accuracy (0.8); member "a" has 0.9 on
  /// validation and 2 of 5 on test, so "a" is the best member. Averaged, the ensemble gets
  /// rows 1-4 right and row 0 wrong: it fixes rows 1, 3, 4 against "a" and breaks row 0; in
  /// row 4 classes 5 and 6 tie at 0.5 and the lowest, 5, wins. The members agree on row 2 only.
  public static func knownPair(outputRoot: String) throws -> (b: String, a: String) {
    let b = try member(
      outputRoot: outputRoot, runID: "20261125-100000-000b", seed: 2, validation: 0.8, test: 0.8,
      rows: [
        row(0, label: 0, [0: 0.3, 1: 0.7]), row(1, label: 1, [1: 0.9, 2: 0.1]),
        row(2, label: 2, [2: 1]), row(3, label: 3, [3: 0.9, 4: 0.1]), row(4, label: 5, [5: 1]),
      ])
    let a = try member(
      outputRoot: outputRoot, runID: "20261125-100000-000a", seed: 1, validation: 0.9, test: 0.4,
      rows: [
        row(0, label: 0, [0: 0.6, 1: 0.4]), row(1, label: 1, [1: 0.4, 2: 0.6]),
        row(2, label: 2, [2: 1]), row(3, label: 3, [3: 0.2, 4: 0.8]), row(4, label: 5, [6: 1]),
      ])
    return (b, a)
  }
}
