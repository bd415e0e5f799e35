import Foundation
import Reports
import RunStorage
import Runs

extension SweepRunner {
  /// One line per trial, after a header: its index, values, seed, newest run, status (derived
  /// now, `queued` for a Slurm task that has not started), epochs and best value of the sweep's
  /// metric so far.
  public func statusTable(now: Date = Date()) -> [String] {
    let hashes = (try? SweepRuns.configHashes(of: sweep)) ?? []
    let runs = SweepRuns.latest(
      outputRoot: trainer.workspace.outputRoot, experiment: sweep.base.name, configHashes: hashes)
    let queued =
      (try? trainer.workspace.openStore().runs(
        experiment: sweep.base.name, status: .queued)) ?? []
    let rows = sweep.trials.indices.map { index -> [String] in
      let trial = sweep.trials[index]
      let seed = (try? sweep.experiment(trial: index).seed).map(String.init) ?? "?"
      let values = trial.overrides.joined(separator: " ")
      if index < hashes.count, let run = runs[hashes[index]] {
        let status =
          (try? RunLiveness.status(
            recorded: run.summary.status, paths: run.paths, now: now)) ?? run.summary.status
        let best = run.best(sweep.metric)
        return [
          String(index), values, seed, run.paths.runID, status.rawValue,
          String(run.log.epochs.count), best.map { String(format: "%.4f", $0) } ?? "-",
        ]
      }
      if let row = queued.first(where: { $0.sweep == sweep.base.name && $0.trial == index }) {
        return [String(index), values, seed, row.runID, RunStatus.queued.rawValue, "0", "-"]
      }
      return [String(index), values, seed, "-", "not started", "0", "-"]
    }
    return TextTable.lines(
      header: ["trial", "values", "seed", "run", "status", "epochs", "best \(sweep.metric)"],
      rows: rows)
  }
}
