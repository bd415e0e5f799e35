import Foundation

/// Categorical cross-entropy over class probabilities, with optional label smoothing
/// (Keras `CategoricalCrossentropy`); labels are class indices standing for one-hot rows.
public struct CategoricalCrossEntropy: Sendable {
  /// Mixes the one-hot target with the uniform distribution: y = (1 - s) * onehot + s / classes.
  public var labelSmoothing: Float

  /// A loss with the given smoothing (Keras's default is 0).
  public init(labelSmoothing: Float = 0) { self.labelSmoothing = labelSmoothing }

  private func target(_ label: Int32, _ j: Int, classes: Int) -> Float {
    (j == Int(label) ? 1 - labelSmoothing : 0) + labelSmoothing / Float(classes)
  }

  /// The summed (not averaged) loss of `batch` rows of probabilities, in Double.
  public func totalLoss(
    probabilities p: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int
  ) -> Double {
    var total = 0.0
    for n in 0..<batch {
      for j in 0..<classes {
        let y = target(labels[n], j, classes: classes)
        // Float's smallest normal keeps log finite where softmax underflowed to zero.
        if y > 0 {
          total -= Double(y) * log(Double(max(p[n * classes + j], .leastNormalMagnitude)))
        }
      }
    }
    return total
  }

  /// dMeanLoss/dLogits for probabilities produced by a softmax: (p - y) / batch. Taking the
  /// gradient through the softmax analytically keeps it exact where p underflows.
  func logitGradient(
    probabilities p: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int,
    into gradient: UnsafeMutablePointer<Float>
  ) {
    fill(gradient, probabilities: p, labels: labels, batch: batch, classes: classes) { p, y in
      p - y
    }
  }

  /// dMeanLoss/dProbabilities, -y / p / batch, for a model whose last layer is not a softmax.
  func probabilityGradient(
    probabilities p: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int,
    into gradient: UnsafeMutablePointer<Float>
  ) {
    fill(gradient, probabilities: p, labels: labels, batch: batch, classes: classes) { p, y in
      -y / max(p, .leastNormalMagnitude)
    }
  }

  /// Writes `perExample(p, y) / batch` for every probability p and its (smoothed) target y.
  private func fill(
    _ gradient: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
    labels: UnsafePointer<Int32>, batch: Int, classes: Int,
    _ perExample: (_ p: Float, _ y: Float) -> Float
  ) {
    let scale = 1 / Float(batch)
    for n in 0..<batch {
      for j in 0..<classes {
        let i = n * classes + j
        gradient[i] = perExample(p[i], target(labels[n], j, classes: classes)) * scale
      }
    }
  }
}
