import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import RunStorage

/// One stretch of a run's training, from its start or its last checkpoint to its end: builds the
/// callbacks the definition asks for, trains, and after every epoch and at the end publishes the
/// run (summary, report, index row, index page) and finally its test results and weights.
struct TrainingSession {
  let workspace: RunWorkspace
  let experiment: Experiment
  let data: ExperimentData
  let state: TrainingState
  let paths: RunPaths
  /// The summary as it stands when the session starts.
  let summary: RunSummary
  /// When the run started (earlier parts of a resumed run included).
  let started: Date
  let trial: TrialContext?
  /// Callbacks from outside (a progress display), called after the session's own.
  let callbacks: [TrainingCallback]
  let isCancelled: () -> Bool
  /// The run's row in the index, kept up to date without stopping the run.
  let index: IndexUpdates

  /// Trains to the end, starting early stopping from `bestWeights` (a resumed run's).
  func train(bestWeights: [String: SafeTensors.Tensor]?) throws {
    var summary = summary
    let spec = experiment.training
    let trainStart = Date()
    let previousTraining = summary.trainingSeconds
    let stopping = spec.earlyStopping.map { e in
      let callback = EarlyStopping(
        monitor: e.monitor, mode: e.mode, patience: e.patience, minDelta: e.minDelta,
        restoreBestWeights: e.restoreBestWeights)
      callback.resume(bestWeights: bestWeights)
      return callback
    }
    func progress(_ log: TrainingLog) {
      summary.record(log)
      summary.trainingSeconds = previousTraining + Date().timeIntervalSince(trainStart)
      summary.totalSeconds = Date().timeIntervalSince(started)
    }
    // After every epoch the run's summary, report, index row and index page show it so far.
    let recorder = RunRecorder(paths: paths, earlyStopping: stopping, epochs: spec.epochs) { log in
      progress(log)
      try publish(summary, log: log, evaluation: nil)
    }
    // After the recorder, so that other trials see this epoch whatever the pruner decides.
    let pruner = trial.flatMap { context in
      context.earlyTermination.map {
        TrialPruner(
          context: context, rule: $0, outputRoot: workspace.outputRoot, experiment: experiment.name)
      }
    }
    let trainer = Trainer(
      model: state.model, optimizer: state.optimizer, loss: spec.loss,
      batchSize: spec.batchSize, augmentation: spec.augmentation,
      callbacks: (stopping.map { [$0] } ?? []) + scheduleCallbacks() + [recorder]
        + (pruner.map { [$0] } ?? []) + callbacks,
      seed: experiment.seed)
    trainer.isCancelled = isCancelled
    try trainer.fit(
      try ExperimentData.examples(data.train),
      validation: try ExperimentData.examples(data.validation), epochs: spec.epochs, resuming: state
    )
    if let error = recorder.writeError { throw error }
    let log = TrainingLog(epochs: state.history, events: state.events)
    progress(log)
    summary.status = state.outcome.runStatus
    if case .failed(let reason) = state.outcome { summary.failureReason = reason }
    if summary.status == .completed, let verdict = pruner?.verdict {
      (summary.status, summary.pruning) = (.pruned, verdict)
    }
    let evaluation = summary.status == .failed ? nil : try test(&summary)
    summary.finishedAt = Timestamp.string(Date())
    summary.totalSeconds = Date().timeIntervalSince(started)
    try publish(summary, log: log, evaluation: evaluation, last: true)
  }

  /// The learning-rate schedules the definition declares, in a fixed order.
  private func scheduleCallbacks() -> [TrainingCallback] {
    let spec = experiment.training
    var callbacks: [TrainingCallback] = []
    if let p = spec.reduceLROnPlateau {
      callbacks.append(
        ReduceLROnPlateau(
          monitor: p.monitor, mode: p.mode, factor: p.factor, patience: p.patience,
          minDelta: p.minDelta, minLearningRate: p.minLearningRate))
    }
    if let rate = spec.exponentialDecay {
      callbacks.append(
        ExponentialDecay(initialLearningRate: spec.optimizer.learningRate, decayRate: rate))
    }
    if let epoch = spec.unfreezeAt { callbacks.append(Unfreeze(at: epoch)) }
    if let schedule = spec.schedule {
      callbacks.append(
        schedule.makeCallback(peakLearningRate: spec.optimizer.learningRate, epochs: spec.epochs))
    }
    return callbacks
  }

  /// Evaluates the trained model on the test set into `summary`, and writes its predictions (on
  /// the validation split and a held-out fold too, for the error analysis), final weights and,
  /// when it completed, its ONNX exports (`RunDeployment`).
  private func test(_ summary: inout RunSummary) throws -> Evaluation {
    let result = Evaluation(
      model: state.model, examples: try ExperimentData.examples(data.test),
      loss: experiment.training.loss, batchSize: experiment.training.batchSize)
    summary.testAccuracy = result.accuracy
    summary.testLoss = result.loss
    try PredictionsFile.write(
      result, labels: data.test.labels, classCount: state.model.classCount, to: paths.predictions)
    try RunErrorAnalysis.recordValidation(model: state.model, data: data, in: paths)
    try RunErrorAnalysis.recordHeldOut(model: state.model, data: data, in: paths)
    try AtomicFile.write(
      try SafeTensors.encode(
        state.model.weights(), metadata: ["experiment": experiment.name, "run": paths.runID]),
      to: paths.weights)
    if summary.status == .completed {
      try RunDeployment.record(
        try RunDeployment.package(
          paths: paths, summary: summary, experiment: experiment, model: state.model, data: data,
          testProbabilities: result.probabilities),
        in: paths)
    }
    return result
  }

  /// Shows the run as `summary` and `log` say: its report, summary, row in the index and the
  /// index page; `last` at the run's end.
  private func publish(
    _ summary: RunSummary, log: TrainingLog, evaluation: Evaluation?, last: Bool = false
  ) throws {
    try workspace.reporter.writeReport(
      for: RunRecord(paths: paths, summary: summary, experiment: experiment, log: log),
      evaluation: evaluation, data: data, model: state.model)
    try summary.write(to: paths)
    index.update(summary.indexRow(directory: paths.directory), last: last)
  }
}

extension TrainingOutcome {
  /// The status a run that ended this way is recorded with.
  var runStatus: RunStatus {
    switch self {
    case .completed, .earlyStopped: return .completed
    case .interrupted: return .interrupted
    case .failed: return .failed
    }
  }
}
