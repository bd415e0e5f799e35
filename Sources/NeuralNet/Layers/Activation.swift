import Foundation

/// An element-wise (or, for softmax, row-wise) non-linearity fused into Conv2D and Dense.
public enum Activation: Equatable, Sendable, CustomStringConvertible {
  case linear
  case relu
  /// max(x, alpha * x); Keras's default alpha is 0.3, PyTorch's 0.01.
  case leakyRelu(alpha: Float)
  /// Normalised exponentials over the last dimension.
  case softmax

  public var description: String {
    switch self {
    case .linear: return "linear"
    case .relu: return "relu"
    case .leakyRelu(let alpha): return "leaky_relu(\(alpha))"
    case .softmax: return "softmax"
    }
  }

  /// Applies the activation in place to `rows` rows of `width` scalars.
  func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    let count = rows * width
    switch self {
    case .linear: break
    case .relu:
      for i in 0..<count { x[i] = max(x[i], 0) }
    case .leakyRelu(let alpha):
      for i in 0..<count where x[i] < 0 { x[i] *= alpha }
    case .softmax:
      for r in 0..<rows {
        let row = x + r * width
        var largest = -Float.infinity
        for j in 0..<width { largest = max(largest, row[j]) }
        var sum: Float = 0
        for j in 0..<width {
          row[j] = expf(row[j] - largest)
          sum += row[j]
        }
        let scale = 1 / sum
        for j in 0..<width { row[j] *= scale }
      }
    }
  }

  /// dLoss/dPreActivation from dLoss/dOutput and the activation's own `output`. `result` may be
  /// `output` itself: every element (or, for softmax, every row) is read before it is written.
  func gradient(
    _ outputGradient: UnsafePointer<Float>, output: UnsafePointer<Float>,
    into result: UnsafeMutablePointer<Float>, rows: Int, width: Int
  ) {
    let count = rows * width
    switch self {
    case .linear:
      if UnsafePointer(result) != outputGradient {
        result.update(from: outputGradient, count: count)
      }
    case .relu:
      for i in 0..<count { result[i] = output[i] > 0 ? outputGradient[i] : 0 }
    case .leakyRelu(let alpha):
      // The output keeps the input's sign for alpha > 0, so it tells which branch was taken.
      for i in 0..<count {
        result[i] = output[i] > 0 ? outputGradient[i] : alpha * outputGradient[i]
      }
    case .softmax:
      for r in 0..<rows {
        let y = output + r * width
        let dy = outputGradient + r * width
        let dz = result + r * width
        var dot: Float = 0
        for j in 0..<width { dot += dy[j] * y[j] }
        for j in 0..<width { dz[j] = y[j] * (dy[j] - dot) }
      }
    }
  }
}
