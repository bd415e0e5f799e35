import ExperimentDefinitions
import Foundation
import NeuralNet
import RunStorage

/// Writes what a run's readers see: its report after every change of the run, and the page
/// listing every run. The trainer and the catalog call it; the reports module implements it.
public protocol RunReporter {
  /// Writes the run's figures and report from `run`, its test `evaluation` (nil when it has
  /// none), its `data` and its `model`.
  func writeReport(
    for run: RunRecord, evaluation: Evaluation?, data: ExperimentData, model: Sequential) throws
  /// Writes the figures and report of `run`, the ensemble `ensemble`.
  func writeEnsembleReport(for run: RunRecord, ensemble: Ensemble) throws
  /// Rewrites the page listing every run that `catalog` lists.
  func writeIndex(of catalog: RunCatalog) throws
}

/// Where runs live, how they are indexed and how they are reported: what the catalog, the run
/// cache and the trainer share. Run folders go under `<outputRoot>/runs/<experiment>/<run-id>/`.
public final class RunWorkspace {
  /// The output root (default `output`).
  public let outputRoot: String
  /// Writes each run's report and the index page.
  public var reporter: RunReporter
  /// Opens the run index (default: `runs.sqlite` under the output root).
  public var openStore: () throws -> RunStore
  /// Where a run's provenance comes from (tests give a fixed one); git is asked about the code
  /// once per workspace.
  public var provenance: (_ datasetChecksums: [String: String]) -> Provenance =
    Provenance.recorder()

  /// The output root every command uses unless told otherwise.
  public static let defaultOutputRoot = "output"

  /// A workspace under `outputRoot`, reporting through `reporter`.
  public init(outputRoot: String = defaultOutputRoot, reporter: RunReporter) {
    self.outputRoot = outputRoot
    self.reporter = reporter
    openStore = { try SQLiteRunStore(outputRoot: outputRoot) }
  }

  /// The provenance of a run of `experiment` here, with the engine and ISA it computes with.
  func provenance(of experiment: Experiment, datasetChecksums: [String: String]) -> Provenance {
    var facts = provenance(datasetChecksums)
    facts.engine = ComputeEngine.oneDNN(experiment.training.precision).description
    facts.isa = ComputeEngine.isa
    return facts
  }

  /// Where run `runID` of the experiment (or ensemble) `name` lives.
  public func paths(ofExperiment name: String, runID: String) -> RunPaths {
    RunPaths(directory: "\(outputRoot)/runs/\(name)/\(runID)")
  }

  /// The catalog of the runs here.
  public var catalog: RunCatalog { RunCatalog(workspace: self) }
}
