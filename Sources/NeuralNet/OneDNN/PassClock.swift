import Dispatch

/// Wall-clock seconds from `start` to now.
func seconds(since start: DispatchTime) -> Double {
  Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// One of the passes a training step runs through a layer.
public enum LayerPass: String, Codable, Sendable, CaseIterable {
  case forward
  /// dLoss/dInput from dLoss/dOutput (a convolution's or dense layer's transposed product).
  case backwardData = "backward-data"
  /// dLoss/dKernel and dLoss/dBias.
  case backwardWeights = "backward-weights"
  /// The whole backward pass of a layer without weights (pooling, batch norm, flatten).
  case backward
}

/// How long one pass of one layer takes in a training step: a row of `report bench --layers`.
public struct LayerPassTiming: Codable, Sendable {
  /// The layer's Keras name ("conv2d_1"), or a step's own work ("augmentation", "optimizer").
  public var layer: String
  /// "forward", "backward-data", "backward-weights" or "backward"; "step" for a step's own work.
  public var pass: String
  /// Median milliseconds per training step.
  public var milliseconds: Double
  /// Arithmetic of the pass per step (a multiply-add counts two); nil where the pass is not a
  /// product (pooling, normalization, reorders) and moves memory rather than computing.
  public var flops: Double?
  /// What ran it: oneDNN's implementation ("brg:avx512_core"), the engine's own ("winograd
  /// F(2x2,3x3):avx2", "im2col + sgemm (OpenBLAS, fp32)"), or "reference (Swift, fp32)".
  public var implementation: String

  /// Billions of FLOPs per second, where the pass has arithmetic.
  public var gigaflopsPerSecond: Double? {
    flops.map { $0 / (milliseconds / 1000) / 1e9 }
  }

  public init(
    layer: String, pass: String, milliseconds: Double, flops: Double?, implementation: String
  ) {
    self.layer = layer
    self.pass = pass
    self.milliseconds = milliseconds
    self.flops = flops
    self.implementation = implementation
  }
}

/// Times the passes of a compiled network step after step; the same passes run in the same
/// order every step, so the n-th measurement of a step belongs to the n-th row.
final class PassClock {
  private var rows: [(layer: String, pass: String, flops: Double?, implementation: String)] = []
  /// Seconds of each row, one per step.
  private var samples: [[Double]] = []
  private var position = 0

  /// Runs `body`, timing it when there is a clock.
  static func run(
    _ clock: PassClock?, _ layer: String, _ pass: String, flops: Double? = nil,
    implementation: @autoclosure () -> String = "", _ body: () -> Void
  ) {
    guard let clock else { return body() }
    let start = DispatchTime.now()
    body()
    let taken = seconds(since: start)
    if clock.position == clock.rows.count {
      clock.rows.append((layer, pass, flops, implementation()))
      clock.samples.append([])
    }
    clock.samples[clock.position].append(taken)
    clock.position += 1
  }

  /// Starts the next step's rows from the first.
  func nextStep() { position = 0 }

  /// Every row, with its median over the steps timed.
  var timings: [LayerPassTiming] {
    zip(rows, samples).map { row, taken in
      let sorted = taken.sorted()
      let middle = sorted.count / 2
      let median =
        sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
      return LayerPassTiming(
        layer: row.layer, pass: row.pass, milliseconds: median * 1000, flops: row.flops,
        implementation: row.implementation)
    }
  }
}
