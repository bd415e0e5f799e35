import Foundation

/// Batch normalisation over the channel axis (Keras `BatchNormalization`, axis -1).
///
/// In training the batch's own mean and (biased) variance over [batch, H, W] normalise each
/// channel and update the moving statistics; in inference the moving statistics are used.
/// Keras defaults: momentum 0.99, epsilon 1e-3, gamma 1, beta 0, moving mean 0, variance 1.
/// Parameters: gamma, beta (trainable), moving_mean, moving_variance (state), each [channels].
/// After a forward pass that is not training, `backward` gives the gradient of that fixed
/// per-channel affine map (what saliency needs) and leaves the parameter gradients alone.
public final class BatchNormalization: Layer {
  /// Weight of the old moving statistics in each update.
  public var momentum: Float
  /// Added to the variance before the square root.
  public var epsilon: Float

  public let kind = "BatchNormalization"
  public var settings: String { "momentum \(momentum), epsilon \(epsilon)" }
  public private(set) var parameters: [Parameter] = []

  private var channels = 0
  /// Positions per example: each example is a [rowsPerExample, channels] matrix.
  private var rowsPerExample = 1
  private let output = FloatBuffer()
  private let normalized = FloatBuffer()
  private let inputGradient = FloatBuffer()
  private let batchMean = FloatBuffer()
  private let inverseDeviation = FloatBuffer()
  /// The mode of the last forward pass, which `backward` differentiates.
  private var forwardMode = Mode.training
  /// Whether training passes normalise with the moving statistics and leave them alone, as
  /// Keras's BatchNormalization does when frozen (`trainable = False` runs it in inference mode).
  public internal(set) var usesMovingStatistics = false

  /// A batch-normalisation layer.
  public init(momentum: Float = 0.99, epsilon: Float = 1e-3) {
    self.momentum = momentum
    self.epsilon = epsilon
  }

  public func build(inputShape: TensorShape, generator: inout SeededGenerator) throws -> TensorShape
  {
    guard let last = inputShape.last, last > 0 else {
      throw NeuralNetError.shapeMismatch(
        layer: kind, input: inputShape, reason: "needs a channel axis")
    }
    channels = last
    rowsPerExample = Array(inputShape.dropLast()).elementCount
    let gamma = Parameter(name: "gamma", shape: [channels])
    let beta = Parameter(name: "beta", shape: [channels])
    let movingMean = Parameter(name: "moving_mean", shape: [channels], trainable: false)
    let movingVariance = Parameter(name: "moving_variance", shape: [channels], trainable: false)
    gamma.value.pointer.update(repeating: 1, count: channels)
    movingVariance.value.pointer.update(repeating: 1, count: channels)
    parameters = [gamma, beta, movingMean, movingVariance]
    batchMean.reserve(channels)
    inverseDeviation.reserve(channels)
    return inputShape
  }

  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode requested: Mode)
    -> UnsafePointer<Float>
  {
    let mode = requested == .training && usesMovingStatistics ? .inferenceWithGradients : requested
    forwardMode = mode
    let rows = batch * rowsPerExample
    let c = channels
    output.reserve(rows * c)
    let mean = batchMean.pointer
    let inverse = inverseDeviation.pointer
    let gamma = parameter(named: "gamma").value.pointer
    let beta = parameter(named: "beta").value.pointer
    let movingMean = parameter(named: "moving_mean").value.pointer
    let movingVariance = parameter(named: "moving_variance").value.pointer
    if mode == .training {
      // Two passes in Double for the statistics: a sum of ~10^5 squares loses digits in Float.
      var sum = [Double](repeating: 0, count: c)
      var squares = [Double](repeating: 0, count: c)
      for r in 0..<rows {
        let row = input + r * c
        for j in 0..<c { sum[j] += Double(row[j]) }
      }
      for j in 0..<c { mean[j] = Float(sum[j] / Double(rows)) }
      for r in 0..<rows {
        let row = input + r * c
        for j in 0..<c {
          let d = Double(row[j] - mean[j])
          squares[j] += d * d
        }
      }
      for j in 0..<c {
        let variance = Float(squares[j] / Double(rows))
        inverse[j] = 1 / (variance + epsilon).squareRoot()
        movingMean[j] = momentum * movingMean[j] + (1 - momentum) * mean[j]
        movingVariance[j] = momentum * movingVariance[j] + (1 - momentum) * variance
      }
      normalized.reserve(rows * c)
      let xHat = normalized.pointer
      let out = output.pointer
      for r in 0..<rows {
        for j in 0..<c {
          let h = (input[r * c + j] - mean[j]) * inverse[j]
          xHat[r * c + j] = h
          out[r * c + j] = gamma[j] * h + beta[j]
        }
      }
    } else {
      var scale = [Float](repeating: 0, count: c)
      var shift = [Float](repeating: 0, count: c)
      for j in 0..<c {
        scale[j] = gamma[j] / (movingVariance[j] + epsilon).squareRoot()
        shift[j] = beta[j] - movingMean[j] * scale[j]
      }
      let out = output.pointer
      for r in 0..<rows {
        for j in 0..<c { out[r * c + j] = input[r * c + j] * scale[j] + shift[j] }
      }
    }
    return UnsafePointer(output.pointer)
  }

  public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool)
    -> UnsafePointer<Float>?
  {
    let rows = batch * rowsPerExample
    let c = channels
    let gamma = parameter(named: "gamma").value.pointer
    if forwardMode != .training {
      return inferenceInputGradient(
        outputGradient, rows: rows, gamma: gamma, needed: needsInputGradient)
    }
    let xHat = normalized.pointer
    let inverse = inverseDeviation.pointer
    let dGamma = parameter(named: "gamma").gradient.pointer
    let dBeta = parameter(named: "beta").gradient.pointer
    dGamma.update(repeating: 0, count: c)
    dBeta.update(repeating: 0, count: c)
    for r in 0..<rows {
      for j in 0..<c {
        let dy = outputGradient[r * c + j]
        dGamma[j] += dy * xHat[r * c + j]
        dBeta[j] += dy
      }
    }
    guard needsInputGradient else { return nil }
    inputGradient.reserve(rows * c)
    let dX = inputGradient.pointer
    let m = Float(rows)
    // dx = gamma / sigma / m * (m * dy - sum(dy) - xHat * sum(dy * xHat))
    for r in 0..<rows {
      for j in 0..<c {
        let i = r * c + j
        dX[i] = gamma[j] * inverse[j] / m * (m * outputGradient[i] - dBeta[j] - xHat[i] * dGamma[j])
      }
    }
    return UnsafePointer(dX)
  }

  /// dx = dy · gamma / sqrt(moving variance + epsilon), channel by channel.
  private func inferenceInputGradient(
    _ outputGradient: UnsafePointer<Float>, rows: Int, gamma: UnsafePointer<Float>, needed: Bool
  ) -> UnsafePointer<Float>? {
    guard needed else { return nil }
    let variance = parameter(named: "moving_variance").value.pointer
    let scale = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
    inputGradient.reserve(rows * channels)
    let dX = inputGradient.pointer
    for r in 0..<rows {
      for j in 0..<channels { dX[r * channels + j] = outputGradient[r * channels + j] * scale[j] }
    }
    return UnsafePointer(dX)
  }
}
