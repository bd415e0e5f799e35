import Foundation
import NeuralNet

/// How long one inference of a single image takes in the engine: percentiles over many calls,
/// after a warm-up that compiles the network.
public struct Latency: Codable, Equatable, Sendable {
  /// Median and 99th percentile, in milliseconds.
  public var p50Milliseconds: Double
  public var p99Milliseconds: Double
  /// How many timed calls.
  public var calls: Int

  enum CodingKeys: String, CodingKey {
    case p50Milliseconds = "p50_ms"
    case p99Milliseconds = "p99_ms"
    case calls
  }

  public init(p50Milliseconds: Double, p99Milliseconds: Double, calls: Int) {
    (self.p50Milliseconds, self.p99Milliseconds, self.calls) =
      (p50Milliseconds, p99Milliseconds, calls)
  }

  /// Times `calls` batch-1 inferences of `model` on `image` ([height, width, channels]).
  public static func measure(_ model: Sequential, image: [Float], calls: Int = 1_000) -> Latency {
    image.withUnsafeBufferPointer { x in
      for _ in 0..<20 { _ = model.forward(x.baseAddress!, batch: 1, mode: .inference) }
      var times: [Double] = []
      times.reserveCapacity(calls)
      for _ in 0..<calls {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = model.forward(x.baseAddress!, batch: 1, mode: .inference)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
      }
      times.sort()
      return Latency(
        p50Milliseconds: percentile(times, 0.50), p99Milliseconds: percentile(times, 0.99),
        calls: calls)
    }
  }

  /// The `q` quantile of sorted `values`, by the nearest rank.
  static func percentile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let rank = Int((q * Double(values.count)).rounded(.up)) - 1
    return values[min(max(rank, 0), values.count - 1)]
  }
}
