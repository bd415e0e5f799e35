import CBLAS
import Dispatch
import Foundation

/// How many threads the engine uses, and how work is split between them.
///
/// Work is cut into chunks that are dealt to workers round-robin (chunk i goes to worker
/// i % workers), so which worker computes what, and the order in which per-worker partial sums
/// are added, depend only on the thread count: results are bit-identical run to run.
public enum Parallel {
  /// Worker threads for the engine's loops; OpenBLAS itself runs single-threaded inside each.
  /// Defaults to the number of active processors.
  public nonisolated(unsafe) static var workers: Int = defaultWorkers() {
    didSet {
      workers = max(1, workers)
      DNNL.setThreads(workers)
    }
  }

  /// One worker per active processor: the count when nothing chooses another.
  public static var allCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

  private static func defaultWorkers() -> Int {
    // Each worker calls sgemm on its own chunk; nested OpenBLAS threads would oversubscribe.
    openblas_set_num_threads(1)
    DNNL.setThreads(allCores)
    return allCores
  }

  /// Runs `body(chunk, worker)` for every chunk in `0..<chunks`, spread over the workers.
  static func forEachChunk(_ chunks: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
    let threads = min(workers, chunks)
    if threads <= 1 {
      for chunk in 0..<chunks { body(chunk, 0) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
      var chunk = worker
      while chunk < chunks {
        body(chunk, worker)
        chunk += threads
      }
    }
  }
}
