/// An epoch metric a run records, by its Keras name: what callbacks monitor and sweeps rank
/// trials by. The raw value is the name experiment files write (`monitor: val_accuracy`).
public enum Metric: String, CaseIterable, Sendable, CustomStringConvertible {
  /// Mean training loss over the epoch's batches.
  case loss
  /// Training accuracy over the epoch's batches.
  case accuracy
  /// Loss on the validation set after the epoch.
  case valLoss = "val_loss"
  /// Accuracy on the validation set after the epoch.
  case valAccuracy = "val_accuracy"

  /// Whether the metric is an accuracy: a fraction of images classified right, in 0...1.
  public var isAccuracy: Bool {
    switch self {
    case .accuracy, .valAccuracy: return true
    case .loss, .valLoss: return false
    }
  }

  /// Whether larger values are better: accuracies are maximised, losses minimised (what Keras's
  /// `mode="auto"` decides from the name).
  public var isMaximized: Bool { isAccuracy }

  /// The Keras name, e.g. `val_accuracy`.
  public var description: String { rawValue }
}
