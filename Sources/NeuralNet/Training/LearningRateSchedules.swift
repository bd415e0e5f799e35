import Foundation

/// Sets the learning rate before each epoch to initial * rate^(epoch - 1) (Keras
/// `ExponentialDecay` with staircase steps of one epoch).
public final class ExponentialDecay: TrainingCallback {
  public let initialLearningRate: Double
  public let decayRate: Double

  /// An exponential per-epoch schedule.
  public init(initialLearningRate: Double, decayRate: Double) {
    self.initialLearningRate = initialLearningRate
    self.decayRate = decayRate
  }

  public func epochWillBegin(_ epoch: Int, state: TrainingState) {
    state.optimizer.learningRate = Float(initialLearningRate * pow(decayRate, Double(epoch - 1)))
  }
}

/// Cosine decay from `peakLearningRate` to `minLearningRate` over the whole training, set before
/// every step, after an optional linear warmup from 0 (Keras `CosineDecay` with
/// `initial_learning_rate` 0 and `warmup_target` the peak; without warmup, PyTorch's
/// `CosineAnnealingLR(T_max = all steps, eta_min)`).
///
/// The rate is a function of the step alone, so a resumed run follows the unbroken one.
public final class CosineDecay: TrainingCallback {
  public let peakLearningRate: Double
  public let minLearningRate: Double
  public let warmupEpochs: Int
  private let epochs: Int

  /// A cosine schedule over `epochs` epochs, the first `warmupEpochs` of them warming up.
  public init(
    peakLearningRate: Double, minLearningRate: Double = 0, warmupEpochs: Int = 0, epochs: Int
  ) {
    self.peakLearningRate = peakLearningRate
    self.minLearningRate = minLearningRate
    self.warmupEpochs = warmupEpochs
    self.epochs = epochs
  }

  /// The rate of 0-based `step` of `totalSteps`, `warmupSteps` of them warming up.
  public func learningRate(step: Int, totalSteps: Int, warmupSteps: Int) -> Double {
    if step < warmupSteps { return peakLearningRate * Double(step + 1) / Double(warmupSteps) }
    let decaySteps = max(totalSteps - warmupSteps, 1)
    let progress = min(Double(step - warmupSteps) / Double(decaySteps), 1)
    return minLearningRate + (peakLearningRate - minLearningRate) * 0.5 * (1 + cos(.pi * progress))
  }

  public func batchWillBegin(_ batch: Int, of batches: Int, epoch: Int, state: TrainingState) {
    state.optimizer.learningRate = Float(
      learningRate(
        step: (epoch - 1) * batches + batch, totalSteps: epochs * batches,
        warmupSteps: warmupEpochs * batches))
  }
}

/// The one-cycle policy (Smith & Topsakal 2018) as PyTorch's `OneCycleLR` implements it, set
/// before every step: the rate rises from peak / `divFactor` to the peak over the first
/// `warmupFraction` of all steps, then falls to peak / (`divFactor` * `finalDivFactor`), both on
/// cosines; the momentum (Adam's beta1, SGD's momentum when it has one) moves the opposite way
/// between `maxMomentum` and `baseMomentum`. PyTorch's defaults: 0.3, 25, 1e4, 0.85 and 0.95.
public final class OneCycle: TrainingCallback {
  public let peakLearningRate: Double
  public let warmupFraction: Double
  public let divFactor: Double
  public let finalDivFactor: Double
  /// The momentum range, nil when the momentum is left alone (PyTorch `cycle_momentum=False`).
  public let momentum: ClosedRange<Double>?
  private let epochs: Int

  /// A one-cycle schedule over `epochs` epochs.
  public init(
    peakLearningRate: Double, epochs: Int, warmupFraction: Double = 0.3, divFactor: Double = 25,
    finalDivFactor: Double = 1e4, momentum: ClosedRange<Double>? = 0.85...0.95
  ) {
    self.peakLearningRate = peakLearningRate
    self.epochs = epochs
    self.warmupFraction = warmupFraction
    self.divFactor = divFactor
    self.finalDivFactor = finalDivFactor
    self.momentum = momentum
  }

  /// The rate and momentum of 0-based `step` of `totalSteps`.
  public func values(step: Int, totalSteps: Int) -> (learningRate: Double, momentum: Double?) {
    let initial = peakLearningRate / divFactor
    let final = initial / finalDivFactor
    // PyTorch's phase ends: step pct_start * total - 1, then total - 1.
    let warmupEnd = warmupFraction * Double(totalSteps) - 1
    let lastStep = Double(totalSteps - 1)
    let t = Double(step)
    let (progress, from, to, rising): (Double, Double, Double, Bool) =
      t <= warmupEnd
      ? (warmupEnd > 0 ? t / warmupEnd : 1, initial, peakLearningRate, true)
      : ((t - warmupEnd) / max(lastStep - warmupEnd, 1), peakLearningRate, final, false)
    let p = min(max(progress, 0), 1)
    let rate = Self.cosine(from: from, to: to, progress: p)
    let cycled = momentum.map { range in
      rising
        ? Self.cosine(from: range.upperBound, to: range.lowerBound, progress: p)
        : Self.cosine(from: range.lowerBound, to: range.upperBound, progress: p)
    }
    return (rate, cycled)
  }

  public func batchWillBegin(_ batch: Int, of batches: Int, epoch: Int, state: TrainingState) {
    let (rate, cycled) = values(step: (epoch - 1) * batches + batch, totalSteps: epochs * batches)
    state.optimizer.learningRate = Float(rate)
    guard let cycled else { return }
    if let adam = state.optimizer as? Adam {
      adam.beta1 = Float(cycled)
    } else if let sgd = state.optimizer as? SGD, sgd.momentum > 0 {
      sgd.momentum = Float(cycled)
    }
  }

  private static func cosine(from start: Double, to end: Double, progress: Double) -> Double {
    end + (start - end) / 2 * (1 + cos(.pi * progress))
  }
}
