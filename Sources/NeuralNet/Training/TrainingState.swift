/// What one epoch measured (Keras's `History` row plus timing).
public struct EpochMetrics: Codable, Equatable, Sendable {
  /// 1-based epoch number.
  public var epoch: Int
  /// Mean training loss and accuracy over the epoch's batches (training mode).
  public var loss: Double, accuracy: Double
  /// Loss and accuracy on the validation set after the epoch (inference mode), when there is one.
  public var valLoss: Double?, valAccuracy: Double?
  /// Learning rate used during the epoch.
  public var learningRate: Double
  /// Wall-clock seconds of the epoch, validation included.
  public var seconds: Double
  /// Training images per second (validation excluded).
  public var imagesPerSecond: Double
  /// The validation confusion matrix after the epoch, counts[true][predicted], when there is a
  /// validation set (nil in records written before it was kept).
  public var valConfusion: [[Int]]?

  /// One epoch's record.
  public init(
    epoch: Int, loss: Double, accuracy: Double, valLoss: Double?, valAccuracy: Double?,
    learningRate: Double, seconds: Double,
    imagesPerSecond: Double, valConfusion: [[Int]]? = nil
  ) {
    (self.epoch, self.loss, self.accuracy, self.valLoss, self.valAccuracy) = (
      epoch, loss, accuracy, valLoss, valAccuracy
    )
    (self.learningRate, self.seconds, self.imagesPerSecond) = (
      learningRate, seconds, imagesPerSecond
    )
    self.valConfusion = valConfusion
  }

  /// The value of `metric` this epoch (nil for a validation metric without a validation set).
  public func value(of metric: Metric) -> Double? {
    switch metric {
    case .loss: return loss
    case .accuracy: return accuracy
    case .valLoss: return valLoss
    case .valAccuracy: return valAccuracy
    }
  }
}

/// Progress inside an epoch, handed to callbacks after every batch.
public struct BatchProgress: Sendable {
  public var epoch: Int, epochs: Int
  public var batch: Int, batches: Int
  /// Running means over the epoch so far.
  public var loss: Double, accuracy: Double
  public var imagesPerSecond: Double
  /// Seconds since the epoch began.
  public var elapsed: Double
}

/// Something a callback did, kept for the report and the curves' event markers.
public enum TrainingEvent: Codable, Equatable, Sendable {
  /// The learning rate changed after `epoch`.
  case learningRateChanged(epoch: Int, from: Double, to: Double)
  /// Early stopping ended training after `epoch`; the best was `bestEpoch`.
  case earlyStopped(epoch: Int, bestEpoch: Int)
  /// The weights of `epoch` were put back at the end of training.
  case restoredBestWeights(epoch: Int)
}

/// How training ended.
public enum TrainingOutcome: Codable, Equatable, Sendable {
  case completed
  case earlyStopped
  /// Cancelled from outside (Ctrl-C); the last finished epoch is kept.
  case interrupted
  /// Training could not go on, for example because the loss became NaN.
  case failed(reason: String)
}

/// The training run as callbacks see it: the model, the optimizer, what happened so far.
public final class TrainingState {
  /// The network being trained.
  public let model: Sequential
  /// Its optimizer; callbacks change `learningRate`.
  public let optimizer: Optimizer
  /// Per-epoch metrics so far.
  public internal(set) var history: [EpochMetrics]
  /// What callbacks did so far.
  public var events: [TrainingEvent]
  /// Set by a callback to end training after the current epoch.
  public var stopTraining = false
  /// How training ended; `completed` until it ends otherwise.
  public internal(set) var outcome: TrainingOutcome = .completed

  /// A state that continues after `history` (empty for a new run).
  public init(
    model: Sequential, optimizer: Optimizer, history: [EpochMetrics] = [],
    events: [TrainingEvent] = []
  ) {
    self.model = model
    self.optimizer = optimizer
    self.history = history
    self.events = events
  }
}

/// Hooks into training (Keras `Callback`). All methods have empty defaults.
public protocol TrainingCallback: AnyObject {
  /// Before training starts or resumes; `state.history` holds epochs already done.
  func trainingWillBegin(state: TrainingState)
  /// Before each epoch (1-based).
  func epochWillBegin(_ epoch: Int, state: TrainingState)
  /// Before each batch (0-based, of `batches` in `epoch`): per-step learning-rate schedules.
  func batchWillBegin(_ batch: Int, of batches: Int, epoch: Int, state: TrainingState)
  /// After each batch.
  func batchDidEnd(_ progress: BatchProgress, state: TrainingState)
  /// After each epoch, once its metrics are in `state.history`.
  func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState)
  /// After the last epoch.
  func trainingDidEnd(state: TrainingState)
}

extension TrainingCallback {
  public func trainingWillBegin(state: TrainingState) {}
  public func epochWillBegin(_ epoch: Int, state: TrainingState) {}
  public func batchWillBegin(_ batch: Int, of batches: Int, epoch: Int, state: TrainingState) {}
  public func batchDidEnd(_ progress: BatchProgress, state: TrainingState) {}
  public func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {}
  public func trainingDidEnd(state: TrainingState) {}
}
