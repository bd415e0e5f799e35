/// Per-worker scratch space, so that concurrent chunks never share a buffer. Buffers are
/// sized with `reserve` before a parallel region and only read through `pointer` inside it.
final class WorkerScratch {
  private var buffers: [FloatBuffer] = []

  /// Makes sure `workers` buffers of at least `count` scalars exist; zeroes them if asked.
  func reserve(workers: Int, count: Int, zeroed: Bool = false) {
    while buffers.count < workers { buffers.append(FloatBuffer()) }
    for w in 0..<workers {
      buffers[w].reserve(count)
      if zeroed { buffers[w].zero(count) }
    }
  }

  /// The buffer of `worker`.
  func pointer(_ worker: Int) -> UnsafeMutablePointer<Float> { buffers[worker].pointer }

  /// Writes the sum of the first `workers` buffers' scalars `offset..<offset + count` into
  /// `target`, adding in worker order.
  func sum(workers: Int, count: Int, offset: Int = 0, into target: UnsafeMutablePointer<Float>) {
    target.update(from: buffers[0].pointer + offset, count: count)
    for w in 1..<max(workers, 1) {
      let source = buffers[w].pointer + offset
      for i in 0..<count { target[i] += source[i] }
    }
  }
}
