import CKernels
import Dispatch

/// The machine's arithmetic limit, measured rather than looked up: every worker thread runs a
/// register-blocked loop of independent fused multiply-adds at once, in the vector width oneDNN
/// dispatches to (AVX-512 where its kernels use it, else AVX2), or of bf16 dot products
/// (vdpbf16ps) for bf16 layers, and the best of several calibrated rounds counts. A pass's
/// GFLOP/s divided by this says how close to the hardware it runs.
public struct ArithmeticPeak: Codable, Sendable {
  /// Fused multiply-add FLOPs per second on all `threads`, in billions (a multiply-add is two).
  public var gigaflops: Double
  /// Threads that ran the loop at once.
  public var threads: Int
  /// The instructions measured: "avx2 fma", "avx512 fma" or "avx512 bf16 dot products".
  public var instructions: String

  /// What share of this peak a rate of `gigaflopsPerSecond` is.
  public func fraction(of gigaflopsPerSecond: Double) -> Double {
    gigaflopsPerSecond / gigaflops
  }

  /// Measures the peak of `precision` (`bf16` or `fp32`) on `threads` threads in about
  /// `seconds` of wall time; nil on a CPU without AVX2 and FMA.
  public static func measure(
    precision: Precision = .fp32, threads: Int = Parallel.workers, seconds: Double = 0.6
  ) -> ArithmeticPeak? {
    let width =
      precision == .bf16 && DNNL.hasNativeBF16 && report_fma_supported(report_fma_avx512_bf16) != 0
      ? report_fma_avx512_bf16
      : DNNL.hasAVX512 && report_fma_supported(report_fma_avx512) != 0
        ? report_fma_avx512 : report_fma_avx2
    guard report_fma_supported(width) != 0 else { return nil }
    let flopsPerIteration = Double(report_fma_flops_per_iteration(width))
    // Calibrate on one thread: iterations that take about a tenth of the budget per round.
    var iterations: Int64 = 1 << 16
    while true {
      let taken = time { _ = report_fma_loop(width, iterations) }
      if taken > 0.02 {
        iterations = max(1, Int64(Double(iterations) * (seconds / 6) / taken))
        break
      }
      iterations *= 4
    }
    var best = 0.0
    for _ in 0..<5 {
      let taken = time {
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
          _ = report_fma_loop(width, iterations)
        }
      }
      best = max(best, Double(threads) * Double(iterations) * flopsPerIteration / taken / 1e9)
    }
    return ArithmeticPeak(
      gigaflops: best, threads: threads,
      instructions: width == report_fma_avx512_bf16
        ? "avx512 bf16 dot products" : width == report_fma_avx512 ? "avx512 fma" : "avx2 fma")
  }

  private static func time(_ body: () -> Void) -> Double {
    let start = DispatchTime.now()
    body()
    return seconds(since: start)
  }
}
