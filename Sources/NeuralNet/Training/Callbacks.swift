import Foundation

/// Whether larger or smaller values of a monitored metric are better.
public enum MonitorMode: String, CaseIterable, Codable, Sendable {
  case min, max
  /// Keras's "auto": the metric decides (`Metric.isMaximized`).
  case auto

  func resolved(for metric: Metric) -> MonitorMode {
    guard self == .auto else { return self }
    return metric.isMaximized ? .max : .min
  }

  func isImprovement(_ value: Double, over best: Double?, minDelta: Double) -> Bool {
    guard let best else { return true }
    return self == .max ? value > best + minDelta : value < best - minDelta
  }
}

/// Walks `history` to find the best epoch of `monitor` and how many epochs have passed without
/// improvement since, as Keras's callbacks count them; it also lets a resumed run rebuild them.
struct PlateauTracker {
  let monitor: Metric, mode: MonitorMode, minDelta: Double
  private(set) var best: Double?
  private(set) var bestEpoch = 0
  private(set) var wait = 0

  init(monitor: Metric, mode: MonitorMode, minDelta: Double) {
    self.monitor = monitor
    self.mode = mode.resolved(for: monitor)
    self.minDelta = minDelta
  }

  /// Records one epoch; returns whether it improved.
  @discardableResult
  mutating func record(_ metrics: EpochMetrics) -> Bool {
    guard let value = metrics.value(of: monitor), !value.isNaN else { return false }
    if mode.isImprovement(value, over: best, minDelta: minDelta) {
      best = value
      bestEpoch = metrics.epoch
      wait = 0
      return true
    }
    wait += 1
    return false
  }

  mutating func resetWait() { wait = 0 }
}

/// Stops training when `monitor` has not improved for `patience` epochs, and can put back the
/// best epoch's weights (Keras `EarlyStopping`; min_delta 0 by default).
public final class EarlyStopping: TrainingCallback {
  /// Metric watched.
  public let monitor: Metric
  /// Epochs without improvement before stopping.
  public let patience: Int
  /// Restore the best epoch's weights when training ends.
  public let restoreBestWeights: Bool
  private var tracker: PlateauTracker
  private var bestWeights: [String: (shape: [Int], values: [Float])]?

  /// An early-stopping callback.
  public init(
    monitor: Metric = .valLoss, mode: MonitorMode = .auto, patience: Int = 0,
    minDelta: Double = 0,
    restoreBestWeights: Bool = false
  ) {
    self.monitor = monitor
    self.patience = patience
    self.restoreBestWeights = restoreBestWeights
    tracker = PlateauTracker(monitor: monitor, mode: mode, minDelta: minDelta)
  }

  /// The weights of the best epoch so far, when they are being kept.
  public var bestEpochWeights: [String: (shape: [Int], values: [Float])]? { bestWeights }
  /// The best epoch so far (0 before any).
  public var bestEpoch: Int { tracker.bestEpoch }

  /// Gives a resumed run the best weights its previous part had kept.
  public func resume(bestWeights: [String: (shape: [Int], values: [Float])]?) {
    self.bestWeights = bestWeights
  }

  public func trainingWillBegin(state: TrainingState) {
    tracker = PlateauTracker(
      monitor: tracker.monitor, mode: tracker.mode, minDelta: tracker.minDelta)
    for metrics in state.history { tracker.record(metrics) }
  }

  public func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    if tracker.record(metrics), restoreBestWeights { bestWeights = state.model.weights() }
    if tracker.wait >= patience, state.history.count > 1 {
      state.stopTraining = true
      state.events.append(.earlyStopped(epoch: metrics.epoch, bestEpoch: tracker.bestEpoch))
    }
  }

  public func trainingDidEnd(state: TrainingState) {
    // Keras 3 restores at the end of training whether or not it stopped early.
    guard restoreBestWeights, let bestWeights, state.history.last?.epoch != tracker.bestEpoch else {
      return
    }
    // The weights were taken from this very model, so they always fit.
    if (try? state.model.load(weights: bestWeights)) != nil {
      state.events.append(.restoredBestWeights(epoch: tracker.bestEpoch))
    }
  }
}

/// Multiplies the learning rate by `factor` when `monitor` has not improved for `patience`
/// epochs, never going below `minLearningRate` (Keras `ReduceLROnPlateau`: min_delta 1e-4,
/// cooldown 0).
public final class ReduceLROnPlateau: TrainingCallback {
  public let monitor: Metric
  public let factor: Double
  public let patience: Int
  public let minLearningRate: Double
  private var tracker: PlateauTracker

  /// A plateau schedule.
  public init(
    monitor: Metric = .valLoss, mode: MonitorMode = .auto, factor: Double = 0.1,
    patience: Int = 10,
    minDelta: Double = 1e-4, minLearningRate: Double = 0
  ) {
    self.monitor = monitor
    self.factor = factor
    self.patience = patience
    self.minLearningRate = minLearningRate
    tracker = PlateauTracker(monitor: monitor, mode: mode, minDelta: minDelta)
  }

  public func trainingWillBegin(state: TrainingState) {
    tracker = PlateauTracker(
      monitor: tracker.monitor, mode: tracker.mode, minDelta: tracker.minDelta)
    for metrics in state.history where tracker.record(metrics) == false && tracker.wait >= patience
    {
      tracker.resetWait()
    }
  }

  public func epochDidEnd(_ metrics: EpochMetrics, state: TrainingState) {
    guard !tracker.record(metrics), tracker.wait >= patience else { return }
    let old = Double(state.optimizer.learningRate)
    if old > minLearningRate {
      let new = max(old * factor, minLearningRate)
      state.optimizer.learningRate = Float(new)
      state.events.append(.learningRateChanged(epoch: metrics.epoch, from: old, to: new))
    }
    tracker.resetWait()
  }
}

/// Unfreezes every layer at the start of epoch `epoch` (counted from 1): the frozen layers of a
/// fine-tuning run train from then on. Before that epoch, and on a resumed run, it leaves the
/// model as built.
public final class Unfreeze: TrainingCallback {
  /// The first epoch in which every layer trains.
  public let epoch: Int

  /// Unfreezes at the start of `epoch`.
  public init(at epoch: Int) { self.epoch = epoch }

  public func epochWillBegin(_ epoch: Int, state: TrainingState) {
    if epoch >= self.epoch, !state.model.frozenLayers.isEmpty { state.model.frozenLayers = [] }
  }
}
